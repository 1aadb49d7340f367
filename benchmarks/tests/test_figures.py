"""Unit tests of benchmarks/figures.py on synthetic data (no GPU, no build):
python3 -m unittest discover -s benchmarks/tests"""

import contextlib
import io
import json
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import figures  # noqa: E402

CONTEXT = {
    "date": "2026-11-21T10:11:12+00:00", "host_name": "gpu-host", "num_cpus": 16,
    "library_build_type": "release", "course_exercises": "solutions",
    "os": "Ubuntu 24.04.1 LTS", "cuda_runtime": "13.0", "cuda_driver_supports": "13.0",
    "nvidia_driver": "580.159.04", "gpu": "NVIDIA H200 (cc 9.0, 132 SMs, 140.4 GiB)",
    "gpu_name": "NVIDIA H200", "gpu_compute_capability": "9.0", "gpu_sm_count": "132",
    "gpu_memory_MiB": "143771", "copy_bandwidth_GBps": "4160",
}


def run(name, real_time, unit="us", label=None, bytes_per_second=None, items_per_second=None,
        **extra):
    entry = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
             "iterations": 100, "real_time": real_time, "cpu_time": real_time, "time_unit": unit}
    if label:
        entry["label"] = label
    if bytes_per_second is not None:
        entry["bytes_per_second"] = bytes_per_second
    if items_per_second is not None:
        entry["items_per_second"] = items_per_second
    entry.update(extra)
    return entry


BENCHMARKS = [
    run("BM_cpu_saxpy/1048576", 288.0, label="2^20 floats", bytes_per_second=4.37e10),
    run("BM_cpu_saxpy/67108864", 41246.0, label="2^26 floats", bytes_per_second=1.95e10,
        items_per_second=1.63e9),
    run("BM_gpu_saxpy/1048576/manual_time", 5.1, label="2^20 floats", bytes_per_second=2.4e12),
    run("BM_gpu_saxpy/67108864/manual_time", 305.0, label="2^26 floats",
        bytes_per_second=2.64e12, items_per_second=2.2e11),
    run("BM_gpu_mandelbrot/2048/manual_time", 133.0, label="2048 x 2048 pixels",
        items_per_second=3.16e10),
]

JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Linux-c++" tests="7" failures="1" disabled="0" skipped="1" hostname="" time="0">
  <testcase name="ch2.1-correctness" classname="ch2.1-correctness" time="1" status="run"/>
  <testcase name="ch2.1-speed" classname="ch2.1-speed" time="3" status="run"/>
  <testcase name="ch2.3-speed" classname="ch2.3-speed" time="3" status="fail">
    <failure message="Failed"/>
  </testcase>
  <testcase name="ch1.2-speed" classname="ch1.2-speed" time="3" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
  </testcase>
  <testcase name="selftest.skeleton.ch2.1-correctness" classname="x" time="1" status="run"/>
  <testcase name="selftest.wrong.norm-on-host.ch2.5-speed" classname="x" time="1" status="run"/>
  <testcase name="selftest.wrong.gray-x-y-swapped.ch2.2-correctness" classname="x" time="1"
            status="run"/>
</testsuite>
"""

NOTES = {
    "ch2.1-speed.txt": "FIGURE: bandwidth as % of a device-to-device copy (3.38 TB/s of 4.17 TB/s): "
                       "81.1 % (required >= 60)\n",
    "ch2.3-speed.txt": "FIGURE: mandelbrot 2048 x 2048, 256 iterations: 0.132 ms on the GPU\n"
                       "FAIL: too slow; try <this> | that\n",
    "ch2.1-correctness.txt": "",
    "ch1.2-speed.txt": "FIGURE: chapter 1's figure (required >= 50)\n",
    "selftest.wrong.norm-on-host.ch2.5-speed.txt":
        "FIGURE: thrust_norm bandwidth: 0.038 % (required >= 50)\nFAIL: too slow\n",
    "selftest.wrong.gray-x-y-swapped.ch2.2-correctness.txt":
        "FAIL: rgb_to_gray: 1000 of 1000 pixels differ; first at (0, 1)\n",
}

PAGE = textwrap.dedent("""\
    # Chapter 2 results {#results}

    Prose that stays, with a number typed by a person: 42.

    <!-- figures:machine chapter=2 begin -->
    old machine text
    <!-- figures:machine chapter=2 end -->

    ## Benchmarks

    <!-- figures:benchmarks chapter=2 begin -->

    | old | table |
    |---|---|

    <!-- figures:benchmarks chapter=2 end -->

    Closing prose.
    """)


class ResultsDirectory:
    """A temporary reproduce.sh output directory with synthetic data."""

    def __init__(self, context=None, benchmarks=None, junit=JUNIT, notes=None):
        self.temporary = tempfile.TemporaryDirectory(prefix="figures-test-")
        self.path = self.temporary.name
        self.write("benchmarks-2.json", json.dumps({
            "context": CONTEXT if context is None else context,
            "benchmarks": BENCHMARKS if benchmarks is None else benchmarks}))
        if junit is not None:
            self.write("suite-junit.xml", junit)
        for name, text in (NOTES if notes is None else notes).items():
            self.write(os.path.join("course-notes", name), text)

    def write(self, relative, text):
        path = os.path.join(self.path, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def close(self):
        self.temporary.cleanup()


def rewrite(page, directory, **options):
    return figures.rewrite_page(page, "page.md", figures.Results(directory.path), **options)


def quiet_main(arguments):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        status = figures.main(arguments)
    return status, err.getvalue()


class FormattingTest(unittest.TestCase):
    def test_significant_digits_without_exponent(self):
        self.assertEqual(figures.significant(57.8123), "57.8")
        self.assertEqual(figures.significant(0.13), "0.130")
        self.assertEqual(figures.significant(4291.7), "4292")
        self.assertEqual(figures.significant(3.404), "3.40")

    def test_time_in_a_readable_unit(self):
        self.assertEqual(figures.format_time(237.0, "us"), "237 us")
        self.assertEqual(figures.format_time(57812.0, "us"), "57.8 ms")
        self.assertEqual(figures.format_time(1234.0, "ms"), "1.23 s")
        self.assertEqual(figures.format_time(950.0, "ns"), "950 ns")
        with self.assertRaises(figures.FiguresError):
            figures.format_time(1.0, "fortnights")

    def test_rates_in_decimal_units(self):
        self.assertEqual(figures.format_rate(3.404e12, "B/s"), "3.40 TB/s")
        self.assertEqual(figures.format_rate(1.39e10, "B/s"), "13.9 GB/s")
        self.assertEqual(figures.format_rate(3.16e10), "31.6 G")
        self.assertEqual(figures.format_rate(12.0), "12.0")

    def test_cells_cannot_break_the_table_or_start_doxygen_commands(self):
        self.assertEqual(figures.cell("a | b"), "a \\| b")
        self.assertEqual(figures.cell("vector<float> & more"), "vector&lt;float&gt; &amp; more")
        self.assertEqual(figures.cell("@ref x \\n #name 2*n _x_"),
                         "\\@ref x \\\\n \\#name 2\\*n \\_x\\_")
        self.assertEqual(figures.cell("two\nlines"), "two lines")


class MarkerTest(unittest.TestCase):
    def setUp(self):
        self.results = ResultsDirectory()

    def tearDown(self):
        self.results.close()

    def assert_refused(self, page, fragment):
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(page, self.results)
        self.assertIn(fragment, str(raised.exception))

    def test_unknown_kind(self):
        self.assert_refused("<!-- figures:tables chapter=2 begin -->\n"
                            "<!-- figures:tables chapter=2 end -->\n", "unknown block kind")

    def test_missing_end(self):
        self.assert_refused("<!-- figures:machine chapter=2 begin -->\ntext\n", "no end marker")

    def test_nested_blocks(self):
        self.assert_refused("<!-- figures:machine chapter=2 begin -->\n"
                            "<!-- figures:benchmarks chapter=2 begin -->\n", "begins inside")

    def test_end_of_another_block(self):
        self.assert_refused("<!-- figures:machine chapter=2 begin -->\n"
                            "<!-- figures:machine chapter=1 end -->\n", "matches no begin")

    def test_malformed_marker(self):
        self.assert_refused("<!-- figures:machine chapter=2 start -->\n", "malformed marker")

    def test_chapter_is_required(self):
        self.assert_refused("<!-- figures:machine begin -->\n<!-- figures:machine end -->\n",
                            "needs chapter=N")


class RewriteTest(unittest.TestCase):
    def setUp(self):
        self.results = ResultsDirectory()

    def tearDown(self):
        self.results.close()

    def test_only_the_blocks_change(self):
        new = rewrite(PAGE, self.results)
        def outside(text):
            return [line for line in text.split("\n") if not line.startswith("|") and line.strip()]

        self.assertNotIn("old machine text", new)
        self.assertNotIn("| old | table |", new)
        for line in ("# Chapter 2 results {#results}", "Prose that stays, with a number typed by a "
                     "person: 42.", "## Benchmarks", "Closing prose.",
                     "<!-- figures:machine chapter=2 begin -->",
                     "<!-- figures:benchmarks chapter=2 end -->"):
            self.assertIn(line, outside(new))
        self.assertTrue(new.endswith("Closing prose.\n"))

    def test_rewriting_twice_changes_nothing(self):
        once = rewrite(PAGE, self.results)
        self.assertEqual(rewrite(once, self.results), once)

    def test_machine_from_the_json_context(self):
        new = rewrite(PAGE, self.results)
        self.assertIn("Measured on 2026-11-21: NVIDIA H200 (compute capability 9.0, 132 SMs, "
                      "143771 MiB), NVIDIA driver 580.159.04, CUDA runtime 13.0 (the driver "
                      "supports CUDA 13.0), Ubuntu 24.04.1 LTS", new)
        self.assertIn("4160 GB/s", new)

    def test_benchmarks_largest_size_per_family(self):
        new = rewrite(PAGE, self.results)
        self.assertIn("| `BM_cpu_saxpy` | 2^26 floats | 41.2 ms | 19.5 GB/s | 1.63 G |", new)
        self.assertIn("| `BM_gpu_saxpy` | 2^26 floats | 305 us | 2.64 TB/s | 220 G |", new)
        self.assertIn("| `BM_gpu_mandelbrot` | 2048 x 2048 pixels | 133 us |  | 31.6 G |", new)
        self.assertNotIn("2^20 floats", new)

    def test_benchmarks_every_size(self):
        page = PAGE.replace("benchmarks chapter=2 begin", "benchmarks chapter=2 sizes=all begin") \
                   .replace("benchmarks chapter=2 end", "benchmarks chapter=2 sizes=all end")
        new = rewrite(page, self.results)
        self.assertIn("| `BM_cpu_saxpy` | 2^20 floats | 288 us | 43.7 GB/s |  |", new)
        self.assertIn("| `BM_cpu_saxpy` | 2^26 floats |", new)

    def test_counters_become_columns(self):
        benchmarks = [dict(entry) for entry in BENCHMARKS]
        benchmarks[3]["pct_of_copy"] = 91.234
        self.results.write("benchmarks-2.json", json.dumps({"context": CONTEXT,
                                                             "benchmarks": benchmarks}))
        page = PAGE.replace("benchmarks chapter=2 begin",
                            "benchmarks chapter=2 counters=pct_of_copy,pct_of_cub begin") \
                   .replace("benchmarks chapter=2 end",
                            "benchmarks chapter=2 counters=pct_of_copy,pct_of_cub end")
        text = rewrite(page, self.results)
        self.assertIn("| items/s | % of copy | % of CUB |", text)
        self.assertIn("| `BM_gpu_saxpy` | 2^26 floats | 305 us | 2.64 TB/s | 220 G | 91.2 |  |",
                      text)

    def test_peers_come_from_their_own_file(self):
        context = dict(CONTEXT, course_exercises="none: library peers")
        peers = [run("BM_torch_transpose/8192/8192/manual_time", 700.0,
                     label="8192 x 8192 floats", bytes_per_second=9.5e11, pct_of_copy=32.0)]
        self.results.write("peers-2.json", json.dumps({"context": context, "benchmarks": peers}))
        page = PAGE.replace("benchmarks chapter=2 begin",
                            "benchmarks chapter=2 data=peers counters=pct_of_copy begin") \
                   .replace("benchmarks chapter=2 end",
                            "benchmarks chapter=2 data=peers counters=pct_of_copy end")
        text = rewrite(page, self.results)
        self.assertIn("| `BM_torch_transpose` | 8192 x 8192 floats | 700 us | 950 GB/s |  | 32.0 |",
                      text)
        self.assertNotIn("BM_gpu_saxpy", text)

    def test_missing_peers_say_how_to_measure_them(self):
        page = PAGE.replace("benchmarks chapter=2 begin", "benchmarks chapter=2 data=peers begin") \
                   .replace("benchmarks chapter=2 end", "benchmarks chapter=2 data=peers end")
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(page, self.results)
        self.assertIn("benchmarks/peers.py --chapter 2", str(raised.exception))

    def test_repetitions_show_the_median(self):
        median = run("BM_gpu_mandelbrot/2048/manual_time", 140.0, label="2048 x 2048 pixels",
                     items_per_second=3.0e10, run_type="aggregate", aggregate_name="median")
        median["name"] = "BM_gpu_mandelbrot/2048/manual_time_median"
        mean = dict(median, name="BM_gpu_mandelbrot/2048/manual_time_mean", aggregate_name="mean",
                    real_time=999.0)
        self.results.write("benchmarks-2.json", json.dumps(
            {"context": CONTEXT, "benchmarks": BENCHMARKS + [mean, median]}))
        new = rewrite(PAGE, self.results)
        self.assertIn("| `BM_gpu_mandelbrot` | 2048 x 2048 pixels | 140 us |", new)
        self.assertNotIn("999", new)

    def test_a_benchmark_error_stops_unless_allowed(self):
        failed = run("BM_gpu_box_blur/4096/manual_time", 0.0, error_occurred=True,
                     error_message="wrong result: output[7] = 3, expected 4")
        self.results.write("benchmarks-2.json", json.dumps(
            {"context": CONTEXT, "benchmarks": BENCHMARKS + [failed]}))
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(PAGE, self.results)
        self.assertIn("wrong result: output[7]", str(raised.exception))
        new = rewrite(PAGE, self.results, allow_errors=True)
        self.assertIn("| `BM_gpu_box_blur` | 4096 | error: wrong result: output[7] = 3, expected 4",
                      new)

    def test_a_run_without_a_gpu_is_refused(self):
        context = {key: value for key, value in CONTEXT.items() if not key.startswith("gpu")}
        context["gpu"] = "no GPU: no usable CUDA GPU"
        self.results.write("benchmarks-2.json", json.dumps({"context": context,
                                                             "benchmarks": BENCHMARKS}))
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(PAGE, self.results)
        self.assertIn("not measured on a GPU (no GPU: no usable CUDA GPU)", str(raised.exception))

    def test_the_students_exercises_are_refused(self):
        self.results.write("benchmarks-2.json", json.dumps(
            {"context": dict(CONTEXT, course_exercises="chapters"), "benchmarks": BENCHMARKS}))
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(PAGE, self.results)
        self.assertIn("'chapters' exercises", str(raised.exception))

    def test_graders_from_the_notes(self):
        page = ("<!-- figures:graders chapter=2 begin -->\n"
                "<!-- figures:graders chapter=2 end -->\n")
        new = rewrite(page, self.results)
        self.assertIn("| `ch2.1-speed` | bandwidth as % of a device-to-device copy (3.38 TB/s of "
                      "4.17 TB/s): 81.1 % | &gt;= 60 | passed |", new)
        self.assertIn("| `ch2.3-speed` | mandelbrot 2048 x 2048, 256 iterations: 0.132 ms on the "
                      "GPU |  | failed |", new)
        self.assertNotIn("chapter 1's figure", new)
        self.assertLess(new.index("ch2.1-speed"), new.index("ch2.3-speed"))

    def test_wrong_variants_from_the_notes(self):
        page = ("<!-- figures:wrong-variants chapter=2 begin -->\n"
                "<!-- figures:wrong-variants chapter=2 end -->\n")
        new = rewrite(page, self.results)
        self.assertIn("| gray-x-y-swapped | `ch2.2-correctness` | yes | rgb\\_to\\_gray: 1000 of 1000 "
                      "pixels differ; first at (0, 1) |", new)
        self.assertIn("| norm-on-host | `ch2.5-speed` | yes | thrust\\_norm bandwidth: 0.038 % "
                      "(required &gt;= 50) |", new)

    def test_suite_counts_come_from_junit_and_logs(self):
        self.results.write("suite.log", "-- Catch2 3.4.0 (/usr/lib/cmake/Catch2)\n")
        self.results.write("memcheck-2.log", textwrap.dedent("""\
            course-run: grade-2.1
            ========= ERROR SUMMARY: 0 errors
            course-run-exit: grade-2.1 0
            course-run: grade-2.3
            ========= ERROR SUMMARY: 2 errors
            course-run-exit: grade-2.3 99
            """))
        self.results.write("racecheck-2.log", textwrap.dedent("""\
            course-run: grade-2.5
            ========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)
            course-run-exit: grade-2.5 0
            """))
        page = "<!-- figures:suite chapter=2 begin -->\n<!-- figures:suite chapter=2 end -->\n"
        new = rewrite(page, self.results)
        self.assertIn("| ./course test, Catch2 3.4.0: chapter 2's graders on the solutions | "
                      "2 of 3 passed (1 failed) |", new)
        self.assertIn("chapter 2's untouched skeletons, each failing its grader at its TODO | "
                      "1 of 1 as expected |", new)
        self.assertIn("chapter 2's known-wrong variants (2), each failing its grader with its own "
                      "message | 2 of 2 as expected |", new)
        self.assertIn("the whole suite (every chapter, the common library) | 5 of 7 passed "
                      "(1 failed, 1 skipped) |", new)
        self.assertIn("| compute-sanitizer memcheck, chapter 2's correctness graders (solutions) | "
                      "2 errors in 2 runs; 1 run failed: grade-2.3 (exit 99) |", new)
        self.assertIn("| compute-sanitizer racecheck, chapter 2's correctness graders (solutions) | "
                      "0 hazards reported as errors in 1 run |", new)
        self.assertNotIn("Catch2 2", new)  # no catch2-v2 data: no such row

    def test_the_suite_needs_its_junit_file(self):
        results = ResultsDirectory(junit=None)
        try:
            page = "<!-- figures:suite chapter=2 begin -->\n<!-- figures:suite chapter=2 end -->\n"
            with self.assertRaises(figures.FiguresError) as raised:
                rewrite(page, results)
            self.assertIn("suite-junit.xml is missing", str(raised.exception))
        finally:
            results.close()


class MainTest(unittest.TestCase):
    def setUp(self):
        self.results = ResultsDirectory()
        self.page = self.results.write("pages/chapter2.md", PAGE)

    def tearDown(self):
        self.results.close()

    def read_page(self):
        with open(self.page, encoding="utf-8") as f:
            return f.read()

    def test_writes_the_page_and_check_then_passes(self):
        status, _ = quiet_main(["--results", self.results.path, "--check", self.page])
        self.assertEqual(status, 1)
        self.assertEqual(self.read_page(), PAGE)
        status, _ = quiet_main(["--results", self.results.path, self.page])
        self.assertEqual(status, 0)
        self.assertIn("2^26 floats", self.read_page())
        status, _ = quiet_main(["--results", self.results.path, "--check", self.page])
        self.assertEqual(status, 0)

    def test_missing_data_changes_no_page(self):
        other = self.results.write("pages/chapter1.md", PAGE.replace("chapter=2", "chapter=1"))
        status, error = quiet_main(["--results", self.results.path, self.page, other])
        self.assertEqual(status, 2)
        self.assertIn("benchmarks-1.json is missing", error)
        self.assertIn("chapter1.md:5 (figures:machine)", error)
        self.assertEqual(self.read_page(), PAGE)  # the good page was not written either


if __name__ == "__main__":
    unittest.main()


STEP_CONTEXT = dict(CONTEXT, fp32_peak_TFLOPS="66.9")
STEP_RUNS = [
    run("BM_cublas_sgemm/1024/manual_time", 69.0, label="cuBLAS SGEMM, FP32",
        items_per_second=3.11e13),
    run("BM_cublas_sgemm/4096/manual_time", 2690.0, label="cuBLAS SGEMM, FP32",
        items_per_second=5.11e13),
    run("BM_cublas_tf32/4096/manual_time", 350.0, label="cuBLAS, TF32 tensor cores",
        items_per_second=3.93e14, tensor_cores=1),
    run("BM_naive/4096/manual_time", 27000.0, label="4.1 naive, coalesced",
        items_per_second=5.11e12),
    run("BM_sgemm_fast_config/2/4096/manual_time", 3400.0, label="4.4 final kernel, 128x64x8",
        items_per_second=4.088e13),
]
STEP_PAGE = textwrap.dedent("""\
    # Chapter 4 results

    <!-- figures:steps chapter=4 baseline=BM_cublas_sgemm size=4096 begin -->
    old
    <!-- figures:steps chapter=4 baseline=BM_cublas_sgemm size=4096 end -->
    """)


class StepsTest(unittest.TestCase):
    def setUp(self):
        self.results = ResultsDirectory()
        self.write(STEP_RUNS)

    def tearDown(self):
        self.results.close()

    def write(self, runs, context=None):
        self.results.write("benchmarks-4.json", json.dumps(
            {"context": STEP_CONTEXT if context is None else context, "benchmarks": runs}))

    def test_shares_of_the_baseline_and_of_the_peak_at_one_size(self):
        new = rewrite(STEP_PAGE, self.results)
        self.assertIn("| step | benchmark | n | TFLOP/s | % of `BM_cublas_sgemm` | % of peak "
                      "(66.9 TFLOP/s) |", new)
        self.assertIn("| cuBLAS SGEMM, FP32 | `BM_cublas_sgemm` | 4096 | 51.1 | 100 % | 76.4 % |",
                      new)
        self.assertIn("| 4.1 naive, coalesced | `BM_naive` | 4096 | 5.11 | 10.0 % | 7.64 % |", new)
        self.assertIn("| cuBLAS, TF32 tensor cores | `BM_cublas_tf32` | 4096 | 393 | 769 % | "
                      "(tensor cores) |", new)
        self.assertIn("| 4.4 final kernel, 128x64x8 | `BM_sgemm_fast_config/2` | 4096 | 40.9 | "
                      "80.0 % |", new)
        self.assertNotIn("| 1024 |", new)
        self.assertNotIn("old", new)

    def test_every_size_against_its_own_baseline(self):
        page = STEP_PAGE.replace(" size=4096", "")
        new = rewrite(page, self.results)
        self.assertIn("| cuBLAS SGEMM, FP32 | `BM_cublas_sgemm` | 1024 | 31.1 | 100 % |", new)
        self.assertLess(new.index("| 1024 |"), new.index("| 4096 |"))

    def test_a_size_without_its_baseline_is_refused(self):
        self.write(STEP_RUNS[2:])
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(STEP_PAGE, self.results)
        self.assertIn("no successful BM_cublas_sgemm run at size 4096", str(raised.exception))

    def test_the_peak_must_be_in_the_context(self):
        self.write(STEP_RUNS, context=CONTEXT)
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(STEP_PAGE, self.results)
        self.assertIn("fp32_peak_TFLOPS", str(raised.exception))

    def test_a_step_error_stops_unless_allowed(self):
        failed = run("BM_fast/4096/manual_time", 0.0, label="4.4 final kernel",
                     error_occurred=True, error_message="wrong result: C[3] = 1, expected 0")
        self.write(STEP_RUNS + [failed])
        with self.assertRaises(figures.FiguresError):
            rewrite(STEP_PAGE, self.results)
        new = rewrite(STEP_PAGE, self.results, allow_errors=True)
        self.assertIn("| 4.4 final kernel | `BM_fast` | 4096 | error: wrong result: C[3] = 1, "
                      "expected 0 |", new)

    def test_the_baseline_is_required(self):
        with self.assertRaises(figures.FiguresError) as raised:
            rewrite(STEP_PAGE.replace(" baseline=BM_cublas_sgemm", ""), self.results)
        self.assertIn("baseline=", str(raised.exception))
