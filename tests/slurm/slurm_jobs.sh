#!/bin/bash
# The job scripts of jobs/ on a real single-node Slurm (local_slurm.sh): a sweep submitted
# with `sbatch --wait` fills the run store; a run job signalled as before its time limit
# (scancel --signal=USR1 --batch, what --signal=B:USR1@120 does) checkpoints, exits 75, is
# requeued, resumes and ends with the λ of an uninterrupted run. The daemons are stopped by
# PID on exit. Needs root and the Debian packages slurm-wlm and munge.
# Usage: slurm_jobs.sh HYPERPETSC_BINARY
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3
tmp="$(mktemp -d "${TMPDIR:-/tmp}/hp-slurm-XXXXXX")"  # mktemp template, not a placeholder
failures=0

check() {  # STATUS NAME [FILE to show on failure]
  if [ "$1" = 0 ]; then echo "ok   $2"; else echo "FAIL $2"; [ -n "${3:-}" ] && cat "$3"; failures=$((failures+1)); fi
}
wait_for() {  # SECONDS CONDITION...: polls every 0.2 s
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.2; done
}
rows_at_least() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }
job_state() { scontrol show job "$1" -o 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_ended() { case "$(job_state "$1")" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) return 0;; esac; return 1; }

# Two free TCP ports for slurmctld and slurmd (another Slurm may run on this machine).
ports=$($py -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
read -r HP_SLURMCTLD_PORT HP_SLURMD_PORT <<< "$ports"
export HP_SLURMCTLD_PORT HP_SLURMD_PORT
export HP_SLURM_CRED_EXPIRE=5  # a requeued job may start again after 5 s (Slurm's default: 120)
export SLURM_CONF="$tmp/slurm/slurm.conf"
# On any exit: cancel the jobs still there (their processes belong to slurmstepd, which
# outlives slurmd), then stop the daemons by PID.
cleanup() {
  local jobs
  jobs=$(squeue -h -o %i 2> /dev/null)
  if [ -n "$jobs" ]; then
    scancel $jobs 2> /dev/null
    for _ in $(seq 50); do [ -z "$(squeue -h -o %i 2> /dev/null)" ] && break; sleep 0.2; done
  fi
  "$here/local_slurm.sh" stop "$tmp/slurm"
  rm -rf "$tmp"
}
trap cleanup EXIT
"$here/local_slurm.sh" start "$tmp/slurm" || exit 1
# The jobs run this build's binary with the repository's job library; submitted from $tmp.
export HYPERPETSC="$bin" HYPERPETSC_JOBS="$repo/jobs"
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers lack CMA permissions
cd "$tmp" || exit 1

problem() {  # ROWS FEATURES ITERATIONS: synthetic logistic regression, its store in $tmp
  cat <<YAML
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: $1, features: $2, nnz_per_row: 10, classes: 3, noise: 0.5, seed: 2, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: $1, features: $2, nnz_per_row: 10, classes: 3, noise: 0.5, seed: 2, stream: 1}
hyperparameters: {init: -4.0, bounds: [-6, 0]}
inner: {iterations: $3}
hypergradient: {method: aid_cg, iterations: $3}
store: $tmp/runs.db
YAML
}

# 1. A sweep over two learning rates, one rank per trial, with sbatch --wait.
{ problem 200 100 30; cat <<YAML
outer: {optimizer: adam, iterations: 3}
run: {dir: $tmp/sweep}
sweep: {grid: {outer.learning_rate: [0.1, 0.3]}}
YAML
} > sweep.yaml
timeout 300 sbatch --wait --ntasks=2 --output="$tmp/sweep-%j.out" "$repo/jobs/sweep.sbatch" "$tmp/sweep.yaml" 1 --quiet > /dev/null
check $? "the sweep job completes (sbatch --wait)" "$(ls "$tmp"/sweep-*.out 2> /dev/null | head -1)"
"$bin" runs list --json --store "$tmp/runs.db" > runs.json 2> err
$py - runs.json <<'PY'
import json, sys
trials = json.load(open(sys.argv[1]))
assert sorted(t["status"] for t in trials) == ["COMPLETED", "COMPLETED"], trials
assert sorted(t["params"]["outer.learning_rate"] for t in trials) == [0.1, 0.3], trials
PY
check $? "the store holds both trials, COMPLETED, with their swept values" runs.json

# 2. Pre-emption: a run job signalled mid-run checkpoints, exits 75, is requeued with
# --resume and ends where an uninterrupted run ends. Steps of a few hundredths of a second
# (60 of them) leave the signal time to arrive before the run ends.
{ problem 2000 500 50; cat <<YAML
outer: {optimizer: adam, learning_rate: 0.2, iterations: 60}
run: {checkpoint_every: 0}
YAML
} > run.yaml
"$repo/tests/run_mpi.sh" 2 "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/reference" --store "$tmp/reference.db" --quiet > /dev/null 2> err
check $? "the uninterrupted reference run" err
jid=$(sbatch --parsable --ntasks=2 --output="$tmp/run-%j.out" "$repo/jobs/run.sbatch" "$tmp/run.yaml" \
        --set run.dir="$tmp/preempted" --quiet)
wait_for 180 rows_at_least "$tmp/preempted/metrics.csv" 3
check $? "the run job is running (2 steps done)" "$tmp/run-$jid.out"
scancel --signal=USR1 --batch "$jid"
wait_for 180 job_ended "$jid"
log="$tmp/run-$jid.out"
[ "$(job_state "$jid")" = COMPLETED ] && scontrol show job "$jid" -o | grep -q 'Restarts=1 '
check $? "it is requeued once and completes" "$log"
grep -q "checkpointed (exit 75); requeueing" "$log" && grep -q "resumed at step" "$tmp/preempted/log.txt"
check $? "it checkpointed on the signal, exited 75 and the requeued job resumed (not: the run ended first)" "$log"
$py - "$tmp/preempted/lambda.txt" "$tmp/reference/lambda.txt" <<'PY'
import sys
a = [float(x) for x in open(sys.argv[1])]; b = [float(x) for x in open(sys.argv[2])]
assert len(a) == len(b) == 500, (len(a), len(b))
worst = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b))
assert worst <= 1e-12, worst
PY
check $? "final λ equals the uninterrupted run's (1e-12)"

# 3. The spool service as a job: one file in, DIR/stop, exit 0.
mkdir -p spool/incoming
{ problem 200 100 30; echo "outer: {optimizer: adam, iterations: 2}"; } > spool/incoming/job.yaml
jid=$(sbatch --parsable --ntasks=2 --output="$tmp/spool-%j.out" "$repo/jobs/spool.sbatch" "$tmp/spool")
wait_for 180 test -f spool/done/job.yaml
touch spool/stop
wait_for 60 job_ended "$jid"
[ "$(job_state "$jid")" = COMPLETED ] && grep -q "COMPLETED" spool/results/job/summary.json
check $? "the spool job runs a file and ends on DIR/stop" "$tmp/spool-$jid.out"

echo "$failures failure(s)"
[ $failures -eq 0 ]
