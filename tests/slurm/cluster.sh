#!/usr/bin/env bash
# A real single-node Slurm cluster in a folder of its own, for the tests of label `slurm`
# (docs/slurm.md). Debian 12 packages slurmctld, slurmd, slurm-client and munge (scripts/setup.sh).
#
#   tests/slurm/cluster.sh start DIR   writes DIR/slurm.conf and a munge key of its own, starts
#                                      munged, slurmctld and slurmd (pid files in DIR) and waits until
#                                      `sinfo` shows the node idle; prints SLURM_CONF=DIR/slurm.conf
#   tests/slurm/cluster.sh stop DIR    stops exactly the daemons that `start DIR` started (by their
#                                      pids), waits for them to end
#
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf. Needs root (SlurmUser=root, slurmd
# runs jobs as their users); fails, never skips, when not root or a package is missing.
# The node is this host (`hostname -s`) with the CPUs and memory that `slurmd -C` finds.
# ProctrackType=proctrack/linuxproc and TaskPlugin=task/none: no cgroups needed (containers).
# No slurmdbd: AccountingStorageType=accounting_storage/none, so `sacct` cannot answer here; ended
# jobs stay visible to `scontrol show job` for MinJobAge (600 s) and are written to DIR/jobcomp.txt
# (JobCompType=jobcomp/filetxt).
set -euo pipefail

die() { echo "slurm fixture: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
cmd="$1"; dir="$2"

stop_pidfile() {  # kill the pid in $1 if it is still the daemon $2 we started, and wait for it
  local f="$1" name="$2" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [ -r "/proc/$pid/comm" ] && grep -q "$name" "/proc/$pid/comm"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

if [ "$cmd" = stop ]; then
  [ -d "$dir" ] || die "no cluster folder $dir"
  stop_pidfile "$dir/run/slurmd.pid" slurmd
  stop_pidfile "$dir/run/slurmctld.pid" slurmctld
  stop_pidfile "$dir/run/munged.pid" munged
  exit 0
fi
[ "$cmd" = start ] || die "unknown command '$cmd' (start or stop)"

[ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs jobs as their users; CI runs as root); running as $(id -un)"
missing=()
for tool in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: install the Debian packages slurmctld slurmd slurm-client munge (scripts/setup.sh)"
export PATH="$PATH:/usr/sbin"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
# A cluster left running in this folder (a test run that was killed): stop it, start afresh.
"$0" stop "$dir"
rm -rf "$dir/state" "$dir/spool" "$dir/log" "$dir/jobcomp.txt"
mkdir -p "$dir/run" "$dir/log" "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"

# Two free TCP ports of our own, so that clusters of parallel tests do not meet.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if port_free "$p" && port_free "$((p + 1))"; then echo "$p"; return 0; fi
  done
  die "no free TCP port pair found"
}
port="$(pick_port)"

node="$(hostname -s)"
hw="$(slurmd -C | head -1)"
cpus="$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")"
mem="$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")"
[ -n "$cpus" ] && [ -n "$mem" ] || die "cannot read CPUs and RealMemory from 'slurmd -C': $hw"

cat >"$dir/slurm.conf" <<CONF
# Written by tests/slurm/cluster.sh: a single-node test cluster in $dir
ClusterName=warptest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MinJobAge=600
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
KillWait=30
DefMemPerCPU=$((mem / cpus))
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

umask 077
[ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
umask 022
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
  || die "munged did not start: $(tail -5 "$dir/log/munged.log" 2>/dev/null)"

export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || die "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || die "slurmd did not start: $(tail -5 "$dir/log/slurmd.log" 2>/dev/null)"

state=""
for _ in $(seq 1 300); do
  state="$(sinfo -h -n "$node" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.1
done
if [ "$state" != idle ]; then
  echo "slurm fixture: node $node is '${state:-not answering}', not idle, after 30 s; logs:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
  exit 1
fi
echo "SLURM_CONF=$SLURM_CONF"
