#!/usr/bin/env bash
# The classroom tooling's proof on a GPU machine: a student release, graded with the reference
# solutions as a submission, scores every point (optional exercises included); the release's
# untouched skeletons, graded the same way, score 0. Both with --require-gpu, so that nothing can
# hide as "not graded". Then the gradebook of the two.
#
#   tools/tests/classroom_gpu.sh            (on the GPU machine; KEEP=1 keeps the files)
#
# Without a usable GPU it grades anyway and then fails, saying so.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/course-classroom-gpu.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "classroom-gpu: files kept in $SCRATCH"
else
  trap 'rm -rf "$SCRATCH"' EXIT
fi
RESULTS=$SCRATCH/results

./course release "$SCRATCH/release" --no-git
mkdir -p "$SCRATCH/solved/chapters"
cp -R solutions/. "$SCRATCH/solved/chapters/"

cd "$SCRATCH/release"
./course grade --submission "$SCRATCH/solved" --name solutions --work "$SCRATCH/work" \
  --result "$RESULTS/solutions.result.json" --require-gpu
./course grade --submission "$SCRATCH/release" --name skeletons --work "$SCRATCH/work" \
  --result "$RESULTS/skeletons.result.json" --require-gpu
./course gradebook "$RESULTS" -o "$SCRATCH/gradebook.csv"
cat "$SCRATCH/gradebook.csv"

python3 - "$RESULTS" <<'EOF'
import json, os, sys
problems = []
documents = {}
for name in ("solutions", "skeletons"):
    with open(os.path.join(sys.argv[1], name + ".result.json"), encoding="utf-8") as handle:
        documents[name] = json.load(handle)
if not documents["solutions"]["gpu"]:
    problems.append("no usable GPU (%s): this check needs one" % documents["solutions"].get("gpu_note"))
solutions, skeletons = documents["solutions"], documents["skeletons"]
everything = sum(e["max_points"] for e in solutions["exercises"])
optional = sum(e["max_points"] for e in solutions["exercises"] if e["optional"])
for exercise in solutions["exercises"]:
    if exercise["status"] != "passed":
        problems.append("solutions %s: %s: %s" % (exercise["id"], exercise["status"], exercise["message"]))
# Required points out of their maximum, optional ones apart (never added to the required total).
if (solutions["points"], solutions["optional_points"]) != (everything - optional, optional) or \
        solutions["max_points"] != everything - optional:
    problems.append("solutions: %d/%d points, optional %d, expected %d/%d, optional %d" % (
        solutions["points"], solutions["max_points"], solutions["optional_points"],
        everything - optional, everything - optional, optional))
for exercise in skeletons["exercises"]:
    if exercise["status"] != "failed" or exercise["points"] != 0:
        problems.append("skeleton %s: %s (%d points): %s" % (
            exercise["id"], exercise["status"], exercise["points"], exercise["message"]))
if skeletons["points"] != 0 or skeletons["optional_points"] != 0:
    problems.append("skeletons: %d points, optional %d, expected 0" % (
        skeletons["points"], skeletons["optional_points"]))
if problems:
    print("classroom-gpu: FAILED:\n  - " + "\n  - ".join(problems))
    sys.exit(1)
print("classroom-gpu: on %s the solutions score %d/%d (+%d optional) and the skeletons 0" % (
    solutions["gpu"], solutions["max_points"], solutions["max_points"],
    everything - solutions["max_points"]))
EOF
