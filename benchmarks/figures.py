#!/usr/bin/env python3
"""Rewrites the measured parts of the results pages (docs/results/*.md) from the data of one run.

Published figures are never typed by hand: a results page holds blocks between markers,

    <!-- figures:benchmarks chapter=2 begin -->
    ... generated: replaced on every run ...
    <!-- figures:benchmarks chapter=2 end -->

and this script replaces what lies between each pair, leaving everything else untouched. The
blocks (KIND, with the attributes it takes):

    machine chapter=N      where and when: GPU, driver, CUDA, OS, date (from the benchmarks' JSON)
    suite chapter=N        the project's suite, the scoreboard on the skeletons, compute-sanitizer
    graders chapter=N      every FIGURE line of chapter N's graders, with the grader's result
    wrong-variants chapter=N   what each known-wrong variant of chapter N produced at its grader
    benchmarks chapter=N [sizes=largest|all] [counters=a,b]   Google Benchmark's runs of
                           chapterN_benchmarks; counters= adds a column per user counter;
                           data=peers shows peers-N.json (benchmarks/peers.py: PyTorch, CuPy)
    steps chapter=N baseline=BM_x [size=S] [peak=KEY]   a ladder of kernels doing the same work:
                           per benchmark and size, its label (the step), FLOP/s (items_per_second),
                           its share of the baseline benchmark at the same size and of the peak
                           the program recorded in its context (KEY, default fp32_peak_TFLOPS);
                           runs with a counter tensor_cores = 1 say so instead of a share of
                           the FP32 peak. The size is a run's last argument; size=S keeps one.

The data is what docs/results/reproduce.sh leaves in its output directory (--results):

    benchmarks-<N>.json      chapterN_benchmarks --benchmark_out=... --benchmark_out_format=json
    peers-<N>.json           benchmarks/peers.py --chapter N (PyTorch and CuPy on the same GPU)
    course-notes/<test>.txt  the graders' notes ("FIGURE: ...", "FAIL: ...", "SKIP: ...")
    suite-junit.xml          ctest --output-junit of the project's suite (./course test)
    suite.log                its log, where CMake printed the Catch2 version (optional)
    catch2-v2-junit.xml      the same suite built against Catch2 2.13, and catch2-v2.log (optional)
    grade-<N>-junit.xml      ctest --output-junit of ./course grade N on the skeletons (optional)
    memcheck-<N>.log, racecheck-<N>.log, memcheck-common.log   compute-sanitizer (optional), one
                             "course-run: <name>" line before and "course-run-exit: <name> <status>"
                             after each run

Usage:

    python3 benchmarks/figures.py --results build/results docs/results/chapter1-h200.md ...
    python3 benchmarks/figures.py --results build/results --check docs/results/*.md

Every page is checked before any is written: a block whose data is missing, a benchmark run that
reported an error (unless --allow-errors), or a run made without a GPU or against the student's
exercises stops the script with a message, and no page changes. --check writes nothing and exits
with 1 when a page would change. Python 3.8 or newer, standard library only. Tests:
python3 -m unittest discover -s benchmarks/tests
"""

import argparse
import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ElementTree
from typing import Callable, Dict, List, Optional, Tuple

MARKER = re.compile(r"^<!-- figures:(?P<kind>[a-z-]+)(?P<attributes>(?: [a-z_]+=[^ ]+)*)"
                    r" (?P<edge>begin|end) -->$")
KINDS = ("machine", "suite", "graders", "wrong-variants", "benchmarks", "steps")
GRADER_TEST = re.compile(r"^ch(?P<chapter>\d+)\.(?P<exercise>\d+)-(?P<kind>[a-z]+)$")
WRONG_TEST = re.compile(r"^selftest\.wrong\.(?P<variant>.+)\.ch(?P<chapter>\d+)\.(?P<exercise>\d+)"
                        r"-(?P<kind>[a-z]+)$")
SKELETON_TEST = re.compile(r"^selftest\.skeleton\.ch(?P<chapter>\d+)\.\d+-[a-z]+$")
REQUIREMENT = re.compile(r"^(?P<figure>.*) \(required >= (?P<required>[^)]*)\)$")


class FiguresError(Exception):
    """A problem that stops the script: its message says what and where."""


# ---- formatting ---------------------------------------------------------------------------------


def significant(value: float, digits: int = 3) -> str:
    """`value` with `digits` significant digits and no exponent: 57.8, 0.130, 4290."""
    if value == 0 or not math.isfinite(value):
        return "%g" % value
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    return "%.*f" % (decimals, value)


def format_time(value: float, unit: str) -> str:
    """A Google Benchmark time in its unit, as "237 us", "57.8 ms" or "1.23 s"."""
    factors = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    if unit not in factors:
        raise FiguresError("unknown time unit '%s'" % unit)
    seconds = value * factors[unit]
    for name, factor in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= factor:
            return "%s %s" % (significant(seconds / factor), name)
    return "%s ns" % significant(seconds / 1e-9)


def format_rate(per_second: float, unit: str = "") -> str:
    """Decimal prefixes (Google Benchmark's console prints binary ones): "3.40 TB/s", "31.6 G"."""
    for prefix, factor in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= factor:
            return "%s %s%s" % (significant(per_second / factor), prefix, unit)
    return ("%s %s" % (significant(per_second), unit)).strip()


def cell(text: str) -> str:
    """Text for a Markdown table cell that Doxygen 1.9 shows as written (checked in its HTML): no
    column breaks, no HTML tags, no Doxygen commands (\\cmd, @cmd), no link requests (#name), no
    emphasis (*x*, _x_). Left alone: "~~", which would strike through, and which no figure has."""
    text = " ".join(str(text).split())
    for character, escaped in (("\\", "\\\\"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"),
                               ("|", "\\|"), ("@", "\\@"), ("#", "\\#"), ("*", "\\*"),
                               ("_", "\\_"), ("`", "'")):
        text = text.replace(character, escaped)
    return text


def code(text: str) -> str:
    """A name in code font, for names the script itself chose to show (test and benchmark names)."""
    if "`" in text or "|" in text:
        raise FiguresError("cannot show %r in code font" % text)
    return "`%s`" % text


def table(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def clip(text: str, width: int = 200) -> str:
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def exercise_key(exercise_id: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in exercise_id.split("."))


# ---- the data of one run ------------------------------------------------------------------------


class TestResult:
    """One test of a ctest JUnit file: passed, failed, skipped or notrun."""

    def __init__(self, name: str, status: str, message: str) -> None:
        self.name = name
        self.status = status
        self.message = message


def read_junit(path: str) -> Dict[str, TestResult]:
    """ctest --output-junit: status "run" passed, "fail" failed, "notrun" with a SKIP_... message
    skipped (SKIP_REGULAR_EXPRESSION or SKIP_RETURN_CODE), any other "notrun" not run."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise FiguresError("cannot read %s: %s" % (path, error))
    results = {}
    for case in root.iter("testcase"):
        name = case.get("name", "")
        status = case.get("status", "")
        skipped = case.find("skipped")
        failure = case.find("failure")
        if status == "run":
            result, message = "passed", ""
        elif status == "notrun":
            message = skipped.get("message", "") if skipped is not None else ""
            result = "skipped" if message.startswith("SKIP_") else "notrun"
        else:
            result = "failed"
            message = failure.get("message", "") if failure is not None else ""
        results[name] = TestResult(name, result, message)
    return results


def read_notes(directory: str) -> Dict[str, List[Tuple[str, str]]]:
    """Every note file: test name -> [(keyword, text)], keyword FIGURE, FAIL or SKIP."""
    notes: Dict[str, List[Tuple[str, str]]] = {}
    if not os.path.isdir(directory):
        return notes
    for file_name in sorted(os.listdir(directory)):
        if not file_name.endswith(".txt"):
            continue
        lines = []
        with open(os.path.join(directory, file_name), encoding="utf-8", errors="replace") as f:
            for line in f:
                keyword, _, text = line.rstrip("\n").partition(": ")
                if keyword in ("FIGURE", "FAIL", "SKIP") and text:
                    lines.append((keyword, text))
        notes[file_name[:-len(".txt")]] = lines
    return notes


class SanitizerRuns:
    """One compute-sanitizer log as reproduce.sh writes it: runs, failed runs, errors found."""

    def __init__(self, path: str) -> None:
        self.runs = 0
        self.failed: List[str] = []  # "grade-1.2 (exit 99)"
        self.errors = 0
        self.summaries = 0
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("course-run-exit: "):
                    name, _, status = line[len("course-run-exit: "):].strip().rpartition(" ")
                    self.runs += 1
                    if status != "0":
                        self.failed.append("%s (exit %s)" % (name, status))
                    continue
                match = re.search(r"ERROR SUMMARY: (\d+) error", line)
                if match is None:
                    match = re.search(r"RACECHECK SUMMARY: \d+ hazards? displayed \((\d+) error", line)
                if match is not None:
                    self.summaries += 1
                    self.errors += int(match.group(1))

    def describe(self, what_found: str) -> str:
        if self.runs == 0:
            return "no run recorded"
        text = "%d %s in %d run%s" % (self.errors, what_found, self.runs,
                                      "" if self.runs == 1 else "s")
        if self.failed:
            text += "; %d run%s failed: %s" % (len(self.failed), "" if len(self.failed) == 1
                                               else "s", ", ".join(self.failed))
        return text


class Results:
    """The output directory of one reproduce.sh run, read on demand."""

    def __init__(self, directory: str, notes_directory: Optional[str] = None) -> None:
        self.directory = directory
        self.notes_directory = notes_directory or os.path.join(directory, "course-notes")
        self._benchmarks: Dict[Tuple[int, str], dict] = {}
        self._notes: Optional[Dict[str, List[Tuple[str, str]]]] = None
        self._junit: Dict[str, Optional[Dict[str, TestResult]]] = {}

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def benchmarks(self, chapter: int, data: str = "benchmarks") -> dict:
        """benchmarks-N.json (the course's programs) or peers-N.json (benchmarks/peers.py)."""
        if data not in ("benchmarks", "peers"):
            raise FiguresError("data=%s: expected data=benchmarks or data=peers" % data)
        if (chapter, data) not in self._benchmarks:
            path = self.path("%s-%d.json" % (data, chapter))
            if not os.path.exists(path) and data == "peers":
                raise FiguresError("%s is missing: run python3 benchmarks/peers.py --chapter %d "
                                   "--out %s with PyTorch installed" % (path, chapter, path))
            if not os.path.exists(path):
                raise FiguresError("%s is missing: run build/<preset>/benchmarks/chapter%d_benchmarks "
                                   "--benchmark_out=%s --benchmark_out_format=json" %
                                   (path, chapter, path))
            try:
                with open(path, encoding="utf-8") as f:
                    loaded = json.load(f)
            except (OSError, ValueError) as error:
                raise FiguresError("cannot read %s: %s" % (path, error))
            if "context" not in loaded or "benchmarks" not in loaded:
                raise FiguresError("%s is not Google Benchmark's JSON output (no 'context' and "
                                   "'benchmarks')" % path)
            self._benchmarks[(chapter, data)] = loaded
        return self._benchmarks[(chapter, data)]

    def notes(self) -> Dict[str, List[Tuple[str, str]]]:
        if self._notes is None:
            self._notes = read_notes(self.notes_directory)
        return self._notes

    def junit(self, name: str) -> Optional[Dict[str, TestResult]]:
        """`<name>-junit.xml`, or None when the run did not produce it."""
        if name not in self._junit:
            path = self.path(name + "-junit.xml")
            self._junit[name] = read_junit(path) if os.path.exists(path) else None
        return self._junit[name]

    def catch2_version(self, name: str) -> Optional[str]:
        """The Catch2 version CMake reported in `<name>.log` ("-- Catch2 3.4.0 (...)")."""
        path = self.path(name + ".log")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8", errors="replace") as f:
            found = re.findall(r"Catch2 (\d+\.\d+(?:\.\d+)?) \(", f.read())
        return found[-1] if found else None

    def sanitizer(self, name: str) -> Optional[SanitizerRuns]:
        path = self.path(name + ".log")
        return SanitizerRuns(path) if os.path.exists(path) else None


# ---- the blocks ---------------------------------------------------------------------------------


def measured_context(results: Results, chapter: int, data: str = "benchmarks") -> dict:
    """The benchmarks' context, refused when it cannot stand for the course's reference figures."""
    context = results.benchmarks(chapter, data)["context"]
    gpu = context.get("gpu", "")
    if "gpu_name" not in context:
        raise FiguresError("benchmarks-%d.json was not measured on a GPU (%s)" %
                           (chapter, gpu or "the context names no GPU"))
    exercises = context.get("course_exercises", "unknown")
    if data == "benchmarks" and exercises != "solutions":
        raise FiguresError("benchmarks-%d.json was built against the '%s' exercises, not the "
                           "solutions: its figures are not the course's reference" %
                           (chapter, exercises))
    return context


def render_machine(results: Results, chapter: int, attributes: Dict[str, str]) -> str:
    context = measured_context(results, chapter)
    date = context.get("date", "")[:10] or "an unknown date"
    gpu = context["gpu_name"]
    details = []
    if "gpu_compute_capability" in context:
        details.append("compute capability %s" % context["gpu_compute_capability"])
    if "gpu_sm_count" in context:
        details.append("%s SMs" % context["gpu_sm_count"])
    if "gpu_memory_MiB" in context:
        details.append("%s MiB" % context["gpu_memory_MiB"])
    text = "Measured on %s: %s" % (date, cell(gpu))
    if details:
        text += " (%s)" % ", ".join(details)
    text += ", NVIDIA driver %s" % cell(context.get("nvidia_driver", "unknown"))
    text += ", CUDA runtime %s" % cell(context.get("cuda_runtime", "unknown"))
    if "cuda_driver_supports" in context:
        text += " (the driver supports CUDA %s)" % cell(context["cuda_driver_supports"])
    text += ", %s" % cell(context.get("os", "an unknown OS"))
    text += ", %s CPUs on the host." % context.get("num_cpus", "?")
    if "copy_bandwidth_GBps" in context:
        text += (" A device-to-device copy measured %s GB/s (read + write) in the same run as the "
                 "benchmarks." % cell(context["copy_bandwidth_GBps"]))
    return text


def chapter_of(name: str) -> Optional[int]:
    for pattern in (GRADER_TEST, WRONG_TEST):
        match = pattern.match(name)
        if match:
            return int(match.group("chapter"))
    match = SKELETON_TEST.match(name)
    return int(match.group("chapter")) if match else None


def count(tests: List[TestResult], status: str) -> int:
    return sum(1 for test in tests if test.status == status)


def describe_suite_part(tests: List[TestResult], passed_means: str) -> str:
    passed = count(tests, "passed")
    text = "%d of %d %s" % (passed, len(tests), passed_means)
    others = ["%d %s" % (count(tests, status), status)
              for status in ("failed", "skipped", "notrun") if count(tests, status)]
    if others:
        text += " (%s)" % ", ".join(others)
    return text


def suite_rows(results: Results, name: str, label: str, chapter: int) -> List[List[str]]:
    junit = results.junit(name)
    if junit is None:
        return []
    version = results.catch2_version(name)
    label += ", Catch2 %s" % version if version else ""
    everything = list(junit.values())
    graders = [t for t in everything if GRADER_TEST.match(t.name) and chapter_of(t.name) == chapter]
    skeletons = [t for t in everything
                 if SKELETON_TEST.match(t.name) and chapter_of(t.name) == chapter]
    wrong = [t for t in everything if WRONG_TEST.match(t.name) and chapter_of(t.name) == chapter]
    variants = {WRONG_TEST.match(t.name).group("variant") for t in wrong}
    rows = []
    if graders:
        rows.append(["%s: chapter %d's graders on the solutions" % (label, chapter),
                     describe_suite_part(graders, "passed")])
    if skeletons:
        rows.append(["%s: chapter %d's untouched skeletons, each failing its grader at its TODO"
                     % (label, chapter), describe_suite_part(skeletons, "as expected")])
    if wrong:
        rows.append(["%s: chapter %d's known-wrong variants (%d), each failing its grader with its "
                     "own message" % (label, chapter, len(variants)),
                     describe_suite_part(wrong, "as expected")])
    rows.append(["%s: the whole suite (every chapter, the common library)" % label,
                 describe_suite_part(everything, "passed")])
    return rows


def render_suite(results: Results, chapter: int, attributes: Dict[str, str]) -> str:
    if results.junit("suite") is None:
        raise FiguresError("%s is missing: the project's suite (./course test) wrote no JUnit "
                           "results" % results.path("suite-junit.xml"))
    rows = suite_rows(results, "suite", "./course test", chapter)
    rows += suite_rows(results, "catch2-v2", "the same suite against Debian's Catch2", chapter)
    grade = results.junit("grade-%d" % chapter)
    if grade is not None:
        tests = [t for t in grade.values() if chapter_of(t.name) == chapter]
        failed = count(tests, "failed")
        rows.append(["./course grade %d on the untouched skeletons" % chapter,
                     "%d of %d graders failed, as they must" % (failed, len(tests))])
    for tool, found in (("memcheck", "errors"), ("racecheck", "hazards reported as errors")):
        runs = results.sanitizer("%s-%d" % (tool, chapter))
        if runs is not None:
            rows.append(["compute-sanitizer %s, chapter %d's correctness graders (solutions)" %
                         (tool, chapter), runs.describe(found)])
    common = results.sanitizer("memcheck-common")
    if common is not None:
        rows.append(["compute-sanitizer memcheck, the common library's GPU tests",
                     common.describe("errors")])
    return table(["check", "result"], [[cell(a), cell(b)] for a, b in rows])


def render_graders(results: Results, chapter: int, attributes: Dict[str, str]) -> str:
    notes = results.notes()
    junit = results.junit("suite") or {}
    rows = []
    tests = []
    for test in notes:
        match = GRADER_TEST.match(test)
        if match and int(match.group("chapter")) == chapter:
            tests.append((exercise_key("%s.%s" % (match.group("chapter"),
                                                  match.group("exercise"))), test))
    for _, test in sorted(tests):
        result = junit[test].status if test in junit else "?"
        for keyword, text in notes[test]:
            if keyword != "FIGURE":
                continue
            requirement = REQUIREMENT.match(text)
            figure, required = (requirement.group("figure"), ">= " + requirement.group("required")) \
                if requirement else (text, "")
            rows.append([code(test), cell(figure), cell(required), cell(result)])
    if not rows:
        raise FiguresError("no FIGURE note from chapter %d's graders in %s" %
                           (chapter, results.notes_directory))
    return table(["grader", "measured", "required", "result"], rows)


def render_wrong_variants(results: Results, chapter: int, attributes: Dict[str, str]) -> str:
    notes = results.notes()
    junit = results.junit("suite") or {}
    found = []
    for test in notes:
        match = WRONG_TEST.match(test)
        if match and int(match.group("chapter")) == chapter:
            found.append((match.group("variant"), exercise_key(
                "%s.%s" % (match.group("chapter"), match.group("exercise"))), test))
    rows = []
    for variant, _, test in sorted(found):
        grader = test[len("selftest.wrong.%s." % variant):]
        figures = [text for keyword, text in notes[test] if keyword == "FIGURE"]
        failures = [text for keyword, text in notes[test] if keyword == "FAIL"]
        said = "; ".join(figures) if figures else (failures[0] if failures else "(no note)")
        caught = {"passed": "yes", "failed": "NO"}.get(
            junit[test].status, junit[test].status) if test in junit else "?"
        rows.append([cell(variant), code(grader), cell(caught), cell(clip(said))])
    if not rows:
        raise FiguresError("no notes from chapter %d's known-wrong variants in %s" %
                           (chapter, results.notes_directory))
    return table(["variant", "grader", "caught", "what the grader measured or said"], rows)


def run_name(run: dict) -> str:
    """The run's name without an aggregate's suffix ("_median"): Google Benchmark's run_name."""
    return run.get("run_name") or run["name"]


def split_run_name(name: str) -> Tuple[str, List[str]]:
    """"BM_gpu_kernel/67108864/manual_time" -> ("BM_gpu_kernel", ["67108864"])."""
    parts = name.split("/")
    arguments = [part for part in parts[1:]
                 if part not in ("manual_time", "real_time") and not part.startswith("threads:")]
    return parts[0], arguments


def numeric(arguments: List[str]) -> Tuple[float, ...]:
    values = []
    for argument in arguments:
        try:
            values.append(float(argument.split(":")[-1]))
        except ValueError:
            values.append(0.0)
    return tuple(values)


def selected_runs(runs: List[dict]) -> List[dict]:
    """One run per benchmark: the median when repetitions produced aggregates, else the run."""
    medians = {run_name(run): run for run in runs
               if run.get("run_type") == "aggregate" and run.get("aggregate_name") == "median"}
    chosen, seen = [], set()
    for run in runs:
        key = run_name(run)
        if key in seen or run.get("run_type") == "aggregate":
            continue
        seen.add(key)
        chosen.append(medians.get(key, run))
    return chosen


def refuse_errors(runs: List[dict], file_name: str, allow_errors: bool) -> None:
    """Stops (FiguresError) when a run reported an error, unless the table may show errors."""
    errors = ["%s: %s" % (run_name(run), run.get("error_message", "")) for run in runs
              if run.get("error_occurred")]
    if errors and not allow_errors:
        raise FiguresError("%s has %d run(s) that reported an error, the first %s "
                           "(--allow-errors shows them in the table)" %
                           (file_name, len(errors), errors[0]))


def render_benchmarks(results: Results, chapter: int, attributes: Dict[str, str],
                      allow_errors: bool = False) -> str:
    source = attributes.get("data", "benchmarks")
    data = results.benchmarks(chapter, source)
    measured_context(results, chapter, source)
    sizes = attributes.get("sizes", "largest")
    if sizes not in ("largest", "all"):
        raise FiguresError("sizes=%s: expected sizes=largest or sizes=all" % sizes)
    runs = selected_runs(data["benchmarks"])
    if not runs:
        raise FiguresError("%s-%d.json holds no benchmark run" % (source, chapter))
    families: Dict[str, List[dict]] = {}
    for run in runs:
        families.setdefault(split_run_name(run_name(run))[0], []).append(run)
    refuse_errors(runs, "%s-%d.json" % (source, chapter), allow_errors)
    counters = [name for name in attributes.get("counters", "").split(",") if name]
    rows = []
    for family, members in families.items():
        if sizes == "largest":
            members = [max(members, key=lambda run: numeric(split_run_name(run_name(run))[1]))]
        for run in members:
            size = run.get("label") or "/".join(split_run_name(run_name(run))[1])
            if run.get("error_occurred"):
                rows.append([code(family), cell(size), cell("error: " + clip(
                    run.get("error_message", ""), 120)), "", ""] + [""] * len(counters))
                continue
            bytes_rate = run.get("bytes_per_second")
            items_rate = run.get("items_per_second")
            rows.append([code(family), cell(size),
                         format_time(run["real_time"], run["time_unit"]),
                         format_rate(bytes_rate, "B/s") if bytes_rate else "",
                         format_rate(items_rate) if items_rate else ""] +
                        [format_counter(name, run.get(name)) for name in counters])
    return table(["benchmark", "size", "time per iteration", "bytes/s", "items/s"] +
                 [COUNTER_HEADINGS.get(name, cell(name)) for name in counters], rows)


# The columns a benchmarks block shows for the user counters named in its counters= attribute
# (a comma-separated list); a run without the counter leaves its cell empty.
COUNTER_HEADINGS = {"pct_of_copy": "% of copy", "pct_of_cub": "% of CUB",
                    "pct_of_cublas": "% of cuBLAS", "speedup_vs_serial": "x serial"}


def format_counter(name: str, value: Optional[float]) -> str:
    if value is None:
        return ""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FiguresError("counter %s is %r, not a finite number" % (name, value))
    return significant(float(value))


def render_steps(results: Results, chapter: int, attributes: Dict[str, str],
                 allow_errors: bool = False) -> str:
    """The step table of a ladder of kernels (chapter 4: naive to cuBLAS): TFLOP/s, % of the
    baseline (cuBLAS) measured at the same size in the same run, % of the peak."""
    data = results.benchmarks(chapter)
    context = measured_context(results, chapter)
    baseline = attributes.get("baseline")
    if not baseline:
        raise FiguresError("a steps block needs baseline=<benchmark family>")
    peak_key = attributes.get("peak", "fp32_peak_TFLOPS")
    try:
        peak = float(context[peak_key]) * 1e12
    except (KeyError, ValueError):
        raise FiguresError("benchmarks-%d.json has no number '%s' in its context (the peak the "
                           "steps are compared with)" % (chapter, peak_key))
    runs = selected_runs(data["benchmarks"])
    refuse_errors(runs, "benchmarks-%d.json" % chapter, allow_errors)
    wanted = attributes.get("size")
    rows_by_size: Dict[float, List[Tuple[dict, str, List[str]]]] = {}
    baseline_rate: Dict[float, float] = {}
    for run in runs:
        family, arguments = split_run_name(run_name(run))
        if not arguments:
            raise FiguresError("%s has no size argument" % run_name(run))
        size = numeric(arguments[-1:])[0]
        if wanted is not None and arguments[-1] != wanted:
            continue
        rows_by_size.setdefault(size, []).append((run, family, arguments))
        if family == baseline and not run.get("error_occurred"):
            baseline_rate[size] = run.get("items_per_second", 0.0)
    if not rows_by_size:
        raise FiguresError("benchmarks-%d.json has no run%s" %
                           (chapter, "" if wanted is None else " of size %s" % wanted))
    rows = []
    for size in sorted(rows_by_size):
        if not baseline_rate.get(size):
            raise FiguresError("benchmarks-%d.json has no successful %s run at size %s to compare "
                               "with" % (chapter, baseline, significant(size)))
        for run, family, arguments in rows_by_size[size]:
            name = "/".join([family] + arguments[:-1])
            step = run.get("label") or family
            if run.get("error_occurred"):
                rows.append([cell(step), code(name), arguments[-1],
                             cell("error: " + clip(run.get("error_message", ""), 120)), "", ""])
                continue
            rate = run.get("items_per_second", 0.0)
            share_of_peak = ("(tensor cores)" if run.get("tensor_cores", 0) == 1
                             else "%s %%" % significant(100.0 * rate / peak))
            rows.append([cell(step), code(name), arguments[-1], significant(rate / 1e12),
                         "%s %%" % significant(100.0 * rate / baseline_rate[size]),
                         share_of_peak])
    return table(["step", "benchmark", "n", "TFLOP/s", "%% of %s" % code(baseline),
                  "%% of peak (%s TFLOP/s)" % significant(peak / 1e12)], rows)


# ---- pages --------------------------------------------------------------------------------------


class Block:
    def __init__(self, kind: str, attributes: Dict[str, str], begin: int, end: int) -> None:
        self.kind = kind
        self.attributes = attributes
        self.begin = begin  # index of the begin marker's line
        self.end = end      # index of the end marker's line


def find_blocks(lines: List[str], page: str) -> List[Block]:
    """The marker pairs of a page, in order. Blocks cannot nest or overlap."""
    blocks, open_block = [], None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("<!-- figures:"):
            continue
        match = MARKER.match(stripped)
        where = "%s:%d" % (page, number + 1)
        if match is None:
            raise FiguresError("%s: malformed marker %r; expected '<!-- figures:KIND key=value "
                               "... begin -->' or '... end -->'" % (where, stripped))
        kind = match.group("kind")
        attributes = dict(pair.split("=", 1) for pair in match.group("attributes").split())
        if kind not in KINDS:
            raise FiguresError("%s: unknown block kind '%s' (known: %s)" %
                               (where, kind, ", ".join(KINDS)))
        if match.group("edge") == "begin":
            if open_block is not None:
                raise FiguresError("%s: a block begins inside the block begun on line %d" %
                                   (where, open_block[2] + 1))
            if not re.fullmatch(r"\d+", attributes.get("chapter", "")):
                raise FiguresError("%s: the block needs chapter=N" % where)
            open_block = (kind, attributes, number)
        else:
            if open_block is None or open_block[0] != kind or open_block[1] != attributes:
                raise FiguresError("%s: this end marker matches no begin marker above it" % where)
            blocks.append(Block(kind, attributes, open_block[2], number))
            open_block = None
    if open_block is not None:
        raise FiguresError("%s:%d: the block has no end marker" % (page, open_block[2] + 1))
    return blocks


def render_block(results: Results, block: Block, allow_errors: bool) -> str:
    chapter = int(block.attributes["chapter"])
    renderers: Dict[str, Callable[..., str]] = {
        "machine": render_machine, "suite": render_suite, "graders": render_graders,
        "wrong-variants": render_wrong_variants}
    if block.kind == "benchmarks":
        return render_benchmarks(results, chapter, block.attributes, allow_errors)
    if block.kind == "steps":
        return render_steps(results, chapter, block.attributes, allow_errors)
    return renderers[block.kind](results, chapter, block.attributes)


def rewrite_page(text: str, page: str, results: Results, allow_errors: bool = False) -> str:
    """The page with every block's content replaced; the rest, markers included, unchanged."""
    lines = text.split("\n")
    blocks = find_blocks(lines, page)
    output, position = [], 0
    for block in blocks:
        try:
            content = render_block(results, block, allow_errors)
        except FiguresError as error:
            raise FiguresError("%s:%d (figures:%s): %s" % (page, block.begin + 1, block.kind, error))
        output += lines[position:block.begin + 1]
        # Blank lines around the content: a Markdown table or paragraph needs them.
        output += [""] + content.split("\n") + [""]
        position = block.end
    output += lines[position:]
    return "\n".join(output)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rewrite the figures blocks of results pages from one run's data.")
    parser.add_argument("--results", required=True, metavar="DIR",
                        help="the run's output directory (docs/results/reproduce.sh's $OUT)")
    parser.add_argument("--notes", metavar="DIR",
                        help="the graders' note files (default: DIR/course-notes)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit with 1 when a page would change")
    parser.add_argument("--allow-errors", action="store_true",
                        help="show benchmark runs that reported an error instead of stopping")
    parser.add_argument("pages", nargs="+", metavar="PAGE", help="results pages to rewrite")
    arguments = parser.parse_args(argv)
    results = Results(arguments.results, arguments.notes)
    try:
        updated = {}
        for page in arguments.pages:
            with open(page, encoding="utf-8") as f:
                text = f.read()
            new_text = rewrite_page(text, page, results, arguments.allow_errors)
            if new_text != text:
                updated[page] = new_text
    except (FiguresError, OSError) as error:
        print("figures: %s" % error, file=sys.stderr)
        print("figures: no page was changed", file=sys.stderr)
        return 2
    for page in arguments.pages:
        state = "would change" if arguments.check else "rewritten"
        print("figures: %s %s" % (page, state if page in updated else "unchanged"))
    if arguments.check:
        return 1 if updated else 0
    for page, text in updated.items():
        with open(page, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
