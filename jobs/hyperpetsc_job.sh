# Sourced by the job scripts in jobs/ (run.sbatch, sweep.sbatch, spool.sbatch): launch
# hyperpetsc on the job's tasks, pass a stop signal on to it, and requeue the job when it
# stopped to be continued (exit 75).
#
# Environment: HYPERPETSC, the binary (default: build/hyperpetsc of the folder the job was
# submitted from).
#
# Signals. `#SBATCH --signal=B:USR1@120` sends SIGUSR1 to this batch shell alone 120 s
# before the time limit; scancel, the time limit itself and pre-emption send SIGTERM. Either
# is passed on to the launcher as SIGUSR1: srun hands it to every task, mpirun (Open MPI) to
# every rank (mpirun would answer SIGTERM itself by killing the ranks). hyperpetsc then
# checkpoints after the current outer step and exits 75 (EX_TEMPFAIL). hp_requeue_on_75
# puts the job back in the queue, except after a SIGTERM: a cancelled job stays cancelled
# (its checkpoint remains; resubmit to continue). Since one step must finish within the
# 120 s, keep outer steps shorter (or ask for more time with --signal=B:USR1@SECONDS).

hp_bin="${HYPERPETSC:-$PWD/build/hyperpetsc}"
hp_launcher_pid=""
hp_forwarded=0
hp_stopped=0    # got a stop signal (before the launch: do not launch)
hp_cancelled=0  # got SIGTERM: do not requeue
hp_launched=0   # hyperpetsc was started (so a requeued job has something to --resume)

hp_forward_stop() {  # SIGNAL: what this shell received
  echo "hyperpetsc job: got SIG$1; asking hyperpetsc to checkpoint and stop" >&2
  hp_forwarded=1
  hp_stopped=1
  [ "$1" = TERM ] && hp_cancelled=1
  [ -n "$hp_launcher_pid" ] && kill -USR1 "$hp_launcher_pid" 2> /dev/null
}
# From the start of the job: a signal before the launch must not kill this shell.
trap 'hp_forward_stop USR1' USR1
trap 'hp_forward_stop TERM' TERM

# hp_launch ARGS...: hyperpetsc ARGS on every task of the job; returns its exit status.
# srun --mpi=pmix when Slurm's PMIx plugin is there, else mpirun (also outside Slurm).
hp_launch() {
  local status
  [ "$hp_stopped" = 1 ] && return 75  # stopped before it started: nothing to checkpoint
  hp_launched=1
  if command -v srun > /dev/null && [ -n "${SLURM_JOB_ID:-}" ] && srun --mpi=list 2>&1 | grep -qw pmix; then
    srun --mpi=pmix "$hp_bin" "$@" &
  else
    local flags=""
    [ "$(id -u)" = 0 ] && flags="--allow-run-as-root"
    mpirun $flags -n "${SLURM_NTASKS:-1}" "$hp_bin" "$@" &
  fi
  hp_launcher_pid=$!
  # A trapped signal interrupts `wait` (status > 128): wait again for the launcher's own.
  while :; do
    hp_forwarded=0
    wait "$hp_launcher_pid"
    status=$?
    [ "$hp_forwarded" = 1 ] && [ "$status" -gt 128 ] || break
  done
  hp_launcher_pid=""
  return "$status"
}

# Whether this start of the job continues an earlier one (Slurm requeued it).
hp_restarted() { [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; }

# hp_requeue_on_75 STATUS: exits the job with STATUS, after putting it back in the queue if
# STATUS is 75 (checkpointed on a signal), the job was not cancelled and hyperpetsc had
# started (a requeued run.sbatch or sweep.sbatch adds --resume, which needs a run folder
# that holds a run). Slurm ends this shell when it requeues the job.
hp_requeue_on_75() {
  if [ "$1" = 75 ] && [ "$hp_cancelled" = 1 ]; then
    echo "hyperpetsc job: checkpointed (exit 75) after SIGTERM; not requeued (resubmit to continue)" >&2
  elif [ "$1" = 75 ] && [ "$hp_launched" = 0 ]; then
    echo "hyperpetsc job: stopped before hyperpetsc started; not requeued (resubmit, with --resume if an earlier start of this run had begun)" >&2
  elif [ "$1" = 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "hyperpetsc job: checkpointed (exit 75); requeueing job $SLURM_JOB_ID to continue" >&2
    scontrol requeue "$SLURM_JOB_ID"
  fi
  exit "$1"
}
