#!/usr/bin/env bash
# End-to-end test of grading submissions (./course grade --submission) and of the gradebook, on a
# machine with or without a GPU. It makes synthetic submissions of the CPU-gradable exercises
# (those whose declaration lists a 'cpu' test), grades them one after another in one work folder,
# and checks the verdicts of their 'cpu' tests in the result files and the gradebook. The GPU is
# hidden (CUDA_VISIBLE_DEVICES=""), so the verdicts are the same on every machine: with a GPU the
# --timeout 10 meant for 'hanging' stops the large GPU cases of the solved exercises too, and a
# solved submission holds only the CPU-gradable files. The GPU path is classroom_gpu.sh's proof.
#
#   solved     a folder: the reference solutions' files         cpu tests pass
#   blank      a folder: the untouched skeletons                cpu tests fail naming the TODO
#   broken     a .tar.gz: solved, one file that does not compile  that exercise 'not built'
#   hanging    a git repository: solved, one file that never returns   'timed out' (--timeout 10)
#   tampered   a .zip (GitHub's repo-main/ layout): the skeletons, with an always-passing grader,
#              a broken CMakeLists.txt, an edited interface header and common/: the pristine
#              graders still fail it
#   cheater    a folder: the skeletons, and the first file ends the grader with exit(0) from a
#              static initialiser: FAILED, 0 points (the object-file gate rejects it)
#   forger     a folder: the skeletons, and the first file forges a passing note file and
#              verdict line, starts a detached process that would rewrite the notes later, and
#              ends with quick_exit(0): FAILED, 0 points (the gate rejects it before it runs)
#   unsafe     a .tar.gz with a '../' member: not read (exit 2), a result file with the error
#   empty      a folder without exercise files: not read (exit 2)
#   linked     a folder whose only exercise file is a symbolic link to a solution: not read
#              (exit 2; graded on the skeletons it would say nothing about the submission)
#
# Then ./course release into the scratch folder: no solutions/, no known-wrong variants, and the
# release graded on its own fails every CPU-gradable skeleton.
#
#   tools/tests/classroom_e2e.sh            (about 2 minutes on 2 cores; KEEP=1 keeps the files)
# CTest runs it as 'tooling-classroom' in the project's own build (./course test, CI).
set -euo pipefail
export CUDA_VISIBLE_DEVICES=""
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/course-classroom-e2e.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "classroom-e2e: files kept in $SCRATCH"
else
  trap 'rm -rf "$SCRATCH"' EXIT
fi
WORK=$SCRATCH/work
RESULTS=$SCRATCH/results
SUBMISSIONS=$SCRATCH/submissions
mkdir -p "$RESULTS" "$SUBMISSIONS"

# The CPU-gradable exercises: "id directory file" lines.
mapfile -t EXERCISES < <(python3 - <<'EOF'
import sys
sys.path.insert(0, "tools")
import course
for chapter in course.read_chapters():
    for exercise in chapter.exercises:
        if "cpu" in exercise.tests:
            print(exercise.id, chapter.directory, exercise.file)
EOF
)
if [ "${#EXERCISES[@]}" -lt 2 ]; then
  echo "classroom-e2e: fewer than two CPU-gradable exercises; nothing to test" >&2
  exit 1
fi
IDS=()
for line in "${EXERCISES[@]}"; do IDS+=("${line%% *}"); done
read -r FIRST_ID FIRST_DIR FIRST_FILE <<<"${EXERCISES[0]}"
read -r LAST_ID LAST_DIR LAST_FILE <<<"${EXERCISES[${#EXERCISES[@]}-1]}"
echo "classroom-e2e: CPU-gradable exercises: ${IDS[*]}"

# make_submission <folder> solutions|chapters: a student's repository with those exercise files.
make_submission() {
  mkdir -p "$1"
  cp -R chapters "$1/"
  if [ "$2" = solutions ]; then
    for line in "${EXERCISES[@]}"; do
      read -r _ directory file <<<"$line"
      cp "solutions/$directory/$file" "$1/chapters/$directory/$file"
    done
  fi
}

make_submission "$SUBMISSIONS/solved" solutions
make_submission "$SUBMISSIONS/blank" chapters

make_submission "$SCRATCH/broken/broken" solutions
printf '\nthis line does not compile;\n' >>"$SCRATCH/broken/broken/chapters/$LAST_DIR/$LAST_FILE"
tar -czf "$SUBMISSIONS/broken.tar.gz" -C "$SCRATCH/broken" broken

make_submission "$SCRATCH/hanging" solutions
cat >>"$SCRATCH/hanging/chapters/$FIRST_DIR/$FIRST_FILE" <<'EOF'

// Never returns: the grader hangs before main() (volatile: the loop cannot be optimised away).
namespace {
volatile int course_e2e_spin = 1;
const int course_e2e_hang = [] {
  while (course_e2e_spin) {
  }
  return 0;
}();
}  // namespace
EOF
git -C "$SCRATCH/hanging" init -q
git -C "$SCRATCH/hanging" add -A
git -C "$SCRATCH/hanging" -c user.name=e2e -c user.email=e2e@localhost commit -q -m hanging
git clone -q --bare "$SCRATCH/hanging" "$SUBMISSIONS/hanging.git"

# Cheats (docs/classroom.md, the threat model): graded after the honest submissions.
make_submission "$SUBMISSIONS/cheater" chapters
cat >>"$SUBMISSIONS/cheater/chapters/$FIRST_DIR/$FIRST_FILE" <<'EOF'
#include <cstdlib>
namespace { struct Cheat { Cheat() { std::exit(0); } } cheat; }
EOF
make_submission "$SUBMISSIONS/forger" chapters
cat >>"$SUBMISSIONS/forger/chapters/$FIRST_DIR/$FIRST_FILE" <<EOF
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {
void forge(const char* path) {
  if (std::FILE* file = path ? std::fopen(path, "w") : nullptr) {
    std::fputs("FIGURE: 999 TFLOP/s\\nVERDICT: passed\\n", file);
    std::fclose(file);
  }
}
struct Forger {
  Forger() {
    const char* notes = std::getenv("COURSE_NOTE_FILE");
    if (::fork() == 0) {  // would outlive the test and rewrite its notes after it
      ::setsid();
      ::sleep(4);
      forge(notes);
      forge("$SCRATCH/forger-outlived-its-test");
      ::_exit(0);
    }
    forge(notes);
    std::printf("COURSE-VERDICT: passed notes-sha256=%064d\\n", 0);
    std::fflush(stdout);
    std::quick_exit(0);
  }
} forger;
}  // namespace
EOF

# tampered: the whole course as a student might hand it in, skeletons untouched, the rest edited.
mkdir -p "$SCRATCH/tampered/repo-main"
for item in *; do
  case "$item" in build | solutions) ;; *) cp -R "$item" "$SCRATCH/tampered/repo-main/" ;; esac
done
T=$SCRATCH/tampered/repo-main
FIRST_GRADERS=$(python3 -c "
import sys; sys.path.insert(0, 'tools'); import course
print(' '.join('tests/chapter%d/%s' % (c.number, g) for c in course.read_chapters()
               for e in c.exercises if e.id == '$FIRST_ID' for g in e.graders))")
for grader in $FIRST_GRADERS; do
  cat >"$T/$grader" <<EOF
#include "catch.hpp"
TEST_CASE("always passes", "[$FIRST_ID][cpu]") { REQUIRE(true); }
EOF
done
echo 'message(FATAL_ERROR "a tampered CMakeLists.txt")' >"$T/CMakeLists.txt"
echo '#error "a tampered header"' >>"$T/common/include/course/course.hpp"
for header in "$T/chapters/$FIRST_DIR"/*.hpp; do echo '#error "a tampered interface"' >>"$header"; done
(cd "$SCRATCH/tampered" && python3 -c "
import os, zipfile
with zipfile.ZipFile('$SUBMISSIONS/tampered.zip', 'w') as z:
    for folder, _, names in os.walk('repo-main'):
        for name in names:
            z.write(os.path.join(folder, name))")

python3 - "$SUBMISSIONS/unsafe.tar.gz" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as archive:
    data = b"escaped\n"
    member = tarfile.TarInfo("unsafe/../../escaped.txt")
    member.size = len(data)
    archive.addfile(member, io.BytesIO(data))
EOF
mkdir -p "$SUBMISSIONS/empty/notes"
echo "nothing here" >"$SUBMISSIONS/empty/notes/README.txt"
mkdir -p "$SUBMISSIONS/linked/chapters/$FIRST_DIR"
ln -s "$ROOT/solutions/$FIRST_DIR/$FIRST_FILE" "$SUBMISSIONS/linked/chapters/$FIRST_DIR/$FIRST_FILE"

grade() {  # grade <name> <source> <expected exit code>
  local status=0
  echo "classroom-e2e: grading $1"
  ./course grade --submission "$2" --name "$1" --work "$WORK" --timeout 10 \
    --result "$RESULTS/$1.result.json" "${IDS[@]}" >"$SCRATCH/$1.out" 2>&1 || status=$?
  if [ "$status" != "$3" ]; then
    cat "$SCRATCH/$1.out"
    echo "classroom-e2e: FAILED: grading $1 exited with $status, expected $3" >&2
    exit 1
  fi
}
grade solved "$SUBMISSIONS/solved" 0
grade blank "$SUBMISSIONS/blank" 0
grade broken "$SUBMISSIONS/broken.tar.gz" 0
grade hanging "$SUBMISSIONS/hanging.git" 0
grade tampered "$SUBMISSIONS/tampered.zip" 0
grade cheater "$SUBMISSIONS/cheater" 0
grade forger "$SUBMISSIONS/forger" 0
sleep 5  # the forger's detached process, had it survived, has written its file by now
if [ -e "$SCRATCH/forger-outlived-its-test" ]; then
  echo "classroom-e2e: FAILED: a process started by the forger's test outlived it" >&2
  exit 1
fi
grade unsafe "$SUBMISSIONS/unsafe.tar.gz" 2
grade empty "$SUBMISSIONS/empty" 2
grade linked "$SUBMISSIONS/linked" 2
if [ -e "$SCRATCH/escaped.txt" ] || [ -e "$WORK/escaped.txt" ]; then
  echo "classroom-e2e: FAILED: the unsafe archive wrote outside its folder" >&2
  exit 1
fi

./course gradebook "$RESULTS" -o "$SCRATCH/gradebook.csv"

# The release: no solutions, no known-wrong variants; it builds on its own and its skeletons fail
# (the CPU-gradable exercises here; ./course release DIR --check grades every exercise).
echo "classroom-e2e: releasing and grading the release"
./course release "$SCRATCH/release" --no-git >"$SCRATCH/release.out" 2>&1 || {
  cat "$SCRATCH/release.out"
  echo "classroom-e2e: FAILED: ./course release" >&2
  exit 1
}
if [ -e "$SCRATCH/release/solutions" ] || ls "$SCRATCH"/release/tests/chapter*/wrong >/dev/null 2>&1 ||
  grep -q '"solutions"' "$SCRATCH/release/CMakePresets.json"; then
  echo "classroom-e2e: FAILED: the release has solutions, known-wrong variants or their preset" >&2
  exit 1
fi
status=0
(cd "$SCRATCH/release" && ./course grade "${IDS[@]}") >"$SCRATCH/release-grade.out" 2>&1 || status=$?
if [ "$status" = 0 ]; then
  cat "$SCRATCH/release-grade.out"
  echo "classroom-e2e: FAILED: the release's skeletons passed ./course grade" >&2
  exit 1
fi

python3 - "$RESULTS" "$SCRATCH/gradebook.csv" "$FIRST_ID" "$LAST_ID" "$LAST_DIR/$LAST_FILE" \
  "${IDS[@]}" <<'EOF'
import csv, json, os, sys
results, gradebook, first, last, last_file = sys.argv[1:6]
ids = sys.argv[6:]
problems = []

def load(name):
    with open(os.path.join(results, name + ".result.json"), encoding="utf-8") as handle:
        return json.load(handle)

def cpu(exercise):
    return [t for t in exercise["tests"] if t["kind"] == "cpu"][0]

def expect(condition, text):
    if not condition:
        problems.append(text)

for name in ("solved", "blank", "broken", "hanging", "tampered", "cheater", "forger", "unsafe",
             "empty", "linked"):
    document = load(name)
    expect(document["schema"] == "course-result/1", "%s: schema" % name)
    expect(document["submission"] == name, "%s: submission name" % name)
    graded = {e["id"]: e for e in document["exercises"]}
    if name in ("unsafe", "empty", "linked"):
        expect(document.get("error"), "%s: no error recorded" % name)
        expect(document["points"] == 0, "%s: points" % name)
        if name == "linked":
            expect("symbolic link" in document.get("error", ""), "linked: error %r" % document.get("error"))
        continue
    expect(sorted(graded) == sorted(ids), "%s: graded %s, expected %s" % (name, sorted(graded), ids))
    for ident, exercise in graded.items():
        where = "%s %s" % (name, ident)
        broken = name == "broken" and ident == last
        hung = name == "hanging" and ident == first
        if name == "solved" or (name in ("broken", "hanging") and not (broken or hung)):
            expect(cpu(exercise)["status"] == "passed", "%s: cpu test %s" % (where, cpu(exercise)))
            expect(exercise["status"] in ("passed", "not graded"), "%s: %s" % (where, exercise["status"]))
            expect(exercise["points"] == (exercise["max_points"] if exercise["status"] == "passed" else 0),
                   "%s: points" % where)
        elif broken:
            expect(exercise["status"] == "not built", "%s: %s" % (where, exercise["status"]))
            expect(last_file in exercise["message"], "%s: message %r" % (where, exercise["message"]))
            expect(exercise["points"] == 0, "%s: points" % where)
        elif hung:
            expect(exercise["status"] == "failed", "%s: %s" % (where, exercise["status"]))
            expect(cpu(exercise)["status"] == "timed out", "%s: cpu test %s" % (where, cpu(exercise)))
        elif name in ("cheater", "forger") and ident == first:
            # The object-file gate rejects both before their code runs (the supervisor's own
            # layer, behind it, is proven by tools/tests/test_course_supervise.py).
            why = {"cheater": "calls exit: an exercise file may not end the grading process",
                   "forger": ": an exercise file may not "}[name]
            expect(exercise["status"] == "failed", "%s: %s" % (where, exercise["status"]))
            expect(exercise["points"] == 0, "%s: points" % where)
            expect(exercise["figures"] == [], "%s: figures %s" % (where, exercise["figures"]))
            for test in exercise["tests"]:
                expect(test["status"] == "failed", "%s: %s test %s" % (where, test["kind"], test))
                expect(why in test["message"], "%s: %s test %r" % (where, test["kind"], test))
        else:  # blank, tampered: the skeletons fail the pristine graders, naming their TODO
            expect(exercise["status"] == "failed", "%s: %s" % (where, exercise["status"]))
            expect(cpu(exercise)["status"] == "failed", "%s: cpu test %s" % (where, cpu(exercise)))
            expect("TODO(%s) at chapters/" % ident in cpu(exercise)["message"],
                   "%s: message %r" % (where, cpu(exercise)["message"]))
            expect(exercise["points"] == 0, "%s: points" % where)
    # Required points out of their maximum; optional ones apart, never in the required total.
    for prefix, optional in (("", False), ("optional_", True)):
        counted = [e for e in document["exercises"] if e["optional"] == optional]
        expect(document[prefix + "points"] == sum(e["points"] for e in counted), "%s: %stotal" % (name, prefix))
        expect(document[prefix + "max_points"] == sum(e["max_points"] for e in counted),
               "%s: %smaximum" % (name, prefix))
        expect(document[prefix + "points"] <= document[prefix + "max_points"], "%s: past the maximum" % name)

with open(gradebook, newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle))
header = rows[0]
totals = ["points", "max_points", "optional_points", "optional_max_points"]
expect(header[:5] == ["submission"] + totals, "gradebook header %s" % header)
expect(header[5:5 + len(ids)] == ids, "gradebook exercise columns %s" % header)
expect(header[5 + len(ids):] == ["status", "gpu", "graded_at", "error"], "gradebook header %s" % header)
by_name = {row[0]: dict(zip(header, row)) for row in rows[1:]}
expect(sorted(by_name) == sorted(["blank", "broken", "cheater", "empty", "forger", "hanging", "linked",
                                  "solved", "tampered", "unsafe"]),
       "gradebook rows %s" % sorted(by_name))
for ident in ids:
    expect(by_name["blank"][ident] == "0", "gradebook blank %s = %r" % (ident, by_name["blank"][ident]))
    expect("%s:F" % ident in by_name["blank"]["status"], "gradebook blank status")
    expect(by_name["solved"][ident] in ("", str(load("solved")["exercises"][ids.index(ident)]["max_points"])),
           "gradebook solved %s = %r" % (ident, by_name["solved"][ident]))
expect("%s:B" % last in by_name["broken"]["status"], "gradebook broken status %s" % by_name["broken"]["status"])
expect(by_name["unsafe"]["error"], "gradebook: unsafe has no error")

with open(os.path.join(os.path.dirname(results), "release", "build", "student",
                       "course-progress.json"), encoding="utf-8") as handle:
    release = json.load(handle)["exercises"]
for ident in ids:
    entry = release.get(ident, {})
    expect(entry.get("status") == "failed" and entry.get("tests", {}).get("cpu") == "failed",
           "release skeleton %s: %s" % (ident, entry))

if problems:
    print("classroom-e2e: FAILED:\n  - " + "\n  - ".join(problems))
    sys.exit(1)
print("classroom-e2e: every verdict as expected (%d submissions, exercises %s)" % (10, " ".join(ids)))
EOF
