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
#   broken   2.1 does not compile, as a bare git repository broken.git (named "broken", as
#            ./course grade --submission names it)
#                                                1.1 not graded, 2.1 not built
#   hanging  1.1 never returns, and a static initialiser tries to write outside the sandbox
#                                                1.1 failed (timed out), 2.1 not graded
#
# Environment: COURSE_SLURM_KEEP=1 keeps the scratch directory (logs, results, work directories);
# COURSE_JOBS is passed on to the builds (./course checks it). Any other value than 0 or 1 of the
# two switches is refused (exit 2) before anything is installed.
set -euo pipefail
for variable in COURSE_SLURM_OPTIONAL COURSE_SLURM_KEEP; do
  case "${!variable-}" in
  "" | 0 | 1) ;;
  *)
    printf 'slurm-e2e: %s="%s" is not allowed: 1 or 0 (default 0)\n' "$variable" "${!variable}" >&2
    exit 2
    ;;
  esac
done

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
  apt_log=/tmp/course-slurm-apt.log
  apt-get -o DPkg::Lock::Timeout=120 update -qq >"$apt_log" 2>&1 ||
    not_checked "apt-get update failed: $(tail -n 2 "$apt_log" | tr '\n' ' ')"
  # The packages' own services must not start (policy-rc.d or not): this test runs its own.
  apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${packages[@]}" \
    >>"$apt_log" 2>&1 ||
    not_checked "apt-get install ${packages[*]} failed: $(tail -n 3 "$apt_log" | tr '\n' ' ')"
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

say "starting munged, slurmctld and slurmd on 127.0.0.1" \
  "(ports $CTLD_PORT, $SLURMD_PORT; $CPUS CPUs)"
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
if [ "$state" != idle ]; then
  show_logs
  failed "the node did not come up (sinfo: '${state:-no answer}')"
fi
say "Slurm is up: $(sinfo -h -o '%P %a %D %T' | tr '\n' ' ')"

# ---- the submissions -------------------------------------------------------------------------
SUBMISSIONS=$SCRATCH/submissions
GRADES=$SCRATCH/grades
WORK=$SCRATCH/work
TAG=escape-$$-$RANDOM
mkdir -p "$SUBMISSIONS" "$WORK"
PEAK=01-vector-add/peak.cpp
SAXPY=02-kernels/saxpy.cu
put() {  # put SUBMISSION RELATIVE-PATH SOURCE-FILE
  mkdir -p "$SUBMISSIONS/$1/chapters/$(dirname "$2")"
  cp "$3" "$SUBMISSIONS/$1/chapters/$2"
}
put solved "$PEAK" "solutions/$PEAK"
put solved "$SAXPY" "solutions/$SAXPY"
put blank "$PEAK" "chapters/$PEAK"
put blank "$SAXPY" "chapters/$SAXPY"
tar -czf "$SUBMISSIONS/blank.tar.gz" -C "$SUBMISSIONS/blank" chapters
rm -rf "$SUBMISSIONS/blank"
put broken "$PEAK" "solutions/$PEAK"
put broken "$SAXPY" "solutions/$SAXPY"
printf '\nnamespace chapter2 { this does not compile; }\n' >>"$SUBMISSIONS/broken/chapters/$SAXPY"
git -C "$SUBMISSIONS/broken" init -q
git -C "$SUBMISSIONS/broken" add -A
git -C "$SUBMISSIONS/broken" -c user.name=e2e -c user.email=e2e@localhost commit -q -m broken
git clone -q --bare "$SUBMISSIONS/broken" "$SUBMISSIONS/broken.git"
rm -rf "$SUBMISSIONS/broken"
put hanging "$SAXPY" "solutions/$SAXPY"
mkdir -p "$SUBMISSIONS/hanging/chapters/01-vector-add"
# 1.1 that never returns, and a static initialiser (it runs when CMake lists the grader's tests at
# build time, and in every test) that tries to write outside the work directory and records, in
# its /tmp (the work directory, kept with --keep-work), who it ran as and what it managed.
cat >"$SUBMISSIONS/hanging/chapters/$PEAK" <<EOF
#include <unistd.h>

#include <cstdio>

#include "chapter1.hpp"

namespace {

bool try_write(const char* path) {
  std::FILE* file = std::fopen(path, "w");
  if (file == nullptr) return false;
  std::fputs("written by a submission\n", file);
  std::fclose(file);
  return true;
}

struct Escape {
  Escape() {
    const char* targets[] = {"$SOURCE_DIR/$TAG", "$GRADES/$TAG", "$SUBMISSIONS/$TAG",
                             "/var/tmp/$TAG", "/root/$TAG", "/tmp/$TAG"};
    std::FILE* evidence = std::fopen("/tmp/evidence.txt", "w");
    if (evidence == nullptr) return;
    std::fprintf(evidence, "uid %d euid %d\n", static_cast<int>(getuid()),
                 static_cast<int>(geteuid()));
    for (const char* target : targets) {
      std::fprintf(evidence, "%s %s\n", try_write(target) ? "wrote" : "refused", target);
    }
    std::fclose(evidence);
  }
} escape;

}  // namespace

namespace chapter1 {

double peak_fp32_flops(const course::DeviceSpec&) {
  for (volatile bool forever = true; forever;) {
  }
  return 0.0;
}

double peak_memory_bandwidth(const course::DeviceSpec&) {
  for (volatile bool forever = true; forever;) {
  }
  return 0.0;
}

}  // namespace chapter1
EOF

# ---- grading on Slurm ------------------------------------------------------------------------
say "grading 4 submissions as a Slurm job array (exercises 1.1 and 2.1, CPU partition, no gres)"
status=0
# COURSE_OBJECT_GATE=off: the hanging submission's static initialiser must run to try its writes
# (the sandbox is what this test proves); with the object gate on, it would be rejected before it
# runs (file I/O), and nothing would test the sandbox behind the gate. The gate has its own tests.
COURSE_OBJECT_GATE=off CUDA_VISIBLE_DEVICES="" ./course grade-class "$SUBMISSIONS" --slurm --out "$GRADES" \
  --partition cpu --gres none --time-limit 15 --cpus-per-task 1 --what 1.1 2.1 \
  --timeout 20 --work-root "$WORK" --keep-work --poll 2 || status=$?
[ "$status" = 0 ] || { show_logs; failed "./course grade-class exited with $status"; }

# ---- checks ----------------------------------------------------------------------------------
problems=()
for index in 0 1 2 3; do
  grep -qs "course: task $index on $HOST" "$GRADES/logs/task-$index.out" ||
    problems+=("array task $index did not run under Slurm (no $GRADES/logs/task-$index.out)")
done
[ -f "$GRADES/grade-class.sbatch" ] && grep -q -- '--array=0-3' "$GRADES/grade-class.sbatch" ||
  problems+=("no job array script")

# The gradebook without its time column.
actual=$(python3 - "$GRADES/gradebook.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
keep = [i for i, name in enumerate(rows[0]) if name != "graded_at"]
for row in rows:
    print(",".join(row[i] for i in keep))
EOF
) || problems+=("no gradebook at $GRADES/gradebook.csv")
expected="submission,points,max_points,optional_points,optional_max_points,1.1,2.1,status,gpu,error
blank,0,30,0,0,0,0,1.1:F 2.1:F,,
broken,0,30,0,0,,0,1.1:N 2.1:B,,
hanging,0,30,0,0,0,,1.1:F 2.1:N,,
solved,0,30,0,0,,,1.1:N 2.1:N,,"
if [ "$actual" != "$expected" ]; then
  problems+=("the gradebook differs from the expected one")
  printf -- '--- expected\n%s\n--- actual (%s)\n%s\n' "$expected" "$GRADES/gradebook.csv" "$actual"
fi
# Why each one got what it got: the messages name the cause.
python3 - "$GRADES" <<'EOF' || problems+=("a result's message does not name its cause")
import json, sys
expected = {("blank", "1.1"): "TODO(1.1)", ("blank", "2.1"): "TODO(2.1)",
            ("broken", "2.1"): "saxpy.cu"}
bad = 0
for (name, ident), text in expected.items():
    result = json.load(open("%s/%s/result.json" % (sys.argv[1], name)))
    message = next(e["message"] for e in result["exercises"] if e["id"] == ident)
    if text not in message:
        print("slurm-e2e: %s %s: '%s' not in its message: %s" % (name, ident, text, message))
        bad += 1
sys.exit(1 if bad else 0)
EOF
# The hanging exercise was stopped by its test's time limit (--timeout 20), the rest graded.
# The supervisor stops a CPU grader after COURSE_CPU_TIMEOUT (10 s) and says so; CTest's own
# limit ("***Timeout") is the backstop.
grep -qsE 'ch1\.1-cpu .*Timeout|timed out after [0-9]+ s' "$GRADES/hanging/build.log" ||
  problems+=("the hanging 1.1 was not stopped by its time limit (no Timeout in its build.log)")

# The sandbox: nothing written outside, and the submission ran as the unprivileged account.
for target in "$SOURCE_DIR/$TAG" "$GRADES/$TAG" "$SUBMISSIONS/$TAG" "/var/tmp/$TAG" "/root/$TAG" \
  "/tmp/$TAG"; do
  if [ -e "$target" ]; then
    problems+=("the submission wrote $target outside its work directory")
    rm -f "$target"
  fi
done
evidence=$(find "$WORK" -path '*course-grade-hanging-*/evidence.txt' | head -n 1)
if [ -z "$evidence" ]; then
  problems+=("the hanging submission's static initialiser left no evidence.txt")
else
  grader_uid=$(id -u course-grader 2>/dev/null || echo none)
  say "the hanging submission's static initialiser, in its sandbox:"
  sed 's/^/    /' "$evidence"
  grep -q "^uid $grader_uid euid $grader_uid\$" "$evidence" ||
    problems+=("the submission did not run as course-grader (uid $grader_uid)")
  [ "$(stat -c %U "$evidence")" = course-grader ] ||
    problems+=("evidence.txt is not course-grader's")
  grep -q "^wrote /tmp/$TAG\$" "$evidence" ||
    problems+=("the sandbox's /tmp (its work directory) was not writable")
  if grep "^wrote " "$evidence" | grep -v "^wrote /tmp/$TAG\$"; then
    problems+=("the submission could write outside its work directory (above)")
  fi
fi
# The pristine tree graded first, filling the shared compiler cache.
[ -f "$GRADES/.pristine/result.json" ] || problems+=("the pristine build did not run")

# ---- the GitHub Classroom workflow's grading step, as a runner runs it (without GitHub) ------
# Its shell script, taken from docs/classroom/classroom.yml, run with GitHub's shell options and
# the variables a runner sets, on the solved submission, the cache above used read-only.
say "running the grading step of docs/classroom/classroom.yml as a runner would"
GH=$SCRATCH/github
mkdir -p "$GH/workspace/submission" "$GH/temp"
cp -R "$SUBMISSIONS/solved/chapters" "$GH/workspace/submission/"
python3 - docs/classroom/classroom.yml >"$GH/step.sh" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = next(i for i, line in enumerate(lines) if line.strip() == "id: grade")
run = next(i for i in range(start, len(lines)) if lines[i].strip() == "run: |")
indent = len(lines[run]) - len(lines[run].lstrip()) + 2
for line in lines[run + 1:]:
    if line.strip() and len(line) - len(line.lstrip()) < indent:
        break
    print(line[indent:])
EOF
: >"$GH/output"
: >"$GH/env"
: >"$GH/summary"
step_status=0
(cd "$GH/workspace" && env GITHUB_WORKSPACE="$GH/workspace" RUNNER_TEMP="$GH/temp" \
  GITHUB_REPOSITORY=cuda-course/lab1-alice GITHUB_OUTPUT="$GH/output" GITHUB_ENV="$GH/env" \
  GITHUB_STEP_SUMMARY="$GH/summary" COURSE_PRISTINE_DIR="$SOURCE_DIR" \
  COURSE_CACHE="$GRADES/.ccache" \
  COURSE_WHAT="1.1 2.1" COURSE_TIME_LIMIT=10 CUDA_VISIBLE_DEVICES="" \
  bash --noprofile --norc -eo pipefail "$GH/step.sh") >"$GH/step.log" 2>&1 || step_status=$?
if [ "$step_status" != 0 ]; then
  tail -n 20 "$GH/step.log"
  problems+=("the workflow's grading step failed (exit $step_status)")
else
  python3 - "$GH" <<'EOF' || problems+=("the workflow's grading step did not report as expected")
import base64, json, sys
root = sys.argv[1]
output = dict(line.split("=", 1) for line in open(root + "/output").read().split())
environment = dict(line.rstrip("\n").split("=", 1) for line in open(root + "/env"))
bad = []
if output.get("runners") != "ex1dot1,ex2dot1":
    bad.append("runners: %r" % output.get("runners"))
total = maximum = 0
for runner in output.get("runners", "").split(","):
    report = json.loads(base64.b64decode(environment.get(runner.upper() + "_RESULTS", "")))
    test = report["tests"][0]
    # On a machine without a GPU the solved exercises are not graded: 'error', 0 points.
    if (report["version"], report["status"], test["status"], test["score"]) != (1, "error",
                                                                                "error", 0):
        bad.append("%s: %s" % (runner, report))
    total += test["score"]
    maximum += report["max_score"]
if (total, maximum) != (0, 30):
    bad.append("points %d/%d, not 0/30" % (total, maximum))
result = json.load(open(root + "/temp/course/result.json"))
if result["submission"] != "lab1-alice":
    bad.append("submission %r" % result["submission"])
if "0/30 points" not in open(root + "/summary").read():
    bad.append("no step summary")
for problem in bad:
    print("slurm-e2e: workflow step:", problem)
sys.exit(1 if bad else 0)
EOF
fi

elapsed=$(($(date +%s) - STARTED))
if [ ${#problems[@]} -gt 0 ]; then
  printf 'slurm-e2e: %s\n' "${problems[@]}"
  failed "${#problems[@]} problem(s), see above; logs in $GRADES (COURSE_SLURM_KEEP=1 keeps them)"
fi
printf '\nSlurm test: PASSED (%s in %d s; %s)\n' \
  "4 submissions graded as a job array on a one-node Slurm" "$elapsed" \
  "the gradebook as expected; no write escaped the sandbox"
