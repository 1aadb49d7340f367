"""Unit tests of ./course profile and ./course roofline (tools/course_profile.py) and of the SVG
plots (tools/svg_plots.py): no GPU, no ncu, no build. python3 -m unittest discover -s tools/tests"""

import argparse
import json
import math
import os
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402

sys.modules.setdefault("course", course)
import course_profile  # noqa: E402
import svg_plots  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "data", "ncu_raw_sample.csv")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


class ParseTest(unittest.TestCase):
    def test_raw_page_with_program_output_around_it(self):
        launches = course_profile.parse_ncu_csv(read(SAMPLE))
        self.assertEqual([launch.id for launch in launches], ["0", "1", "2", "3", "4"])
        self.assertEqual(launches[0].kernel, "transpose_naive_kernel")
        self.assertEqual(launches[1].kernel, "transpose_tiled_kernel")
        self.assertEqual(launches[0].metrics[course_profile.DURATION], 1012448.0)
        self.assertEqual(launches[0].units[course_profile.DURATION], "nsecond")
        self.assertEqual(launches[1].metrics[course_profile.BANK_CONFLICTS], 16777216.0)
        self.assertIsNone(launches[4].metrics[course_profile.DRAM])  # "n/a"
        self.assertAlmostEqual(course_profile.microseconds(launches[3]), 346.72)

    def test_details_page(self):
        text = "\n".join([
            "==PROF== Connected to process 1 (grade-1.2)",
            '"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream",'
            '"Block Size","Grid Size","Device","CC","Section Name","Metric Name","Metric Unit",'
            '"Metric Value"',
            '"0","1","grade-1.2","h","vector_add_kernel","1","7","(256, 1, 1)","(4096, 1, 1)",'
            '"0","9.0","Command line profiler metrics","gpu__time_duration.sum","usecond",'
            '"1,234.50"',
            '"0","1","grade-1.2","h","vector_add_kernel","1","7","(256, 1, 1)","(4096, 1, 1)",'
            '"0","9.0","Command line profiler metrics",'
            '"dram__throughput.avg.pct_of_peak_sustained_elapsed","%","93.1"',
            '"1","1","grade-1.2","h","vector_add_kernel","1","7","(256, 1, 1)","(4096, 1, 1)",'
            '"0","9.0","Command line profiler metrics","gpu__time_duration.sum","usecond","1,300"',
        ])
        launches = course_profile.parse_ncu_csv(text)
        self.assertEqual(len(launches), 2)
        self.assertAlmostEqual(course_profile.microseconds(launches[0]), 1234.5)
        self.assertEqual(launches[0].metrics[course_profile.DRAM], 93.1)
        self.assertIsNone(launches[1].metrics.get(course_profile.DRAM))

    def test_no_csv_at_all(self):
        self.assertEqual(course_profile.parse_ncu_csv("==PROF== Disconnected\nhello\n"), [])

    def test_kernel_names(self):
        name = course_profile.short_kernel_name
        self.assertEqual(name("void (anonymous namespace)::fir_kernel(const float *, float *, "
                              "unsigned long)"), "fir_kernel")
        self.assertEqual(name("void chapter3::detail::tile<32, (int)8>(float *)"),
                         "tile<32, (int)8>")
        self.assertEqual(name("vector_add_kernel"), "vector_add_kernel")

    def test_numbers(self):
        self.assertEqual(course_profile.to_number("16,777,216"), 16777216.0)
        self.assertEqual(course_profile.to_number("4.0e-05"), 4e-5)
        self.assertIsNone(course_profile.to_number("n/a"))
        self.assertIsNone(course_profile.to_number(""))


class SummaryTest(unittest.TestCase):
    def setUp(self):
        self.summaries = course_profile.summarize(course_profile.parse_ncu_csv(read(SAMPLE)))

    def test_one_row_per_kernel_in_order(self):
        self.assertEqual([s.name for s in self.summaries],
                         ["transpose_naive_kernel", "transpose_tiled_kernel",
                          "transpose_conflict_free_kernel"])
        self.assertEqual([s.launches for s in self.summaries], [1, 2, 2])

    def test_means_sums_and_stalls(self):
        naive, tiled, free = self.summaries
        self.assertAlmostEqual(tiled.time_us, (501.216 + 499.904) / 2)
        self.assertAlmostEqual(tiled.dram_pct, (71.85 + 72.05) / 2)
        self.assertEqual(tiled.bank_conflicts, 2 * 16777216)
        self.assertAlmostEqual(free.dram_pct, 91.62)  # the n/a launch is left out
        self.assertEqual([reason for reason, _ in naive.stalls], ["long_scoreboard", "lg_throttle"])
        self.assertEqual([reason for reason, _ in tiled.stalls],
                         ["mio_throttle", "long_scoreboard"])

    def test_table(self):
        table = course_profile.format_table(self.summaries)
        lines = table.splitlines()
        self.assertEqual(len(lines), 2 + 3)
        self.assertIn("kernel", lines[0])
        self.assertIn("transpose_tiled_kernel", lines[3])
        self.assertIn("33554432", lines[3])
        self.assertIn("mio_throttle 12.4", lines[3])
        self.assertIn("long_scoreboard", course_profile.stall_footnote(self.summaries))

    def test_missing_metrics_print_as_na(self):
        launch = course_profile.Launch("0", "k")
        table = course_profile.format_table(course_profile.summarize([launch]))
        self.assertIn("n/a", table)


class DiagnoseTest(unittest.TestCase):
    def test_counter_permission(self):
        message = course_profile.diagnose(
            "==PROF== Connected to process 11156\n==ERROR== ERR_NVGPUCTRPERM - The user does not "
            "have permission to access NVIDIA GPU Performance Counters on the target device 0. "
            "For instructions on enabling permissions and to get more information see "
            "https://developer.nvidia.com/ERR_NVGPUCTRPERM\n")
        self.assertIn("NVreg_RestrictProfilingToAdminUsers=0", message)
        self.assertIn("/etc/modprobe.d/", message)
        self.assertIn("SYS_ADMIN", message)

    def test_no_kernels(self):
        message = course_profile.diagnose("==WARNING== No kernels were profiled.\n")
        self.assertIn("no kernel", message)

    def test_rejected_metrics_are_named(self):
        metric = course_profile.STALLS[3]
        output = "==PROF== Connected\n==ERROR== Failed to find metric %s\n" % metric
        self.assertEqual(course_profile.rejected_metrics(output), [metric])
        self.assertEqual(course_profile.rejected_metrics(read(SAMPLE)), [])
        command = course_profile.ncu_command("ncu", "g", "1.2", "speed", 5, None, [metric])
        self.assertEqual(command[command.index("--metrics") + 1], metric)

    def test_other_error_and_none(self):
        self.assertIn("something broke", course_profile.diagnose("==ERROR== something broke\n"))
        self.assertIsNone(course_profile.diagnose(read(SAMPLE)))


class FindNcuTest(unittest.TestCase):
    def test_order(self):
        executable = {"/usr/local/cuda/bin/ncu", "/opt/cuda/bin/ncu", "/x/ncu"}
        find = course_profile.find_ncu
        is_executable = executable.__contains__
        none = lambda name: None  # noqa: E731
        no_glob = lambda pattern: []  # noqa: E731
        self.assertEqual(find({"NCU": "/x/ncu"}, none, is_executable, no_glob), "/x/ncu")
        self.assertIsNone(find({"NCU": "/missing/ncu"}, none, is_executable, no_glob))
        self.assertEqual(find({}, lambda n: "/path/ncu" if n == "ncu" else None, is_executable,
                              no_glob), "/path/ncu")
        self.assertEqual(find({"CUDA_HOME": "/opt/cuda"}, none, is_executable, no_glob),
                         "/opt/cuda/bin/ncu")
        self.assertEqual(find({}, none, is_executable, no_glob), "/usr/local/cuda/bin/ncu")
        self.assertIsNone(find({}, none, lambda path: False, no_glob))

    def test_beside_nvcc_and_versioned_directories(self):
        found = course_profile.find_ncu(
            {}, lambda name: "/toolkit/bin/nvcc" if name == "nvcc" else None,
            lambda path: path == "/usr/local/cuda/nsight-compute-2025.3.1/ncu",
            lambda pattern: ["/usr/local/cuda/nsight-compute-2025.3.1/ncu"]
            if pattern.startswith("/usr/local/cuda/") else [])
        self.assertEqual(found, "/usr/local/cuda/nsight-compute-2025.3.1/ncu")

    def test_message_says_where_it_comes_from(self):
        self.assertIn("CUDA Toolkit", course_profile.NO_NCU)
        self.assertIn("nsight-compute", course_profile.NO_NCU)


class CommandTest(unittest.TestCase):
    def exercise(self, tests):
        chapter = course.Chapter("x")
        exercise = course.Exercise(chapter, "9.1", "x:1")
        exercise.tests = tests
        return exercise

    def test_kind(self):
        choose = course_profile.choose_kind
        self.assertEqual(choose(self.exercise(["correctness", "speed"]), None), "speed")
        self.assertEqual(choose(self.exercise(["cpu", "gpu"]), None), "gpu")
        self.assertEqual(choose(self.exercise(["correctness"]), None), "correctness")
        self.assertEqual(choose(self.exercise(["correctness", "speed"]), "correctness"),
                         "correctness")
        with self.assertRaises(course.CourseError):
            choose(self.exercise(["cpu"]), None)
        with self.assertRaises(course.CourseError):
            choose(self.exercise(["correctness"]), "speed")

    def test_command_line(self):
        command = course_profile.ncu_command("/usr/bin/ncu", "build/student/graders/grade-1.2",
                                             "1.2", "speed", 40, "vector_add")
        self.assertEqual(command[:3], ["/usr/bin/ncu", "--clock-control", "none"])
        self.assertIn("--csv", command)
        self.assertEqual(command[command.index("--page") + 1], "raw")
        self.assertEqual(command[command.index("--launch-count") + 1], "40")
        self.assertEqual(command[command.index("--kernel-name") + 1], "regex:vector_add")
        metrics = command[command.index("--metrics") + 1].split(",")
        for metric in (course_profile.DRAM, course_profile.OCCUPANCY,
                       course_profile.BANK_CONFLICTS):
            self.assertIn(metric, metrics)
        self.assertTrue(any("stalled" in metric for metric in metrics))
        self.assertEqual(command[-2:], ["build/student/graders/grade-1.2", "[1.2][speed]"])

    def test_unknown_exercise_lists_what_exists(self):
        with self.assertRaises(course.CourseError) as caught:
            course_profile.command_profile(argparse.Namespace(
                exercise="9.9", kind=None, launch_count=40, kernel=None, solutions=False,
                verbose=False))
        self.assertIn("there is no exercise 9.9", str(caught.exception))
        self.assertIn("chapter 1:", str(caught.exception))

    def test_registered_in_the_course_command(self):
        parser = argparse.ArgumentParser()
        commands = parser.add_subparsers(dest="command")
        handlers = course_profile.register(commands, commands.add_parser("grade"))
        self.assertEqual(set(handlers), {"profile", "roofline"})
        arguments = parser.parse_args(["profile", "1.2", "--kind", "correctness"])
        self.assertEqual((arguments.exercise, arguments.kind, arguments.launch_count),
                         ("1.2", "correctness", 40))

    def test_roofline_command_writes_svg(self):
        with tempfile.TemporaryDirectory() as scratch:
            data = os.path.join(scratch, "roofline-5.3.json")
            with open(data, "w", encoding="utf-8") as handle:
                json.dump(GRADER_DATA, handle)
            output = os.path.join(scratch, "plot.svg")
            course_profile.command_roofline(argparse.Namespace(build=None, input=data,
                                                               output=output))
            ElementTree.parse(output)
            with self.assertRaises(course.CourseError):
                course_profile.command_roofline(argparse.Namespace(
                    build=scratch, input=os.path.join(scratch, "missing.json"), output=None))


GRADER_DATA = {
    "exercise": "5.3", "gpu": "NVIDIA H100 80GB HBM3", "peak_flops": 6.0e13, "bandwidth": 3.0e12,
    "kernels": [
        {"name": "vector add (1.2)", "intensity": 1 / 12, "flops_per_second": 2.4e11},
        {"name": "transpose (3.2)", "intensity": 0.0, "flops_per_second": 0.0},
        {"name": "SGEMM tiled 32x32", "intensity": 170.7, "flops_per_second": 9.0e12},
    ],
}


class SvgTest(unittest.TestCase):
    def test_log_axis(self):
        axis = svg_plots.Axis(0.01, 1000, 100, 600, True)
        self.assertAlmostEqual(axis(0.01), 100)
        self.assertAlmostEqual(axis(1000), 600)
        self.assertAlmostEqual(axis(1), 100 + 2 * 100)
        self.assertEqual(axis.decades(), [0.01, 0.1, 1, 10, 100, 1000])
        with self.assertRaises(svg_plots.PlotError):
            axis(0)
        with self.assertRaises(svg_plots.PlotError):
            svg_plots.Axis(0, 10, 0, 1, True)

    def test_roofline_places_points_and_the_ridge(self):
        text = svg_plots.roofline_from_grader(GRADER_DATA)
        root = ElementTree.fromstring(text)
        ns = "{http://www.w3.org/2000/svg}"
        circles = root.findall(".//%scircle" % ns)
        titles = [c.findtext("%stitle" % ns) for c in circles if c.find("%stitle" % ns) is not None]
        self.assertEqual(len(titles), 2)  # the transpose has no FLOPs: listed, not placed
        self.assertIn("vector add (1.2)", titles[0])
        self.assertIn("ridge 20 FLOP/B", text)
        self.assertIn("no FLOPs", text)
        self.assertIn("NVIDIA H100 80GB HBM3", text)
        roof = root.find(".//%spolyline" % ns).get("points").split()
        self.assertEqual(len(roof), 3)
        # The ridge's y is the peak's, the same as the flat part's end.
        self.assertEqual(roof[1].split(",")[1], roof[2].split(",")[1])

    def test_roofline_rejects_bad_roofs(self):
        with self.assertRaises(svg_plots.PlotError):
            svg_plots.roofline_svg(0, 1e12, [], "x")
        with self.assertRaises(svg_plots.PlotError):
            svg_plots.roofline_from_grader({"gpu": "x"})

    def test_amdahl_and_gustafson(self):
        self.assertAlmostEqual(svg_plots.amdahl(0.9, 10), 1 / 0.19)
        for text in (svg_plots.amdahl_svg(), svg_plots.gustafson_svg(),
                     svg_plots.lesson_roofline()):
            ElementTree.fromstring(text)
        self.assertIn("at most 10x", svg_plots.amdahl_svg())

    def test_lesson_figures_are_up_to_date(self):
        lesson = os.path.join(os.path.dirname(HERE), "..", "chapters", "05-profiling")
        for name, make in (("amdahl.svg", svg_plots.amdahl_svg),
                           ("gustafson.svg", svg_plots.gustafson_svg),
                           ("roofline.svg", svg_plots.lesson_roofline)):
            path = os.path.join(lesson, name)
            if os.path.exists(path):
                self.assertEqual(read(path), make(),
                                 "%s is stale: python3 tools/svg_plots.py lesson" % name)

    def test_numbers(self):
        self.assertEqual(svg_plots.number(66.9e12), "66.9T")
        self.assertEqual(svg_plots.number(1e15), "1P")
        self.assertEqual(svg_plots.number(0.25), "0.25")
        self.assertTrue(math.isfinite(svg_plots.amdahl(1.0, 8)))


if __name__ == "__main__":
    unittest.main()
