"""Unit tests of the leak check (tools/course_leaks.py): a solution's function body planted in a
shipped file is found and both files are named, whatever its layout, comments or names; short
bodies and bodies the exercise's skeleton gives are not reported. No build, no GPU:
python3 -m unittest discover -s tools/tests"""

import contextlib
import io
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course_leaks as leaks  # noqa: E402
from fixtures import write  # noqa: E402

SOLUTION = """\
    // 3.3, step 2 (a made-up solution file for these tests).
    #include "chapter3.hpp"

    namespace {

    constexpr unsigned kFullMask = 0xFFFFFFFFu;

    // The sum of `value` over the warp's 32 lanes, in lane 0.
    __device__ float warp_sum(float value) {
      for (int offset = 16; offset > 0; offset /= 2)
        value += __shfl_down_sync(kFullMask, value, offset);
      return value;
    }

    int add(int a, int b) { return a + b; }

    }  // namespace

    namespace chapter3 {

    float given_helper(const float* x, int n) {
      float total = 0.0f;
      for (int i = 0; i < n; ++i)
        total += x[i] * x[i];
      return total;
    }

    }  // namespace chapter3
"""

SKELETON = """\
    // 3.3, step 2: the skeleton.
    #include "chapter3.hpp"

    namespace {

    __device__ float warp_sum(float value) {
      COURSE_TODO("3.3", "the warp's sum");
    }

    }  // namespace

    namespace chapter3 {

    // Given: you need not write this one.
    float given_helper(const float* x, int n) {
      float total = 0.0f;
      for (int i = 0; i < n; ++i)
        total += x[i] * x[i];
      return total;
    }

    }  // namespace chapter3
"""

GRADER = """\
    // A grader with nothing of the solution in it.
    #include "grading.hpp"

    TEST_CASE("3.3 the sum", "[3.3][correctness]") {
      const int n = 1000;
      REQUIRE(n > 0);
    }
"""

# The solution's warp_sum, laid out differently, commented, with other names and the mask written
# as a number: still the same body.
DISGUISED = """\
    // A grader that hides a copy of 3.3's warp reduction.
    #include "grading.hpp"

    __device__ float reduce_lanes(float v) {
      for (int step = 16;
           step > 0;   // halve until one lane is left
           step /= 2)
        v += __shfl_down_sync(0xffffffffu, /* every lane */ v, step);
      return v;
    }
"""


def dedent(text):
    return textwrap.dedent(text)


class TokenizeTest(unittest.TestCase):
    def test_comments_whitespace_and_preprocessor_lines_do_not_count(self):
        first = leaks.tokenize("#include <x>\nint f(int a) {  // one\n  return a /* two */ + 1;\n}")
        second = leaks.tokenize("int f(int a){return a+1;}")
        self.assertEqual([t.text for t in first], [t.text for t in second])
        self.assertEqual(first[0].line, 2)  # the #include line is skipped, lines still counted

    def test_a_continued_preprocessor_line_is_skipped_whole(self):
        tokens = leaks.tokenize("#define TWICE(x) \\\n  ((x) + (x))\nint y;")
        self.assertEqual([t.text for t in tokens], ["int", "y", ";"])
        self.assertEqual(tokens[0].line, 3)

    def test_strings_are_single_tokens_and_not_renamable(self):
        tokens = leaks.tokenize('f("a // not a comment", \'x\');')
        self.assertIn('"a // not a comment"', [t.text for t in tokens])
        self.assertFalse(any(t.operand for t in tokens if t.text.startswith(("'", '"'))))

    def test_names_and_numbers_are_operands_keywords_are_not(self):
        tokens = {t.text: t.operand for t in leaks.tokenize("for (int i = 0; i < n; ++i) x[i] = threadIdx.x;")}
        self.assertTrue(tokens["i"])
        self.assertTrue(tokens["0"])
        self.assertFalse(tokens["for"])
        self.assertFalse(tokens["int"])
        self.assertFalse(tokens["threadIdx"])

    def test_a_shift_and_two_closing_angle_brackets_are_alike(self):
        self.assertEqual([t.text for t in leaks.tokenize("a >> b")], ["a", ">", ">", "b"])
        self.assertEqual(leaks.tokenize("1'000'000")[0].text, "1000000")
        self.assertEqual(leaks.tokenize("2.0F")[0].text, "2.0f")

    def test_prose_does_not_break_it(self):
        tokens = leaks.tokenize("Don't panic: it's \"fine\n# a heading\nand `x = y + 1;` works")
        self.assertIn("x", [t.text for t in tokens])


class FunctionBodiesTest(unittest.TestCase):
    def bodies(self, text):
        return leaks.function_bodies("f.cu", leaks.tokenize(dedent(text)))

    def test_functions_kernels_lambdas_and_methods_but_no_statements_or_classes(self):
        found = self.bodies("""\
            namespace n {
            struct S {
              int get() const noexcept { return value; }
              int value = 0;
            };
            __global__ void __launch_bounds__(256) kernel(float* x) {
              if (threadIdx.x == 0) { x[0] = 1; }
              for (int i = 0; i < 4; ++i) { x[i] = 2; }
              while (false) { }
              auto twice = [&](int y) { return 2 * y; };
            }
            auto trailing(int a) -> int { return a; }
            bool operator==(const S& a, const S& b) { return a.value == b.value; }
            }  // namespace n
            """)
        self.assertEqual([b.name for b in found],
                         ["get", "kernel", "lambda", "trailing", "operator=="])
        kernel = found[1]
        self.assertEqual(kernel.line, 6)
        self.assertEqual(kernel.tokens[0].text, "if")
        self.assertEqual(kernel.tokens[-1].text, ";")


class CheckTest(unittest.TestCase):
    def check(self, shipped, solutions=None, min_tokens=leaks.DEFAULT_MIN_TOKENS):
        solutions = solutions or {"solutions/03-memory/reduction.cu": dedent(SOLUTION)}
        files = {"chapters/03-memory/reduction.cu": dedent(SKELETON),
                 "tests/chapter3/grade_reduction.cpp": dedent(GRADER)}
        files.update({path: dedent(text) for path, text in shipped.items()})
        return leaks.check(solutions, files, min_tokens)

    def test_nothing_planted_nothing_found(self):
        report = self.check({})
        self.assertEqual(report.leaks, [])
        self.assertIn("no solution code in the release", report.summary())
        self.assertEqual(report.compared, 2)  # warp_sum and given_helper; add is too short
        self.assertEqual(report.given, 1)     # given_helper: the skeleton has it
        self.assertEqual(report.short, 1)

    def test_a_planted_body_is_found_naming_both_files_and_lines(self):
        grader = GRADER + """
            __device__ float warp_sum(float value) {
              for (int offset = 16; offset > 0; offset /= 2)
                value += __shfl_down_sync(kFullMask, value, offset);
              return value;
            }
            """
        report = self.check({"tests/chapter3/grade_reduction.cpp": grader})
        self.assertEqual(len(report.leaks), 1)
        message = report.leaks[0].describe()
        self.assertIn("solutions/03-memory/reduction.cu:9", message)
        self.assertIn("warp_sum", message)
        self.assertIn("tests/chapter3/grade_reduction.cpp:10", message)
        self.assertIn("1 leak", report.summary())

    def test_layout_comments_and_consistent_renaming_do_not_hide_it(self):
        report = self.check({"tests/chapter5/roofline_kernels.cu": DISGUISED})
        self.assertEqual([(l.body.name, l.shipped_path) for l in report.leaks],
                         [("warp_sum", "tests/chapter5/roofline_kernels.cu")])

    def test_an_inconsistent_renaming_is_another_body(self):
        # Two different names of the solution become one: not the same code.
        other = DISGUISED.replace("v += __shfl_down_sync(0xffffffffu, /* every lane */ v, step)",
                                  "v += __shfl_down_sync(0xffffffffu, step, step)")
        self.assertEqual(self.check({"tests/chapter5/roofline_kernels.cu": other}).leaks, [])

    def test_a_short_body_is_not_reported(self):
        report = self.check({"tests/chapter3/helpers.cpp": "int plus(int x, int y) { return x + y; }"})
        self.assertEqual(report.leaks, [])
        # ... unless the minimum length says so.
        report = self.check({"tests/chapter3/helpers.cpp": "int plus(int x, int y) { return x + y; }"},
                            min_tokens=4)
        self.assertEqual([l.body.name for l in report.leaks], ["add"])

    def test_a_body_the_skeleton_gives_is_not_reported_anywhere(self):
        copy = """\
            float sum_of_squares(const float* data, int count) {
              float total = 0.0f;
              for (int i = 0; i < count; ++i)
                total += data[i] * data[i];
              return total;
            }
            """
        self.assertEqual(self.check({"tests/chapter3/grade_reduction.cpp": copy}).leaks, [])

    def test_another_chapters_skeleton_is_a_shipped_file_like_any_other(self):
        later = "// Chapter 5 gives 3.3's answer away:\n" + dedent(DISGUISED)
        report = self.check({"chapters/05-profiling/app.cu": later})
        self.assertEqual([l.shipped_path for l in report.leaks], ["chapters/05-profiling/app.cu"])

    def test_a_lesson_that_prints_the_body_is_found(self):
        lesson = """\
            # Reductions

            The warp's sum, in five steps:

                for (int offset = 16; offset > 0; offset /= 2)
                  value += __shfl_down_sync(kFullMask, value, offset);
                return value;

            That's all.
            """
        report = self.check({"chapters/03-memory/README.md": lesson})
        self.assertEqual([(l.shipped_path, l.shipped_line) for l in report.leaks],
                         [("chapters/03-memory/README.md", 5)])

    def test_files_that_cannot_hold_code_are_not_read(self):
        report = self.check({"chapters/03-memory/picture.svg": DISGUISED})
        self.assertEqual(report.leaks, [])


class CommandTest(unittest.TestCase):
    """The command line, on a small course: its solutions, and a release or a tree to check."""

    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.directory.name, "course")
        write(self.root, "solutions/03-memory/reduction.cu", SOLUTION)
        write(self.root, "chapters/03-memory/reduction.cu", SKELETON)
        write(self.root, "tests/chapter3/grade_reduction.cpp", GRADER)
        write(self.root, "tools/release-exclude.txt", "solutions/\ntests/chapter*/wrong/\n")
        # A known-wrong variant quotes the solution: it is never released, so it is no leak.
        write(self.root, "tests/chapter3/wrong/warp_sum_wrong.wrong", SOLUTION)
        self.release = os.path.join(self.directory.name, "release")
        write(self.release, "chapters/03-memory/reduction.cu", SKELETON)
        write(self.release, "tests/chapter3/grade_reduction.cpp", GRADER)

    def tearDown(self):
        self.directory.cleanup()

    def run_main(self, *arguments):
        output = io.StringIO()
        errors = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            status = leaks.main(["--root", self.root] + list(arguments))
        return status, output.getvalue() + errors.getvalue()

    def test_a_clean_release_passes(self):
        status, output = self.run_main("--release", self.release)
        self.assertEqual(status, 0, output)
        self.assertIn("compared 2 function bodies of 1 solution files with 2 shipped files", output)

    def test_a_release_with_a_planted_body_fails_naming_both_files(self):
        write(self.release, "tests/chapter5/roofline_kernels.cu", DISGUISED)
        status, output = self.run_main("--release", self.release)
        self.assertEqual(status, 1, output)
        self.assertIn("LEAK: solutions/03-memory/reduction.cu:9: the body of warp_sum", output)
        self.assertIn("tests/chapter5/roofline_kernels.cu:5", output)

    def test_the_tree_is_checked_as_the_release_would_ship_it(self):
        status, output = self.run_main()
        self.assertEqual(status, 0, output)  # the wrong variant is not shipped
        write(self.root, "tests/chapter3/helpers.cu", DISGUISED)
        status, output = self.run_main()
        self.assertEqual(status, 1, output)
        self.assertIn("tests/chapter3/helpers.cu:5", output)

    def test_release_check_reports_a_leak_as_a_problem(self):
        # ./course release DIR --check runs the same check against the course's solutions.
        import course
        import course_classroom
        saved = course.ROOT
        course.ROOT = self.root
        try:
            with contextlib.redirect_stdout(io.StringIO()) as output:
                self.assertEqual(course_classroom.release_leaks(self.release), [])
                write(self.release, "docs/notes.md", "Look:\n\n" + textwrap.indent(
                    dedent(DISGUISED), "    "))
                problems = course_classroom.release_leaks(self.release)
        finally:
            course.ROOT = saved
        self.assertEqual(len(problems), 1, output.getvalue())
        self.assertIn("solutions/03-memory/reduction.cu:9", problems[0])
        self.assertIn("docs/notes.md:7", problems[0])
        self.assertIn("leak check: compared 2 function bodies", output.getvalue())

    def test_no_solutions_is_an_error_that_says_so(self):
        status, output = self.run_main("--root", self.release)
        self.assertEqual(status, 2)
        self.assertIn("has no solutions/ folder", output)

    def test_a_missing_release_folder_is_an_error_that_says_so(self):
        status, output = self.run_main("--release", os.path.join(self.directory.name, "nowhere"))
        self.assertEqual(status, 2)
        self.assertIn("is not a folder", output)


if __name__ == "__main__":
    unittest.main()
