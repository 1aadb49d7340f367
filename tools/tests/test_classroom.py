"""Unit tests of the classroom commands' pure parts (tools/course_classroom.py): archive safety,
which files of a submission count, the result, gradebook and JUnit formats, hints, the release's
transformations. No build, no GPU: python3 -m unittest discover -s tools/tests"""

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ElementTree
import zipfile
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402
from fixtures import supervised, write  # noqa: E402
import course_classroom as classroom  # noqa: E402

DECLARATION = """\
    chapter: 7
    directory: 07-demo
    title: A demo chapter

    exercise: 7.1
    title: First
    file: first.cu
    graders: grade_first.cpp
    tests: cpu gpu
    points: 10
    hint: one
    hint: two

    exercise: 7.2
    title: Second
    file: second.cu
    graders: grade_second.cpp
    tests: correctness
    needs: 7.1
    points: 20

    exercise: 7.3
    title: Third
    file: third.cu
    graders: grade_third.cpp
    tests: correctness
    optional: yes
    points: 5
"""


class Scratch(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.dir = self.scratch.name
        self.chapter = course.read_declaration(
            write(self.dir, "course/tests/chapter7/exercises.txt", DECLARATION))
        self.chapters = [self.chapter]

    def tearDown(self):
        self.scratch.cleanup()


class ArchiveTest(Scratch):
    def zip_with(self, members):
        path = os.path.join(self.dir, "a.zip")
        with zipfile.ZipFile(path, "w") as archive:
            for name, data, mode in members:
                info = zipfile.ZipInfo(name)
                if mode:
                    info.external_attr = mode << 16
                archive.writestr(info, data)
        return path

    def tar_with(self, members):
        path = os.path.join(self.dir, "a.tar.gz")
        with tarfile.open(path, "w:gz") as archive:
            for info, data in members:
                archive.addfile(info, io.BytesIO(data) if data is not None else None)
        return path

    def test_member_paths(self):
        self.assertEqual(classroom.member_path("./a//b/c.cu"), "a/b/c.cu")
        for bad in ("/etc/passwd", "a/../../b", "..", "C:/x", "a\\..\\..\\b"):
            with self.assertRaises(classroom.SubmissionError):
                classroom.member_path(bad)

    def test_a_good_zip_extracts(self):
        path = self.zip_with([("repo/chapters/07-demo/first.cu", b"int x;", 0)])
        out = os.path.join(self.dir, "out")
        classroom.extract_archive(path, out)
        with open(os.path.join(out, "repo/chapters/07-demo/first.cu"), "rb") as handle:
            self.assertEqual(handle.read(), b"int x;")

    def test_zip_climbing_out_is_refused(self):
        path = self.zip_with([("../escaped.cu", b"x", 0)])
        with self.assertRaisesRegex(classroom.SubmissionError, "climbs out"):
            classroom.extract_archive(path, os.path.join(self.dir, "out"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "escaped.cu")))

    def test_zip_links(self):
        inside = self.zip_with([("repo/link", b"chapters/x.cu", 0o120777)])
        classroom.extract_archive(inside, os.path.join(self.dir, "in"))
        self.assertFalse(os.path.lexists(os.path.join(self.dir, "in", "repo", "link")))
        outside = self.zip_with([("repo/link", b"../../etc/passwd", 0o120777)])
        with self.assertRaisesRegex(classroom.SubmissionError, "points outside"):
            classroom.extract_archive(outside, os.path.join(self.dir, "out"))

    def test_size_and_member_caps(self):
        path = self.zip_with([("big", b"x" * 5000, 0)])
        with self.assertRaisesRegex(classroom.SubmissionError, "too large"):
            classroom.extract_archive(path, os.path.join(self.dir, "out"), max_bytes=4096)
        path = self.zip_with([("f%d" % i, b"", 0) for i in range(5)])
        with self.assertRaisesRegex(classroom.SubmissionError, "members"):
            classroom.extract_archive(path, os.path.join(self.dir, "out"), max_members=4)

    def test_tar_links_devices_and_size(self):
        link = tarfile.TarInfo("repo/evil")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        with self.assertRaisesRegex(classroom.SubmissionError, "points outside"):
            classroom.extract_archive(self.tar_with([(link, None)]), os.path.join(self.dir, "o1"))
        hard = tarfile.TarInfo("repo/hard")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "../outside"
        with self.assertRaisesRegex(classroom.SubmissionError, "points outside"):
            classroom.extract_archive(self.tar_with([(hard, None)]), os.path.join(self.dir, "o2"))
        fifo = tarfile.TarInfo("repo/pipe")
        fifo.type = tarfile.FIFOTYPE
        with self.assertRaisesRegex(classroom.SubmissionError, "device or pipe"):
            classroom.extract_archive(self.tar_with([(fifo, None)]), os.path.join(self.dir, "o3"))
        big = tarfile.TarInfo("repo/big")
        big.size = 5000
        with self.assertRaisesRegex(classroom.SubmissionError, "too large"):
            classroom.extract_archive(self.tar_with([(big, b"x" * 5000)]),
                                      os.path.join(self.dir, "o4"), max_bytes=4096)
        good = tarfile.TarInfo("repo/chapters/07-demo/first.cu")
        good.size = 3
        classroom.extract_archive(self.tar_with([(good, b"abc")]), os.path.join(self.dir, "o5"))
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "o5/repo/chapters/07-demo/first.cu")))

    def test_kinds_names_and_redaction(self):
        self.assertEqual(classroom.submission_kind(self.dir), "directory")
        path = self.zip_with([("x", b"x", 0)])
        self.assertEqual(classroom.submission_kind(path), "archive")
        self.assertEqual(classroom.submission_kind("https://example.org/a/b.git"), "git")
        self.assertEqual(classroom.submission_kind("git@example.org:a/b.git"), "git")
        not_archive = write(self.dir, "notes.txt", "hello")
        with self.assertRaises(classroom.SubmissionError):
            classroom.submission_kind(not_archive)
        with self.assertRaises(classroom.SubmissionError):
            classroom.submission_kind(os.path.join(self.dir, "nothing-here"))
        self.assertEqual(classroom.submission_name("/subs/alice/"), "alice")
        self.assertEqual(classroom.submission_name("/subs/bob.tar.gz"), "bob")
        self.assertEqual(classroom.submission_name("https://h/org/lab1-carol.git"), "lab1-carol")
        self.assertEqual(classroom.safe_name("=cmd|' /C calc'!A0"), "cmd_C_calc_A0")
        self.assertEqual(classroom.redact("https://user:token@github.com/o/r.git"),
                         "https://***@github.com/o/r.git")


class SelectionTest(Scratch):
    def test_only_declared_files_from_the_deepest_layout(self):
        sub = os.path.join(self.dir, "sub")
        write(sub, "alice-main/chapters/07-demo/first.cu", "first")
        write(sub, "alice-main/chapters/07-demo/second.cu", "second")
        write(sub, "alice-main/chapters/07-demo/chapter7.hpp", "not taken")
        write(sub, "alice-main/tests/chapter7/grade_first.cpp", "not taken")
        write(sub, "alice-main/CMakeLists.txt", "not taken")
        found, missing = classroom.collect_submission(sub, self.chapters)
        self.assertEqual(found, {"chapters/07-demo/first.cu": b"first",
                                 "chapters/07-demo/second.cu": b"second"})
        self.assertEqual(missing, {"chapters/07-demo/third.cu": "not in the submission"})

    def test_the_chapters_folder_itself(self):
        sub = os.path.join(self.dir, "sub")
        write(sub, "07-demo/first.cu", "first")
        root, prefix = classroom.find_submission_root(sub, self.chapters)
        self.assertEqual((root, prefix), (sub, ""))

    def test_nothing_found(self):
        sub = os.path.join(self.dir, "sub")
        write(sub, "notes/README.txt", "x")
        with self.assertRaisesRegex(classroom.SubmissionError, "found none"):
            classroom.collect_submission(sub, self.chapters)

    def test_links_and_large_files_are_not_taken(self):
        sub = os.path.join(self.dir, "sub")
        secret = write(self.dir, "secret/first.cu", "the instructor's")
        write(sub, "chapters/07-demo/second.cu", "x" * (classroom.MAX_EXERCISE_FILE_BYTES + 1))
        os.symlink(secret, os.path.join(sub, "chapters/07-demo/first.cu"))
        write(sub, "chapters/07-demo/third.cu", "ok")
        found, missing = classroom.collect_submission(sub, self.chapters)
        self.assertEqual(list(found), ["chapters/07-demo/third.cu"])
        self.assertIn("symbolic link", missing["chapters/07-demo/first.cu"])
        self.assertIn("larger than", missing["chapters/07-demo/second.cu"])

    def test_a_linked_chapter_folder_is_not_followed(self):
        sub = os.path.join(self.dir, "sub")
        write(self.dir, "solutions/07-demo/first.cu", "the answer")
        write(sub, "chapters/other.txt", "x")
        os.symlink(os.path.join(self.dir, "solutions/07-demo"),
                   os.path.join(sub, "chapters/07-demo"))
        data, why = classroom.read_exercise_file(sub, "chapters/07-demo/first.cu")
        self.assertIsNone(data)
        self.assertIn("symbolic link", why)


class TreeTest(Scratch):
    def test_exclusions(self):
        patterns = ["solutions/", "tests/chapter*/wrong/", "CONTRIBUTING.md"]
        self.assertTrue(classroom.excluded("solutions/01/x.cu", patterns))
        self.assertTrue(classroom.excluded("tests/chapter3/wrong/a.wrong", patterns))
        self.assertTrue(classroom.excluded("CONTRIBUTING.md", patterns))
        self.assertFalse(classroom.excluded("tests/chapter3/grade_x.cpp", patterns))
        self.assertFalse(classroom.excluded("chapters/01/solutions.md", patterns))

    def test_the_real_exclusions_keep_what_a_student_needs(self):
        patterns = classroom.release_exclusions(course.ROOT)
        self.assertIn("solutions/", patterns)
        for kept in ("chapters/01-vector-add/peak.cpp", "tests/chapter1/exercises.txt",
                     "tools/course.py", "tools/course_classroom.py", "CMakeLists.txt", "course"):
            self.assertFalse(classroom.excluded(kept, patterns), kept)
        for left_out in ("solutions/01-vector-add/peak.cpp", "tests/chapter1/wrong/x.wrong",
                         "tools/tests/classroom_e2e.sh", "tools/tests/classroom_gpu.sh",
                         "CONTRIBUTING.md", "docs/classroom.md", ".ci/run"):
            self.assertTrue(classroom.excluded(left_out, patterns), left_out)

    def test_sync_keeps_build_and_unchanged_files(self):
        source, copy = os.path.join(self.dir, "src"), os.path.join(self.dir, "copy")
        write(source, "a.txt", "a")
        write(source, "chapters/x.cu", "skeleton")
        write(copy, "stale.txt", "old")
        write(copy, "build/keep.o", "object")
        classroom.sync_tree(source, ["a.txt", "chapters/x.cu"], copy)
        stamp = os.stat(os.path.join(copy, "a.txt")).st_mtime_ns
        time.sleep(0.01)
        classroom.sync_tree(source, ["a.txt", "chapters/x.cu"], copy,
                            {"chapters/x.cu": b"student"})
        self.assertEqual(os.stat(os.path.join(copy, "a.txt")).st_mtime_ns, stamp)
        self.assertFalse(os.path.exists(os.path.join(copy, "stale.txt")))
        self.assertTrue(os.path.exists(os.path.join(copy, "build/keep.o")))
        with open(os.path.join(copy, "chapters/x.cu")) as handle:
            self.assertEqual(handle.read(), "student")

    def test_sandbox_time_and_file_limits(self):
        log = classroom.SandboxLog(os.path.join(self.dir, "log.txt"), False, self.dir, 0.5)
        started = time.time()
        status, output = log.run(["sleep", "30"], "sleeping")
        self.assertLess(time.time() - started, 10)
        self.assertNotEqual(status, 0)
        self.assertIn("time limit", output)
        with mock.patch.dict(os.environ, {"COURSE_FILE_LIMIT_MB": "1"}):
            log.timeout = 30
            status, _ = log.run(["sh", "-c", "head -c 3000000 /dev/zero > big"], "filling")
        log.close()
        self.assertNotEqual(status, 0)
        self.assertLessEqual(os.path.getsize(os.path.join(self.dir, "big")), 1 << 20)


JUNIT = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="3">
  <testcase name="ch7.1-cpu" classname="ch7.1-cpu" time="0.5" status="run"/>
  <testcase name="ch7.1-gpu" classname="ch7.1-gpu" time="0.1" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/></testcase>
  <testcase name="ch7.3-correctness" classname="ch7.3-correctness" time="10" status="fail">
    <failure message=""/></testcase>
  <testcase name="tooling-course" classname="tooling-course" time="1" status="run"/>
</testsuite>
"""


class ResultTest(Scratch):
    def setUp(self):
        super().setUp()
        self.build = os.path.join(self.dir, "build")
        self.results = course.mark_timeouts(
            course.read_junit(write(self.build, "junit.xml", JUNIT)),
            "1/3 Test  #3: ch7.3-correctness ..........***Timeout  10.01 sec\n")
        # What the grader supervisor left: note files and the last line of each output.
        self.results["ch7.1-cpu"].output = supervised(self.build, "ch7.1-cpu", "passed", "",
                                                      "FIGURE: 3 TB/s\n")
        self.results["ch7.1-gpu"].output = supervised(self.build, "ch7.1-gpu", "not graded",
                                                      "no GPU: no driver",
                                                      "SKIP: no GPU: no driver\n")
        first, second, third = self.chapter.exercises
        problems = {"7.2": "DOES NOT COMPILE: chapters/07-demo/second.cu:3: oops"}
        self.rows = [course.judge(e, self.build, self.results, problems, "no driver")
                     for e in self.chapter.exercises]
        self.records = [classroom.exercise_record(row, self.build, self.results,
                                                  row.exercise.id not in problems)
                        for row in self.rows]

    def test_records(self):
        first, second, third = self.records
        self.assertEqual((first["status"], first["points"], first["max_points"]),
                         ("not graded", 0, 10))
        self.assertEqual(first["figures"], ["3 TB/s"])
        self.assertEqual([(t["kind"], t["status"]) for t in first["tests"]],
                         [("cpu", "passed"), ("gpu", "not graded")])
        self.assertEqual(first["tests"][1]["message"], "no GPU: no driver")
        self.assertEqual(second["status"], "not built")
        self.assertIn("second.cu:3: oops", second["message"])
        self.assertEqual(third["status"], "failed")
        self.assertTrue(third["optional"])
        self.assertEqual(third["tests"][0]["status"], "timed out")

    def test_document_totals(self):
        passed = dict(self.records[1], status="passed", points=20)
        optional = dict(self.records[2], status="passed", points=5)
        document = classroom.result_document("alice", "https://u:p@h/r.git", None,
                                             [self.records[0], passed, optional])
        self.assertEqual(document["schema"], "course-result/1")
        self.assertEqual(document["source"], "https://***@h/r.git")
        # Optional points apart: the required total never exceeds its maximum.
        self.assertEqual((document["points"], document["max_points"]), (20, 30))
        self.assertEqual((document["optional_points"], document["optional_max_points"]), (5, 5))
        self.assertIsNone(document["gpu"])
        json.dumps(document)

    def test_junit_by_chapter(self):
        source = os.path.join(self.build, "junit.xml")
        out = os.path.join(self.build, "chapters.xml")
        classroom.junit_by_chapter(source, out, self.chapters,
                                   {"ch7.2-correctness": "does not compile"},
                                   {"ch7.3-correctness": "timed out"})
        root = ElementTree.parse(out).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        self.assertEqual(sorted(suites), ["chapter7", "other"])
        chapter = suites["chapter7"]
        self.assertEqual((chapter.get("tests"), chapter.get("failures"), chapter.get("skipped")),
                         ("4", "2", "1"))
        cases = {c.get("name"): c for c in chapter.findall("testcase")}
        self.assertEqual({c.get("classname") for c in cases.values()}, {"chapter7"})
        self.assertEqual(cases["ch7.2-correctness"].find("failure").get("message"),
                         "does not compile")
        self.assertEqual(cases["ch7.3-correctness"].find("failure").get("message"), "timed out")
        # course.read_junit still reads the rewritten file (./course grade's listener rewrites
        # course-junit.xml in place).
        again = course.read_junit(out)
        self.assertEqual(again["ch7.1-gpu"].status, "skipped")
        classroom.junit_by_chapter(out, out, self.chapters)
        self.assertEqual(len(list(ElementTree.parse(out).getroot().iter("testcase"))), 5)


class GradebookTest(Scratch):
    def document(self, name, statuses, error=None):
        exercises = []
        for ident, status, points in statuses:
            exercises.append({"id": ident, "title": ident, "status": status,
                              "points": points, "max_points": 10, "optional": False,
                              "message": "", "figures": [], "tests": []})
        document = classroom.result_document(name, name, "H100" if name == "bob" else None,
                                             exercises)
        if error:
            document["error"] = error
        return document

    def test_table(self):
        documents = [
            self.document("bob", [("1.2", "passed", 10), ("1.10", "failed", 0),
                                  ("2.1", "not built", 0)]),
            self.document("alice", [("1.2", "not graded", 0), ("2.1", "passed", 10)],
                          error=None),
        ]
        table = classroom.gradebook_table(documents)
        self.assertEqual(table[0], ["submission", "points", "max_points", "optional_points",
                                    "optional_max_points", "1.2", "1.10", "2.1",
                                    "status", "gpu", "graded_at", "error"])
        alice, bob = table[1], table[2]
        self.assertEqual(alice[:8], ["alice", "10", "20", "0", "0", "", "", "10"])
        self.assertEqual(alice[8], "1.2:N 2.1:P")
        self.assertEqual(bob[:9], ["bob", "10", "30", "0", "0", "10", "0", "0",
                                   "1.2:P 1.10:F 2.1:B"])
        self.assertEqual(bob[9], "H100")
        text = io.StringIO()
        csv.writer(text).writerows(table)
        self.assertEqual(list(csv.reader(io.StringIO(text.getvalue()))), table)

    def test_results_are_found_and_checked(self):
        folder = os.path.join(self.dir, "results")
        classroom.write_json(os.path.join(folder, "a", "result.json"), self.document("a", []))
        classroom.write_json(os.path.join(folder, "b.result.json"), self.document("b", []))
        classroom.write_json(os.path.join(folder, "a", "tree", "result.json"), {})
        write(folder, "notes.json", "{}")
        found = classroom.find_results([folder])
        self.assertEqual(sorted(os.path.relpath(p, folder) for p in found),
                         ["a/result.json", "b.result.json"])
        with self.assertRaises(course.CourseError):
            classroom.load_result(os.path.join(folder, "notes.json"))


class HintAndProgressTest(Scratch):
    def test_hints_one_more_each_time(self):
        shown = 0
        seen = []
        for _ in range(4):
            shown = classroom.reveal(3, shown, False)
            seen.append(shown)
        self.assertEqual(seen, [1, 2, 3, 3])
        self.assertEqual(classroom.reveal(3, 0, True), 3)
        self.assertEqual(classroom.reveal(0, 0, False), 0)

    def test_next_exercise(self):
        progress = {}
        self.assertEqual(classroom.next_exercise(self.chapters, progress).id, "7.1")
        progress["7.1"] = {"status": "not graded", "tests": {"cpu": "passed", "gpu": "not graded"}}
        self.assertEqual(classroom.next_exercise(self.chapters, progress).id, "7.2")
        progress["7.2"] = {"status": "not graded", "tests": {"correctness": "not graded"}}
        self.assertEqual(classroom.next_exercise(self.chapters, progress).id, "7.2")
        progress["7.2"] = {"status": "passed"}
        self.assertEqual(classroom.next_exercise(self.chapters, progress).id, "7.3")
        progress["7.3"] = {"status": "passed"}
        self.assertIsNone(classroom.next_exercise(self.chapters, progress))


class WatchTest(Scratch):
    def test_polling_sees_a_save(self):
        path = write(self.dir, "x.cu", "a")
        watcher = classroom.PollWatcher([path], interval=0.05)

        def save():
            time.sleep(0.2)
            write(self.dir, "x.cu", "ab")

        threading.Thread(target=save).start()
        self.assertEqual(watcher.wait(), [path])

    def test_loop_grades_at_start_and_after_each_change(self):
        class Watcher:
            def __init__(self):
                self.calls = 0

            def wait(self):
                self.calls += 1
                return ["x.cu"]

        grades = []
        status = classroom.watch_loop(Watcher(), lambda: grades.append(1) or len(grades),
                                      lambda changed: None, once=True)
        self.assertEqual((grades, status), ([1, 1], 2))


class ReleaseTest(Scratch):
    def test_presets_without_solutions(self):
        with open(os.path.join(course.ROOT, "CMakePresets.json"), encoding="utf-8") as handle:
            presets = json.loads(classroom.filter_presets(handle.read()))
        for key in ("configurePresets", "buildPresets", "testPresets", "workflowPresets"):
            names = [p["name"] for p in presets.get(key, [])]
            self.assertIn("student", names, key)
            self.assertNotIn("solutions", names, key)

    def test_wrong_variants_section_is_removed(self):
        page = ("# R\n\n## Graders\n\nkept\n\n## Known-wrong variants\n\nWhat each...\n\n"
                "<!-- figures:wrong-variants chapter=4 begin -->\n| a | b |\n"
                "<!-- figures:wrong-variants chapter=4 end -->\n\n## Benchmarks\n\nkept too\n")
        stripped = classroom.strip_wrong_variants(page)
        self.assertNotIn("wrong-variants", stripped)
        self.assertIn("## Graders\n\nkept\n\n## Benchmarks", stripped)
        lone = "<!-- figures:wrong-variants chapter=4 begin -->\nx\n" \
               "<!-- figures:wrong-variants chapter=4 end -->\n"
        self.assertIn("Not part of the student release", classroom.strip_wrong_variants(lone))

    def test_readme_and_links(self):
        text = classroom.release_readme(self.chapters, "A course")
        self.assertIn("| 7 | [A demo chapter](chapters/07-demo/README.md) | 7.1, 7.2, 7.3 "
                      "(optional) | 30 (+5 optional) |", text)
        release = os.path.join(self.dir, "release")
        write(release, "README.md", text)
        write(release, "chapters/07-demo/README.md", "[x](../../CONTRIBUTING.md) "
              "[y](https://example.org) [z](#anchor) [w](first.cu)\n")
        write(release, "chapters/07-demo/first.cu", "")
        problems = classroom.dangling_links(release, ["README.md", "chapters/07-demo/README.md"])
        self.assertEqual(problems, ["chapters/07-demo/README.md links to ../../CONTRIBUTING.md, "
                                    "which the release does not have"])

    def test_a_solved_skeleton_is_not_released(self):
        root = os.path.join(self.dir, "course")
        write(root, "solutions/07-demo/first.cu", "answer")
        contents = {"chapters/07-demo/first.cu": b"answer",
                    "chapters/07-demo/second.cu": b'COURSE_TODO("7.2", "x")',
                    "chapters/07-demo/third.cu": b'COURSE_TODO("7.3", "x")'}
        problems = classroom.check_no_solution(root, self.chapters, contents)
        self.assertEqual(len(problems), 2)
        self.assertIn("identical to its solution", problems[0])
        self.assertIn("no COURSE_TODO(\"7.1\"", problems[1])


if __name__ == "__main__":
    unittest.main()


class RefusedSubmissionTest(Scratch):
    """A submission from which no exercise file could be taken is an error (exit 2, a result file
    that says why), never a grade of the skeletons."""

    def test_links_only(self):
        sub = os.path.join(self.dir, "sub")
        secret = write(self.dir, "secret/first.cu", "somebody else's")
        os.makedirs(os.path.join(sub, "chapters/07-demo"))
        os.symlink(secret, os.path.join(sub, "chapters/07-demo/first.cu"))
        with self.assertRaisesRegex(classroom.SubmissionError,
                                    "no exercise file could be taken from the submission: "
                                    "chapters/07-demo/first.cu: .*symbolic link"):
            classroom.collect_submission(sub, self.chapters)

    def test_grade_submission_exits_2_with_a_result_and_builds_nothing(self):
        sub = os.path.join(self.dir, "sub")
        secret = write(self.dir, "secret/first.cu", "somebody else's")
        os.makedirs(os.path.join(sub, "chapters/07-demo"))
        os.symlink(secret, os.path.join(sub, "chapters/07-demo/first.cu"))
        result = os.path.join(self.dir, "result.json")
        built = []
        with mock.patch.object(course, "ROOT", os.path.join(self.dir, "course")), \
                mock.patch.object(course, "find_toolchain", lambda: built.append(1)), \
                mock.patch.object(classroom, "grade_in_copy", lambda *a: built.append(2) or 0), \
                contextlib.redirect_stdout(io.StringIO()):
            status = course.main(["grade", "--submission", sub, "--result", result,
                                  "--work", os.path.join(self.dir, "work")])
        self.assertEqual(status, 2)
        self.assertEqual(built, [])
        with open(result) as handle:
            document = json.load(handle)
        self.assertIn("no exercise file could be taken", document["error"])
        self.assertIn("symbolic link", document["error"])
        self.assertEqual((document["points"], document["max_points"]), (0, 30))
        self.assertTrue(all(e["status"] == "not built" for e in document["exercises"]))


class NameTest(Scratch):
    """A submission's name is the same in every command (issue 15: a bare repository carol.git
    was 'carol' for grade --submission and 'carol.git' for grade-class)."""

    def test_one_name_everywhere(self):
        import course_cluster
        for source, name in (("/s/carol.git", "carol"), ("/s/carol.git/", "carol"),
                             ("https://h/org/carol.git", "carol"), ("/s/dave/", "dave"),
                             ("/s/Alice Smith.tar.gz", "Alice_Smith"), ("/s/bob.tbz2", "bob"),
                             ("/s/erin.txz", "erin"), ("/s/.hidden", "hidden")):
            self.assertEqual(classroom.submission_name(source), name, source)
            self.assertEqual(course_cluster.submission_name(source), name, source)
        self.assertEqual(classroom.submission_name("/s/x", "lab1 alice"), "lab1_alice")
        self.assertEqual(course_cluster.submission_name("/s/x", "lab1 alice"), "lab1_alice")

    def test_grade_submission_and_grade_class_name_a_bare_repository_alike(self):
        import course_cluster
        work_tree = os.path.join(self.dir, "carol-work")
        write(work_tree, "chapters/07-demo/first.cu", "carol's")
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
        for command in (["init", "-q", work_tree], ["-C", work_tree, "add", "-A"],
                        ["-C", work_tree, "commit", "-q", "-m", "x"]):
            subprocess.run(git + command, check=True, stdout=subprocess.DEVNULL)
        submissions = os.path.join(self.dir, "submissions")
        os.makedirs(submissions)
        bare = os.path.join(submissions, "carol.git")
        subprocess.run(["git", "clone", "-q", "--bare", work_tree, bare], check=True)
        names = []
        with mock.patch.object(course, "ROOT", os.path.join(self.dir, "course")), \
                mock.patch.object(classroom, "grade_in_copy",
                                  lambda arguments, name, *rest: names.append(name) or 0), \
                contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(course.main(["grade", "--submission", bare, "--work",
                                          os.path.join(self.dir, "work")]), 0)
        found, _ = course_cluster.find_submissions(submissions)
        self.assertEqual(names, ["carol"])
        self.assertEqual([s.name for s in found], ["carol"])


class TotalsTest(Scratch):
    """Optional points never push a total past its maximum, in the result file, the gradebook
    and ./course list (issue 15: 460/425 was possible)."""

    def exercise(self, ident, points, maximum, optional):
        return {"id": ident, "title": ident, "status": "passed" if points else "failed",
                "points": points, "max_points": maximum, "optional": optional, "message": "",
                "figures": [], "tests": []}

    def test_result_file(self):
        exercises = [self.exercise("1.1", 10, 10, False), self.exercise("1.2", 20, 20, False),
                     self.exercise("1.5", 35, 35, True)]
        document = classroom.result_document("a", "a", None, exercises)
        self.assertEqual({k: document[k] for k in classroom.TOTALS},
                         {"points": 30, "max_points": 30, "optional_points": 35,
                          "optional_max_points": 35})

    def test_gradebook_adds_up_the_exercises_never_past_the_maximum(self):
        # A result of an older version (optional points in "points") or an edited one.
        old = {"schema": classroom.RESULT_SCHEMA, "submission": "old", "points": 460,
               "max_points": 425, "exercises": [self.exercise("1.1", 10, 10, False),
                                                self.exercise("1.5", 35, 35, True),
                                                self.exercise("1.2", 999, 20, False)]}
        header, row = classroom.gradebook_table([old])
        values = dict(zip(header, row))
        self.assertEqual((values["points"], values["max_points"]), ("30", "30"))
        self.assertEqual((values["optional_points"], values["optional_max_points"]), ("35", "35"))
        path = write(self.dir, "bad.result.json", json.dumps(dict(old, exercises={"1.1": 3})))
        with self.assertRaisesRegex(course.CourseError, "not a result file"):
            classroom.load_result(path)

    def test_list_progress(self):
        build = os.path.join(self.dir, "course", "build", "student")
        classroom.write_json(os.path.join(build, "course-progress.json"), {
            "schema": classroom.PROGRESS_SCHEMA, "exercises": {
                ident: {"status": "passed", "points": 99, "max_points": 1}
                for ident in ("7.1", "7.2", "7.3")}})
        out = io.StringIO()
        with mock.patch.object(course, "ROOT", os.path.join(self.dir, "course")), \
                contextlib.redirect_stdout(out):
            self.assertEqual(classroom.command_list(argparse.Namespace()), 0)
        self.assertIn("Progress: 2 of 2 required exercises passed, 30/30 points; optional: "
                      "1 of 1 passed, 5/5 points", out.getvalue())
