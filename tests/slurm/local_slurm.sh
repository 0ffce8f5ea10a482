#!/bin/bash
# A single-node Slurm cluster on this machine, for trying the job scripts in jobs/.
#   tests/slurm/local_slurm.sh start DIR   # munged + slurmctld + slurmd, state under DIR
#   export SLURM_CONF=DIR/slurm.conf      # then sbatch / squeue / srun as usual
#   tests/slurm/local_slurm.sh stop DIR    # stops exactly the daemons it started (PIDs in DIR)
# Needs the Debian packages slurm-wlm and munge, and root (slurmd runs jobs as their users).
# HP_SLURM_CRED_EXPIRE (seconds, default Slurm's 120) is also how long a requeued job waits
# before it may start again: tests set it short.
set -euo pipefail
action="${1:?usage: local_slurm.sh start|stop DIR}"
dir="$(mkdir -p "${2:?usage: local_slurm.sh start|stop DIR}" && cd "$2" && pwd)"

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/$name.pid"
    fi
  done
}

if [ "$action" = stop ]; then stop; exit 0; fi
[ "$action" = start ] || { echo "usage: local_slurm.sh start|stop DIR" >&2; exit 2; }
for tool in munged slurmctld slurmd; do
  command -v "$tool" > /dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "local_slurm.sh: $tool not found; apt-get install slurm-wlm munge" >&2; exit 2; }
done

# munge: its own key and a socket in a world-executable directory.
mkdir -p "$dir/munge" "$dir/spool/ctld" "$dir/spool/d" "$dir/log"
chmod 755 "$dir" "$dir/munge"
[ -f "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2> /dev/null
chmod 400 "$dir/munge/munge.key"
chown -R root "$dir/munge"
/usr/sbin/munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
  --force

cpus=$(nproc)
cat > "$dir/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=${HP_SLURM_CRED_EXPIRE:-120}
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=${HP_SLURMCTLD_PORT:-16817}
SlurmdPort=${HP_SLURMD_PORT:-16818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
MpiDefault=pmix
SchedulerParameters=sched_interval=1
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF="$dir/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 100); do
  if sinfo -h -o %T 2> /dev/null | grep -qE '^idle'; then
    echo "local Slurm up: export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "local_slurm.sh: the node did not become idle; see $dir/log/" >&2
sinfo >&2 || true
stop
exit 1
