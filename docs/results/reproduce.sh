#!/usr/bin/env bash
# Produces the figures in docs/results/ and rewrites the pages' generated blocks: the project's
# suite, the student's scoreboard on the skeletons, compute-sanitizer (memcheck and racecheck) on
# the solutions' correctness graders, the chapter benchmarks, the suite again against Catch2 2.13,
# then benchmarks/figures.py. Run from the repository root on a machine with a GPU; the data and
# logs go to $OUT (default build/results), and docs/results/chapter<N>-$PAGE_SUFFIX.md (default
# h200) is rewritten for each chapter run: review the change with git diff docs/results.
#
#   OUT=/tmp/results docs/results/reproduce.sh [chapter...]    (default: every chapter)
#
# STEPS picks steps (default: all, in this order: suite grade sanitizers benchmarks peers catch2
# figures), so that a run can be split over several commands that share $OUT and build/.
# SANITIZER_TOOLS (default "memcheck racecheck"): racecheck looks at shared memory only.
#
# Layout it relies on (cmake/Course.cmake): one grader per exercise, build/solutions/graders/
# grade-<id>; benchmark programs build/solutions/benchmarks/chapter<N>_benchmarks; the graders'
# notes in build/<preset>/course-notes/; ./course writes CTest's JUnit results to
# build/<preset>/course-junit.xml and its log to build/<preset>/course-<command>.log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
OUT=${OUT:-build/results}
PAGE_SUFFIX=${PAGE_SUFFIX:-h200}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)  # absolute: ctest --output-junit resolves a relative path elsewhere
chapters=${*:-$(ls chapters | sed -n "s/^0*\([0-9][0-9]*\)-.*/\1/p")}
export COURSE_JOBS=${COURSE_JOBS:-16}
SANITIZER_TIMEOUT=${SANITIZER_TIMEOUT:-600}
STEPS=" ${STEPS:-suite grade sanitizers benchmarks peers catch2 figures} "
SANITIZER_TOOLS=${SANITIZER_TOOLS:-memcheck racecheck}
step() { [[ "$STEPS" == *" $1 "* ]]; }

# copy_if_there <from> <to>: keeps what a step produced, says so when it produced nothing.
copy_if_there() {
  if [ -e "$1" ]; then
    cp -r "$1" "$2"
  else
    echo "   (no $1: the figures that need it will be missing)"
  fi
}

# The exercise ids of chapter <N> that declare a correctness test (tests/chapter<N>/exercises.txt).
correctness_exercises() {
  awk -F': *' '$1 == "exercise" { id = $2 } $1 == "tests" && $2 ~ /(^| )correctness( |$)/ { print id }' \
    "tests/chapter$1/exercises.txt"
}

# sanitize <tool> <log> <name> <command...>: one compute-sanitizer run, framed by the lines
# benchmarks/figures.py counts ("course-run:" before, "course-run-exit: <name> <status>" after).
sanitize() {
  local tool=$1 log=$2 name=$3
  shift 3
  echo "course-run: $name" >> "$log"
  # COURSE_UNDER_SANITIZER: graders that compare timings do not fail on the tool's slowdown.
  COURSE_UNDER_SANITIZER=1 timeout "$SANITIZER_TIMEOUT" compute-sanitizer --tool "$tool" --error-exitcode 99 \
    --print-limit 20 "$@" >> "$log" 2>&1
  echo "course-run-exit: $name $?" >> "$log"
}

nvidia-smi --query-gpu=name,compute_cap,driver_version,clocks.max.sm,clocks.max.mem,memory.total \
  --format=csv > "$OUT/gpu.csv" 2>&1

if step suite; then
echo "== the project's own suite (solutions, skeletons, known-wrong variants)"
./course test > "$OUT/course-test.log" 2>&1
echo "   exit $? -- $(grep -E '^course: [0-9]+ passed|tests passed|tests failed' "$OUT/course-test.log" | tail -n1)"
copy_if_there build/solutions/course-junit.xml "$OUT/suite-junit.xml"
copy_if_there build/solutions/course-test.log "$OUT/suite.log"
# The graders' notes of this run (FIGURE, FAIL, SKIP lines), before another run replaces them.
rm -rf "$OUT/course-notes"
copy_if_there build/solutions/course-notes "$OUT/course-notes"
# The roofline of the reference solutions on this GPU: 5.3's grader wrote its data during the suite.
if [ -e build/solutions/course-notes/ch5.3-gpu-roofline.json ]; then
  ./course roofline --build build/solutions --output "docs/results/roofline-$PAGE_SUFFIX.svg"
fi

fi

if step grade; then
echo "== the student's scoreboard on the untouched skeletons (every exercise must fail)"
for chapter in $chapters; do
  ./course grade "$chapter" > "$OUT/course-grade-$chapter.log" 2>&1
  echo "   chapter $chapter: exit $? (expected: not 0)"
  copy_if_there build/student/course-junit.xml "$OUT/grade-$chapter-junit.xml"
done

fi

if step sanitizers; then
echo "== compute-sanitizer on the solutions' correctness graders"
for tool in $SANITIZER_TOOLS; do
  for chapter in $chapters; do
    log="$OUT/$tool-$chapter.log"
    : > "$log"
    for id in $(correctness_exercises "$chapter"); do
      sanitize "$tool" "$log" "grade-$id" "build/solutions/graders/grade-$id" "[correctness]"
    done
    echo "   $tool, chapter $chapter: $(grep -c '^course-run-exit: .* 0$' "$log") of" \
      "$(grep -c '^course-run-exit: ' "$log") runs exited with 0 (no finding, no crash)"
  done
done
# The common tests provoke API errors on purpose (an allocation larger than the GPU, a bad pointer):
# those are checked by the tests themselves, so only memory errors count here.
: > "$OUT/memcheck-common.log"
sanitize memcheck "$OUT/memcheck-common.log" course_common_tests --report-api-errors no \
  build/solutions/tests/common/course_common_tests "[gpu]"
echo "   memcheck, common: $(tail -n1 "$OUT/memcheck-common.log")"

fi

if step benchmarks; then
echo "== benchmarks (solutions build)"
for chapter in $chapters; do
  if [ ! -x "build/solutions/benchmarks/chapter${chapter}_benchmarks" ]; then
    echo "   chapter $chapter: no benchmark program (its graders' figures are on its page)"
    continue
  fi
  "build/solutions/benchmarks/chapter${chapter}_benchmarks" --benchmark_format=console \
    --benchmark_out="$OUT/benchmarks-$chapter.json" --benchmark_out_format=json \
    > "$OUT/benchmarks-$chapter.txt" 2>&1
  echo "   chapter $chapter: exit $? (0: every benchmark measured and checked)"
done

fi

if step peers; then
echo "== library peers on the same GPU (benchmarks/peers.py: PyTorch, and CuPy when installed)"
# The GPU machine keeps PyTorch in its own virtual environment; PEERS_PYTHON picks another.
peers_python=${PEERS_PYTHON:-}
for candidate in /opt/torch/.venv/bin/python python3; do
  [ -n "$peers_python" ] && break
  "$candidate" -c 'import torch' 2>/dev/null && peers_python=$candidate
done
for chapter in $chapters; do
  if ! grep -q "data=peers" "docs/results/chapter$chapter-$PAGE_SUFFIX.md" 2>/dev/null; then
    continue  # no page of this chapter shows peers
  fi
  if [ -z "$peers_python" ]; then
    echo "   chapter $chapter: not measured (no Python with PyTorch; set PEERS_PYTHON)"
    continue
  fi
  "$peers_python" benchmarks/peers.py --chapter "$chapter" --out "$OUT/peers-$chapter.json" \
    > "$OUT/peers-$chapter.txt" 2>&1
  echo "   chapter $chapter: exit $? (0: every peer measured and checked)"
done

fi

if step catch2 && [ -f .devdeps/env.sh ]; then
  echo "== the same suite against Debian's Catch2 2.13 (carried in .devdeps)"
  (
    source .devdeps/env.sh
    cmake -S . -B build/catch2-v2 -G Ninja -DCOURSE_EXERCISES=solutions -DCOURSE_SELF_TEST=ON \
      -DCOURSE_BUILD_DOCS=OFF -DCOURSE_BUILD_BENCHMARKS=OFF > "$OUT/catch2-v2.log" 2>&1 &&
      cmake --build build/catch2-v2 -j "$COURSE_JOBS" >> "$OUT/catch2-v2.log" 2>&1 &&
      ctest --test-dir build/catch2-v2 -j 8 --output-junit "$OUT/catch2-v2-junit.xml" \
        >> "$OUT/catch2-v2.log" 2>&1
    echo "   exit $? -- $(grep -E 'Catch2|tests passed|tests failed' "$OUT/catch2-v2.log" | tail -n1)"
  )
fi

tar czf "$OUT/logs.tgz" -C "$OUT" --exclude logs.tgz . 2>/dev/null

if step figures; then
echo "== figures: the results pages' generated blocks (benchmarks/figures.py)"
pages=()
for chapter in $chapters; do
  page="docs/results/chapter$chapter-$PAGE_SUFFIX.md"
  if [ -f "$page" ]; then
    pages+=("$page")
  else
    echo "   no $page: nothing to rewrite for chapter $chapter"
  fi
done
if [ ${#pages[@]} -gt 0 ]; then
  python3 benchmarks/figures.py --results "$OUT" "${pages[@]}"
  echo "   exit $? -- review with: git diff docs/results"
fi
fi
