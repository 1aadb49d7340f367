#!/usr/bin/env bash
# End-to-end test of ./course grade-class on a real Slurm: a one-node cluster on loopback (munged,
# slurmctld, slurmd, started here in the background and stopped on exit), four synthetic
# submissions graded as a job array, the gradebook compared with the expected one, and the
# sandbox checked: a submission that tries to write outside its work directory must not manage to.
#
#   tools/tests/slurm_e2e.sh                          fails (exit 1) when it cannot run
#   COURSE_SLURM_OPTIONAL=1 tools/tests/slurm_e2e.sh  prints "Slurm test: NOT CHECKED (<reason>)"
#                                                     and exits 0 when Slurm cannot be installed
#                                                     (no root, no apt, the archive unreachable)
#
# Once the packages are there, anything that goes wrong fails (exit 1): Slurm that does not start,
# a job that does not run, a gradebook that differs, a write that escaped the sandbox.
#
# Needs root (it installs packages and runs slurmd, which starts jobs as their users) and a Debian
# or Ubuntu machine: it installs slurm-wlm, munge, bubblewrap and ccache with apt-get when missing.
# No GPU: the cluster has no GPU gres, so the test runs on a CPU partition with --gres none, hides
# any GPU (CUDA_VISIBLE_DEVICES=) and grades only the exercises that have CPU tests, 1.1 and 2.1:
# their GPU tests are "not graded", never passed, so the gradebook is the same on every machine.
#
# The submissions (made here from solutions/ and chapters/):
#   solved   the reference solutions            1.1 and 2.1 not graded (their CPU tests pass)
#   blank    the untouched skeletons, as a .tar.gz   both failed (the skeleton's COURSE_TODO)
#   broken   2.1 does not compile                1.1 not graded, 2.1 not built
#   hanging  1.1 never returns, and a static initialiser tries to write outside the sandbox
#                                                1.1 failed (timed out), 2.1 not graded
#
# Environment: COURSE_SLURM_KEEP=1 keeps the scratch directory (logs, results, work directories);
# COURSE_JOBS is passed on to the builds.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$SOURCE_DIR"
STARTED=$(date +%s)

say() { printf 'slurm-e2e: %s\n' "$*"; }
failed() {
  printf '\nSlurm test: FAILED (%s)\n' "$*"
  exit 1
}
not_checked() {
  if [ "${COURSE_SLURM_OPTIONAL:-0}" = 1 ]; then
    printf '\nSlurm test: NOT CHECKED (%s)\n' "$*"
    exit 0
  fi
  printf '\nSlurm test: NOT CHECKED (%s); failing because COURSE_SLURM_OPTIONAL is not 1\n' "$*"
  exit 1
}

# ---- packages --------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || not_checked "needs root: it installs Slurm and runs slurmd"
missing=()
for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge bwrap:bubblewrap \
  ccache:ccache; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || not_checked "no apt-get to install ${missing[*]}"
  packages=(slurm-wlm munge bubblewrap ccache)
  say "installing ${packages[*]} (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 update -qq >/tmp/course-slurm-apt.log 2>&1 ||
    not_checked "apt-get update failed: $(tail -n 2 /tmp/course-slurm-apt.log | tr '\n' ' ')"
  # The packages' own services must not start (policy-rc.d or not): this test runs its own.
  apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${packages[@]}" >>/tmp/course-slurm-apt.log 2>&1 ||
    not_checked "apt-get install ${packages[*]} failed: $(tail -n 3 /tmp/course-slurm-apt.log | tr '\n' ' ')"
fi

# ---- a one-node cluster ----------------------------------------------------------------------
SCRATCH=$(mktemp -d /tmp/course-slurm-e2e.XXXXXX)
chmod 755 "$SCRATCH"
PIDS=()
cleanup() {
  set +e
  if [ -f "$SCRATCH/slurm.conf" ] && [ ${#PIDS[@]} -gt 0 ]; then
    SLURM_CONF=$SCRATCH/slurm.conf scancel --quiet --full "--user=$(id -un)" 2>/dev/null
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  if [ "${COURSE_SLURM_KEEP:-0}" = 1 ]; then
    say "kept $SCRATCH"
  else
    rm -rf "$SCRATCH"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
  for log in "$SCRATCH"/munged.log "$SCRATCH"/slurmctld.log "$SCRATCH"/slurmd.log; do
    [ -f "$log" ] && { echo "--- $log"; tail -n 15 "$log"; }
  done
}

free_ports=$(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))')
read -r CTLD_PORT SLURMD_PORT <<<"$free_ports"
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$SCRATCH/state" "$SCRATCH/spool"
dd if=/dev/urandom of="$SCRATCH/munge.key" bs=1024 count=1 status=none
chmod 400 "$SCRATCH/munge.key"
# The minimum for one node: no cgroups (proctrack/linuxproc, task/none), no accounting database
# (grade-class then reads the tasks' ends from squeue), daemons on loopback, private ports and
# munge socket, so that nothing else on the machine is disturbed. No GPU gres: a CPU partition.
cat >"$SCRATCH/slurm.conf" <<EOF
ClusterName=course-e2e
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SCRATCH/munge.sock
CredType=cred/munge
StateSaveLocation=$SCRATCH/state
SlurmdSpoolDir=$SCRATCH/spool
SlurmctldPidFile=$SCRATCH/slurmctld.pid
SlurmdPidFile=$SCRATCH/slurmd.pid
SlurmctldLogFile=$SCRATCH/slurmctld.log
SlurmdLogFile=$SCRATCH/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=600
KillWait=10
InactiveLimit=0
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$SCRATCH/slurm.conf

say "starting munged, slurmctld and slurmd on 127.0.0.1 (ports $CTLD_PORT, $SLURMD_PORT; $CPUS CPUs)"
munged --foreground --force --socket="$SCRATCH/munge.sock" --key-file="$SCRATCH/munge.key" \
  --pid-file="$SCRATCH/munged.pid" --log-file="$SCRATCH/munged.log" \
  --seed-file="$SCRATCH/munged.seed" >"$SCRATCH/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$SCRATCH/munge.sock" ] && break; sleep 0.1; done
[ -S "$SCRATCH/munge.sock" ] || { cat "$SCRATCH/munged.out"; failed "munged did not start"; }
slurmctld -D -f "$SLURM_CONF" >"$SCRATCH/slurmctld.out" 2>&1 &
PIDS+=($!)
sleep 1
slurmd -D -f "$SLURM_CONF" >"$SCRATCH/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { show_logs; failed "the node did not come up (sinfo: '${state:-no answer}')"; }
say "Slurm is up: $(sinfo -h -o '%P %a %D %T' | tr '\n' ' ')"
eval "$CLUSTER_COMMAND"
