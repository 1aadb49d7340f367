#!/usr/bin/env bash
# Produces the figures in docs/results/: the project's suite, the student's scoreboard, compute-
# sanitizer on the solutions, the chapter benchmarks, and the same suite built against Catch2 2.13.
# Run from the repository root on a machine with a GPU; logs go to $OUT (default build/results).
#
#   OUT=/tmp/results docs/results/reproduce.sh [chapter...]    (default: every chapter)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build/results}
mkdir -p "$OUT"
chapters=${*:-$(ls chapters | sed -n "s/^0*\([0-9][0-9]*\)-.*/\1/p")}
export COURSE_JOBS=${COURSE_JOBS:-16}

nvidia-smi --query-gpu=name,compute_cap,driver_version,clocks.max.sm,clocks.max.mem,memory.total \
  --format=csv > "$OUT/gpu.csv" 2>&1

echo "== the project's own suite (solutions, skeletons, known-wrong variants)"
./course test > "$OUT/course-test.log" 2>&1
echo "   exit $? -- $(grep -E 'tests passed|tests failed' "$OUT/course-test.log" | tail -n1)"

echo "== the student's scoreboard on the untouched skeletons (every exercise must fail)"
for chapter in $chapters; do
  ./course grade "$chapter" > "$OUT/course-grade-$chapter.log" 2>&1
  echo "   chapter $chapter: exit $? -- $(grep -E '^ +[0-9]+ passed' "$OUT/course-grade-$chapter.log" | tail -n1 | sed 's/\x1b\[[0-9;]*m//g')"
done

echo "== compute-sanitizer memcheck on the solutions' correctness graders"
for chapter in $chapters; do
  timeout 240 compute-sanitizer --tool memcheck --error-exitcode 99 --print-limit 20 \
    build/solutions/tests/chapter$chapter/course_ch${chapter}_graders "[correctness]" \
    > "$OUT/memcheck-$chapter.log" 2>&1
  echo "   chapter $chapter: exit $? -- $(grep -E 'ERROR SUMMARY' "$OUT/memcheck-$chapter.log" | tail -n1)"
done
# The common tests provoke API errors on purpose (an allocation larger than the GPU, a bad pointer):
# those are checked by the tests themselves, so only memory errors count here.
compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 99 \
  build/solutions/tests/common/course_common_tests "[gpu]" > "$OUT/memcheck-common.log" 2>&1
echo "   common: exit $? -- $(grep -E 'ERROR SUMMARY' "$OUT/memcheck-common.log" | tail -n1)"

echo "== benchmarks (solutions build)"
for chapter in $chapters; do
  build/solutions/benchmarks/chapter${chapter}_benchmarks --benchmark_format=console \
    --benchmark_out="$OUT/benchmarks-$chapter.json" --benchmark_out_format=json \
    > "$OUT/benchmarks-$chapter.txt" 2>&1
  echo "   chapter $chapter: exit $?"
done

if [ -f .devdeps/env.sh ]; then
  echo "== the same suite against Debian's Catch2 2.13 (carried in .devdeps)"
  (
    source .devdeps/env.sh
    cmake -S . -B build/catch2-v2 -G Ninja -DCOURSE_EXERCISES=solutions -DCOURSE_SELF_TEST=ON \
      -DCOURSE_BUILD_DOCS=OFF -DCOURSE_BUILD_BENCHMARKS=OFF > "$OUT/catch2-v2.log" 2>&1 &&
      cmake --build build/catch2-v2 -j "$COURSE_JOBS" >> "$OUT/catch2-v2.log" 2>&1 &&
      ctest --test-dir build/catch2-v2 -j 8 >> "$OUT/catch2-v2.log" 2>&1
    echo "   exit $? -- $(grep -E 'Catch2|tests passed|tests failed' "$OUT/catch2-v2.log" | tail -n1)"
  )
fi

tar czf "$OUT/logs.tgz" -C "$OUT" --exclude logs.tgz . 2>/dev/null

echo "== figures"
grep -h "FIGURE" build/solutions/course-notes/*.txt | sed 's/^FIGURE: /   /'
