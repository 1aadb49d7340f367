"""Unit tests of the course command's pure parts (no build, no GPU):
python3 -m unittest discover -s tools/tests"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402
from fixtures import supervised, write  # noqa: E402


DECLARATION = """\
    # comment
    chapter: 7
    directory: 07-demo
    title: A demo chapter

    exercise: 7.1
    title: First
    file: first.cu
    graders: grade_first.cpp
    tests: cpu correctness
    points: 10

    exercise: 7.2
    title: Second
    file: second.cu
    graders: grade_second.cpp
    tests: correctness speed
    needs: 7.1
    optional: yes
    points: 5
    hint: look at 7.1
"""


class DeclarationTest(unittest.TestCase):
    def test_reads_chapter_and_exercises(self):
        with tempfile.TemporaryDirectory() as root:
            chapter = course.read_declaration(write(root, "tests/chapter7/exercises.txt",
                                                    DECLARATION))
            self.assertEqual((chapter.number, chapter.directory, chapter.title),
                             (7, "07-demo", "A demo chapter"))
            first, second = chapter.exercises
            self.assertEqual(first.test_names(), ["ch7.1-cpu", "ch7.1-correctness"])
            self.assertEqual(first.target, "course_grade_7_1")
            self.assertEqual(first.source, "chapters/07-demo/first.cu")
            self.assertTrue(second.optional)
            self.assertEqual(second.needs, ["7.1"])
            self.assertEqual(second.hints, ["look at 7.1"])
            self.assertEqual(course.needed_ids(second), ["7.1"])

    def test_unknown_key_is_an_error_with_its_line(self):
        with tempfile.TemporaryDirectory() as root:
            path = write(root, "tests/chapter7/exercises.txt", DECLARATION + "    colour: red\n")
            with self.assertRaises(course.CourseError) as caught:
                course.read_declaration(path)
            self.assertIn("'colour' is not an exercise field", str(caught.exception))

    def test_the_real_declarations_read(self):
        chapters = course.read_chapters()
        self.assertGreaterEqual(len(chapters), 2)
        self.assertEqual([c.number for c in chapters], sorted(c.number for c in chapters))


class SelectionTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.chapter = course.read_declaration(
            write(self.scratch.name, "tests/chapter7/exercises.txt", DECLARATION))

    def tearDown(self):
        self.scratch.cleanup()

    def test_all_chapter_and_single_exercise(self):
        everything, named = course.select_exercises([self.chapter], [])
        self.assertEqual([e.id for e in everything], ["7.1", "7.2"])
        self.assertFalse(named)
        both, _ = course.select_exercises([self.chapter], ["7.2", "7.1", "7.2"])
        self.assertEqual([e.id for e in both], ["7.1", "7.2"])
        one, named = course.select_exercises([self.chapter], ["7.2"])
        self.assertEqual([e.id for e in one], ["7.2"])
        self.assertTrue(named)

    def test_unknown_chapter_lists_what_exists(self):
        with self.assertRaises(course.CourseError) as caught:
            course.select_exercises([self.chapter], ["9"])
        self.assertIn("no chapter 9", str(caught.exception))
        self.assertIn("7.1 7.2", str(caught.exception))


class ErrorParsingTest(unittest.TestCase):
    def test_nvcc_error(self):
        path = os.path.join(course.ROOT, "chapters/02-kernels/saxpy.cu")
        output = "[3/9] Building CUDA object x.o\n%s(12): error: identifier \"foo\" is " \
                 "undefined\n" % path
        self.assertEqual(course.first_error(output),
                         ("chapters/02-kernels/saxpy.cu",
                          "chapters/02-kernels/saxpy.cu:12: identifier \"foo\" is undefined"))

    def test_gcc_error(self):
        path = os.path.join(course.ROOT, "chapters/01-vector-add/peak.cpp")
        output = "%s:14:3: error: expected ';' before '}' token\n" % path
        self.assertEqual(course.first_error(output)[1],
                         "chapters/01-vector-add/peak.cpp:14: expected ';' before '}' token")

    def test_link_error(self):
        output = "/usr/bin/ld: x.o: in function `f':\nx.cpp:(.text+0x1): undefined reference " \
                 "to `chapter1::vector_add(float const*)'\n"
        self.assertEqual(course.first_error(output)[1],
                         "does not link: undefined reference to chapter1::vector_add(float const*)")


JUNIT = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="x" tests="4">
  <testcase name="ch7.1-cpu" status="run"><system-out>ok</system-out></testcase>
  <testcase name="ch7.1-correctness" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/></testcase>
  <testcase name="ch7.2-correctness" status="fail"><failure message="Failed"/></testcase>
  <testcase name="ch7.2-speed" status="fail"><failure message="Timeout"/></testcase>
  <testcase name="ch7.3-speed" status="notrun">
    <skipped message="Unable to find executable"/></testcase>
</testsuite>
"""


class ResultsTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.build = self.scratch.name
        self.chapter = course.read_declaration(
            write(self.build, "tests/chapter7/exercises.txt", DECLARATION))
        self.results = course.read_junit(write(self.build, "junit.xml", JUNIT))
        # The same tests as the grader supervisor leaves them: a note file and its last line.
        self.supervised = {
            "ch7.1-cpu": supervised(self.build, "ch7.1-cpu", "passed", "",
                                    "FIGURE: 3 TB/s\n"),
            "ch7.1-correctness": supervised(self.build, "ch7.1-correctness", "not graded",
                                            "no GPU: no NVIDIA driver",
                                            "SKIP: no GPU: no NVIDIA driver\n"),
            "ch7.2-correctness": supervised(self.build, "ch7.2-correctness", "failed",
                                            "2 of 9 elements differ",
                                            "FIGURE: 3 TB/s\nFAIL: 2 of 9 elements differ\n"),
        }
        for name, line in self.supervised.items():
            self.results[name].output = "grader output\n" + line + "\n"

    def tearDown(self):
        self.scratch.cleanup()

    def test_statuses(self):
        statuses = {name: r.status for name, r in self.results.items()}
        self.assertEqual(statuses, {"ch7.1-cpu": "passed", "ch7.1-correctness": "skipped",
                                    "ch7.2-correctness": "failed", "ch7.2-speed": "timeout",
                                    "ch7.3-speed": "notrun"})

    def test_a_skip_is_not_graded_never_passed(self):
        row = course.judge(self.chapter.exercises[0], self.build, self.results, {},
                           "no NVIDIA driver")
        self.assertEqual(row.verdict, "NOT GRADED")
        self.assertIn("no GPU: no NVIDIA driver", row.text)
        self.assertIn("cpu passed", row.text)

    def test_failure_reads_the_note(self):
        row = course.judge(self.chapter.exercises[1], self.build, self.results, {}, "")
        self.assertEqual(row.verdict, "FAILED")
        self.assertIn("3 TB/s -- 2 of 9 elements differ", row.text)

    def test_not_graded_in_the_student_build(self):
        # --not-graded-fails: CTest shows the test as failed; the verdict says not graded.
        self.results["ch7.1-correctness"].status = "failed"
        row = course.judge(self.chapter.exercises[0], self.build, self.results, {}, "")
        self.assertEqual((row.verdict, row.text), ("NOT GRADED",
                                                   "no GPU: no NVIDIA driver (cpu passed)"))

    def test_exit_zero_without_a_verdict_is_not_a_pass(self):
        # CTest says passed, but the output has no supervisor's line (a grader run outside the
        # supervisor, or an old build): nothing vouches for it.
        self.results["ch7.1-cpu"].output = "All tests passed\n"
        status, why, _ = course.test_verdict(self.build, "ch7.1-cpu", self.results["ch7.1-cpu"])
        self.assertEqual(status, "failed")
        self.assertIn("no verdict from the grading supervisor", why)

    def test_a_rewritten_note_file_is_not_believed(self):
        # Another test's code rewrote this test's notes after it ended: the digest in CTest's
        # copy of the output no longer matches.
        write(self.build, "course-notes/ch7.2-correctness.txt",
              "FIGURE: 99 TB/s\nVERDICT: passed\n")
        self.results["ch7.2-correctness"].output = self.supervised["ch7.2-correctness"].replace(
            "failed", "passed")
        self.results["ch7.2-correctness"].status = "passed"
        status, why, _ = course.test_verdict(self.build, "ch7.2-correctness",
                                             self.results["ch7.2-correctness"])
        self.assertEqual(status, "failed")
        self.assertIn("note file changed after the test ended", why)

    def test_the_last_verdict_line_counts(self):
        # A grader that prints a forged line earlier in its output does not get it believed.
        forged = supervised(self.build, "forged", "passed")
        result = self.results["ch7.2-correctness"]
        result.output = forged + "\n" + result.output
        self.assertEqual(course.test_verdict(self.build, "ch7.2-correctness", result)[0],
                         "failed")

    def test_a_pass_needs_ctest_to_agree(self):
        # A grader that prints a forged passing line and kills its supervisor: CTest saw the
        # supervisor die.
        result = self.results["ch7.1-cpu"]
        result.status = "failed"
        status, why, _ = course.test_verdict(self.build, "ch7.1-cpu", result)
        self.assertEqual(status, "failed")
        self.assertIn("CTest reports it failed", why)

    def test_time_outs(self):
        line = supervised(self.build, "ch7.2-speed", "failed",
                          "timed out after 10 s in amdahl_speedup (test case \"x\")")
        result = self.results["ch7.2-speed"]
        self.assertEqual(course.test_verdict(self.build, "ch7.2-speed", result)[0], "timeout")
        result.status = "failed"
        result.output = line
        self.assertEqual(course.test_verdict(self.build, "ch7.2-speed", result)[:2],
                         ("timeout", "timed out after 10 s in amdahl_speedup (test case \"x\")"))

    def test_compile_problem_wins(self):
        row = course.judge(self.chapter.exercises[1], self.build, self.results,
                           {"7.2": "DOES NOT COMPILE: second.cu:3: oops"}, "")
        self.assertEqual((row.verdict, row.text), ("DOES NOT COMPILE", "second.cu:3: oops"))

    def test_scoreboard_exit_status(self):
        passed = course.Row(self.chapter.exercises[0], "PASSED", "")
        optional_failed = course.Row(self.chapter.exercises[1], "FAILED", "x")
        self.assertTrue(course.print_scoreboard([passed, optional_failed], named=False))
        self.assertFalse(course.print_scoreboard([passed, optional_failed], named=True))
        not_graded = course.Row(self.chapter.exercises[0], "NOT GRADED", "no GPU")
        self.assertFalse(course.print_scoreboard([not_graded], named=False))


if __name__ == "__main__":
    unittest.main()


class DependenciesTest(unittest.TestCase):
    """What ensure_dependencies installs: required always, wanted only when asked to."""

    def setUp(self):
        self.saved = {name: getattr(course, name)
                      for name in ("probe_dependencies", "can_use_apt", "apt_install", "say")}
        self.installed = []
        self.missing = ["doxygen"]
        course.probe_dependencies = lambda: list(self.missing)
        course.can_use_apt = lambda: True
        course.apt_install = lambda packages: self.installed.extend(packages) or False
        course.say = lambda text: None
        self.no_install = os.environ.pop("COURSE_NO_INSTALL", None)

    def tearDown(self):
        for name, value in self.saved.items():
            setattr(course, name, value)
        if self.no_install is not None:
            os.environ["COURSE_NO_INSTALL"] = self.no_install

    def test_a_missing_wanted_package_is_only_reported_when_not_installing_wanted(self):
        course.ensure_dependencies(["catch2"], ["doxygen"], install_wanted=False)
        self.assertEqual(self.installed, [])

    def test_a_missing_wanted_package_is_installed_by_default(self):
        course.ensure_dependencies(["catch2"], ["doxygen"])
        self.assertIn("doxygen", self.installed)

    def test_a_missing_required_package_is_installed_and_then_fatal(self):
        self.missing = ["catch2", "doxygen"]
        with self.assertRaises(course.CourseError):
            course.ensure_dependencies(["catch2"], ["doxygen"], install_wanted=False)
        self.assertIn(course.PACKAGES["catch2"], self.installed)
        self.assertNotIn("doxygen", self.installed)


class HelpTest(unittest.TestCase):
    def test_help_lists_the_commands_and_explains_one(self):
        import contextlib
        import io
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(course.main(["help"]), 0)
            self.assertEqual(course.main(["help", "grade"]), 0)
        self.assertIn("COMMAND", out.getvalue())
        self.assertIn("--require-gpu", out.getvalue())
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            self.assertEqual(course.main(["help", "nope"]), 2)
        self.assertIn("there is no command 'nope'", errors.getvalue())


class EnvironmentTest(unittest.TestCase):
    """Every COURSE_* variable is checked before anything is built: exit 2 naming it, its value
    and what is allowed (point 5 of issue 15)."""

    def problem(self, **values):
        with mock.patch.dict(os.environ, values):
            try:
                course.check_environment()
            except course.CourseError as error:
                return str(error)
        return ""

    def test_seed(self):
        text = self.problem(COURSE_SEED="abc")
        self.assertIn('COURSE_SEED="abc" is not a valid seed', text)
        self.assertIn("a whole number from 0 to 2^64-1", text)
        for bad in ("", "-1", "+1", " 1", "1_000", "1.5", "18446744073709551616", "0x10"):
            self.assertIn("COURSE_SEED=", self.problem(COURSE_SEED=bad), bad)
        for good in ("0", "007", "12345", "18446744073709551615"):
            self.assertEqual(self.problem(COURSE_SEED=good), "", good)

    def test_switches_numbers_and_paths(self):
        self.assertIn('COURSE_REQUIRE_GPU="yes" is not a valid switch: 1',
                      self.problem(COURSE_REQUIRE_GPU="yes"))
        self.assertIn('COURSE_NO_INSTALL="true"', self.problem(COURSE_NO_INSTALL="true"))
        self.assertIn('COURSE_JOBS="0" is not a valid number of parallel jobs',
                      self.problem(COURSE_JOBS="0"))
        self.assertIn('COURSE_SUBMISSION_MAX_MB="lots"',
                      self.problem(COURSE_SUBMISSION_MAX_MB="lots"))
        self.assertIn('COURSE_FILE_LIMIT_MB="-5"', self.problem(COURSE_FILE_LIMIT_MB="-5"))
        # setrlimit would overflow on this one: refused here, not in a child process
        self.assertIn("COURSE_BUILD_MEMORY_GB", self.problem(COURSE_BUILD_MEMORY_GB="1" + "0" * 30))
        self.assertIn("COURSE_UNDER_SANITIZER", self.problem(COURSE_UNDER_SANITIZER="1"))
        self.assertIn("COURSE_NOTE_FILE", self.problem(COURSE_NOTE_FILE="/tmp/x"))
        with tempfile.NamedTemporaryFile() as a_file:
            self.assertIn("COURSE_IMAGE_DIR", self.problem(COURSE_IMAGE_DIR=a_file.name))
        for good in ({"COURSE_REQUIRE_GPU": "1"}, {"COURSE_REQUIRE_GPU": ""},
                     {"COURSE_NO_INSTALL": "0"}, {"COURSE_JOBS": "3"},
                     {"COURSE_SUBMISSION_MAX_MB": "5"}, {"COURSE_IMAGE_DIR": "/nonexistent/x"}):
            self.assertEqual(self.problem(**good), "", good)
        both = self.problem(COURSE_SEED="x", COURSE_JOBS="y")
        self.assertIn("COURSE_SEED", both)
        self.assertIn("COURSE_JOBS", both)

    def test_values(self):
        with mock.patch.dict(os.environ, {"COURSE_JOBS": "3", "COURSE_FILE_LIMIT_MB": ""}):
            self.assertEqual(course.jobs(), 3)
            self.assertEqual(course.setting("COURSE_FILE_LIMIT_MB"), 1024)  # empty: the default
        with mock.patch.dict(os.environ, {"COURSE_JOBS": "three"}):
            with self.assertRaisesRegex(course.CourseError, 'COURSE_JOBS="three"'):
                course.jobs()

    def test_a_typo_is_warned_about(self):
        errors = io.StringIO()
        with mock.patch.dict(os.environ, {"COURSE_SEEED": "5", "COURSE_WHAT": "1"}), \
                contextlib.redirect_stderr(errors):
            course.check_environment()
        self.assertIn("COURSE_SEEED is not a variable the course reads: did you mean COURSE_SEED?",
                      errors.getvalue())
        self.assertNotIn("COURSE_WHAT", errors.getvalue())  # the workflow's: not a typo

    def test_grade_refuses_before_building(self):
        called = []
        errors = io.StringIO()
        with mock.patch.dict(os.environ, {"COURSE_SEED": "abc"}), \
                mock.patch.object(course, "find_toolchain", lambda: called.append("toolchain")), \
                mock.patch.object(course, "configure", lambda *a: called.append("configure")), \
                contextlib.redirect_stderr(errors):
            self.assertEqual(course.main(["grade", "2.2"]), 2)
            self.assertEqual(course.main(["test"]), 2)
        self.assertEqual(called, [])
        self.assertIn('COURSE_SEED="abc" is not a valid seed', errors.getvalue())

    def test_importing_never_fails_on_a_bad_value(self):
        # The classroom module read its limits with int() at import: every command crashed.
        environment = dict(os.environ, COURSE_SUBMISSION_MAX_MB="abc",
                           COURSE_FILE_LIMIT_MB="x", COURSE_BUILD_MEMORY_GB="1.5")
        tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        imported = subprocess.run(
            [sys.executable, "-c", "import sys; sys.path.insert(0, %r); import course, "
             "course_classroom, course_cluster" % tools], env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        self.assertEqual(imported.returncode, 0, imported.stdout)
        listed = subprocess.run([sys.executable, os.path.join(tools, "course.py"), "list"],
                                env=environment, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(listed.returncode, 2)
        self.assertIn('COURSE_SUBMISSION_MAX_MB="abc"', listed.stderr)
        self.assertNotIn("Traceback", listed.stderr)

    def test_flags_are_checked_by_argparse(self):
        for argv, name in ((["grade", "--submission", "x", "--timeout", "0"], "--timeout"),
                           (["grade", "--submission", "x", "--build-timeout", "-1"],
                            "--build-timeout"),
                           (["grade-class", "x", "--time-limit", "abc"], "--time-limit"),
                           (["grade-class", "x", "--cpus-per-task", "0"], "--cpus-per-task"),
                           (["grade-class", "x", "--max-parallel", "-2"], "--max-parallel"),
                           (["grade-class", "x", "--sbatch-option", "--mem=1G\nrm -rf ~"],
                            "--sbatch-option"),
                           (["grade-class", "x", "--partition", "a\nb"], "--partition"),
                           (["grade-class", "x", "--grader-user", "Root;x"], "--grader-user"),
                           (["grade-sandboxed", "x", "--result", "r", "--time-limit", "-1"],
                            "--time-limit"),
                           (["watch", "--interval", "nan"], "--interval")):
            errors = io.StringIO()
            with contextlib.redirect_stderr(errors), self.assertRaises(SystemExit) as caught:
                course.main(argv)
            self.assertEqual(caught.exception.code, 2, argv)
            self.assertIn("argument %s" % name, errors.getvalue())
            self.assertIn("is not allowed", errors.getvalue())


class ScoreboardPointsTest(unittest.TestCase):
    """Optional points never push a total past its maximum: required points out of their
    maximum, optional ones apart, named or not."""

    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.chapter = course.read_declaration(
            write(self.scratch.name, "tests/chapter7/exercises.txt", DECLARATION))

    def tearDown(self):
        self.scratch.cleanup()

    def scoreboard(self, verdicts, named):
        out = io.StringIO()
        rows = [course.Row(e, v, "") for e, v in zip(self.chapter.exercises, verdicts)]
        with contextlib.redirect_stdout(out):
            ok = course.print_scoreboard(rows, named)
        return ok, out.getvalue()

    def test_optional_points_are_shown_apart(self):
        ok, text = self.scoreboard(["PASSED", "PASSED"], named=False)
        self.assertTrue(ok)
        self.assertIn("(10/10 points)", text)  # the chapter: 7.2 (optional, 5) not added
        self.assertIn("Total: 1 of 1 required exercises passed, 10/10 points; "
                      "optional: 1 of 1 passed, 5/5 points", text)
        self.assertNotIn("15/10", text)

    def test_named_optional_exercises_count_but_their_points_stay_apart(self):
        ok, text = self.scoreboard(["FAILED", "PASSED"], named=True)
        self.assertFalse(ok)
        self.assertIn("Total: 1 of 2 selected exercises passed, 0/10 points; "
                      "optional 5/5 points", text)

    def test_describe_points(self):
        self.assertEqual(course.describe_points({"points": 45, "max_points": 60}),
                         "45/60 points")
        self.assertEqual(course.describe_points(
            {"points": 45, "max_points": 60, "optional_points": 10, "optional_max_points": 25}),
            "45/60 points, optional 10/25")


@unittest.skipUnless(os.path.exists(os.path.join(course.ROOT, ".ci", "run")),
                     "a student release has no CI scripts")
class ContinuousIntegrationTest(unittest.TestCase):
    """.ci/run on a fresh machine: the project's own set-up installs what CI needs before any
    step configures CMake (issue 15: the CUDA 12 step needed Catch2 before ./course test
    installed it); the scripts' own switches are checked before they do anything."""

    def test_setup_comes_before_every_step_that_builds(self):
        with open(os.path.join(course.ROOT, ".ci", "run"), encoding="utf-8") as handle:
            steps = [line.strip() for line in handle
                     if line.strip() and not line.strip().startswith("#")]
        setup = steps.index("./course setup")
        for step in (".ci/cuda12-build", "./course test", "slurm_e2e.sh"):
            first = min(i for i, line in enumerate(steps) if step in line)
            self.assertLess(setup, first, step)

    def test_setup_installs_every_package(self):
        asked = []

        class Stop(Exception):
            pass

        def ensure(required, wanted, install_wanted=True):
            asked.append((set(required) | set(wanted), install_wanted))
            raise Stop()
        with mock.patch.object(course, "find_toolchain", lambda: None), \
                mock.patch.object(course, "ensure_dependencies", ensure), \
                self.assertRaises(Stop):
            course.command_setup(None)
        self.assertEqual(asked, [(set(course.PACKAGES), True)])

    def test_scripts_refuse_bad_switches_first(self):
        for script, variable, value in (("tools/tests/slurm_e2e.sh", "COURSE_SLURM_KEEP", "2"),
                                        ("tools/tests/slurm_e2e.sh", "COURSE_SLURM_OPTIONAL",
                                         "yes"),
                                        (".ci/cuda12-build", "COURSE_CUDA12_OPTIONAL", "yes"),
                                        (".ci/cuda12-build", "COURSE_CUDA12_CUBLAS", "maybe"),
                                        (".ci/cuda12-build", "COURSE_JOBS", "0")):
            run = subprocess.run(["bash", os.path.join(course.ROOT, script)],
                                 env=dict(os.environ, **{variable: value}),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True, timeout=60)
            self.assertEqual(run.returncode, 2, (script, variable, run.stdout))
            self.assertIn('%s="%s" is not allowed' % (variable, value), run.stdout)
