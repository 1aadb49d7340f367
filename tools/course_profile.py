"""./course profile EXERCISE and ./course roofline: Nsight Compute on an exercise's kernels, and
the roofline plot of the 5.3 grader's measurements.

`./course profile 1.2` builds the exercise's grader (your files: the student build), runs it
under Nsight Compute (ncu) with the grader's own test filter ("[1.2][speed]": its speed test when
it has one, otherwise its GPU or correctness test) and a few metrics, and prints one row per
kernel: time, DRAM throughput, achieved occupancy, shared-memory bank conflicts and the main warp
stall reasons. `--clock-control none` keeps the GPU's clocks as they are when the graders run, so
the times compare with theirs. Nsight Systems (nsys, the timeline of a whole program with its NVTX
ranges) is another tool; chapter 5's lesson says when to reach for which.

Standard library only; imported by course.py (command_modules), which it imports for the
declarations, the build and the GPU report.
"""

import argparse
import csv
import glob
import io
import os
import re
import shutil
import subprocess
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import course
import svg_plots

# Metric -> column. Names as ncu 2025 reports them (`ncu --query-metrics`); each is collected for
# every profiled kernel launch, in as many replay passes as ncu needs.
DURATION = "gpu__time_duration.sum"
DRAM = "dram__throughput.avg.pct_of_peak_sustained_elapsed"
SM = "sm__throughput.avg.pct_of_peak_sustained_elapsed"
OCCUPANCY = "sm__warps_active.avg.pct_of_peak_sustained_active"
BANK_CONFLICTS = "l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum"
STALL_PREFIX = "smsp__average_warps_issue_stalled_"
STALL_SUFFIX = "_per_issue_active.ratio"
STALL_REASONS = ("long_scoreboard", "short_scoreboard", "mio_throttle", "lg_throttle", "barrier",
                 "membar", "math_pipe_throttle", "wait", "not_selected", "no_instruction",
                 "dispatch_stall", "drain", "imc_miss", "branch_resolving", "tex_throttle",
                 "sleeping")
STALLS = tuple(STALL_PREFIX + reason + STALL_SUFFIX for reason in STALL_REASONS)
METRICS = (DURATION, DRAM, SM, OCCUPANCY, BANK_CONFLICTS) + STALLS

# What each stall reason means, in a few words, for the table's footnote.
STALL_MEANING = {
    "long_scoreboard": "waiting for global/local memory (L1TEX)",
    "short_scoreboard": "waiting for shared memory or a special function",
    "mio_throttle": "shared-memory/special-function queue full",
    "lg_throttle": "global-memory queue full (too many small loads)",
    "barrier": "waiting at __syncthreads",
    "membar": "waiting at a memory fence",
    "math_pipe_throttle": "the arithmetic units are busy (compute-bound)",
    "wait": "fixed-latency dependency",
    "not_selected": "ready, another warp was picked",
    "no_instruction": "instruction cache miss / branch target",
    "dispatch_stall": "dispatch conflict",
    "drain": "waiting for stores at exit",
    "imc_miss": "constant cache miss",
    "branch_resolving": "resolving a branch",
    "tex_throttle": "texture queue full",
    "sleeping": "__nanosleep or yield",
}

NO_NCU = (
    "ncu (Nsight Compute's command line) was not found. It is part of the CUDA Toolkit: look in "
    "the toolkit's bin/ (e.g. /usr/local/cuda/bin/ncu) or its nsight-compute-<version>/ "
    "directory. Install it with the toolkit (NVIDIA's package cuda-nsight-compute-<version>, e.g. "
    "apt install cuda-nsight-compute-13-0 from NVIDIA's CUDA repository) or on its own from "
    "https://developer.nvidia.com/nsight-compute; then put it on PATH or set NCU=/path/to/ncu.")

COUNTER_PERMISSION = (
    "ncu may not read the GPU's performance counters here (ERR_NVGPUCTRPERM): the NVIDIA driver "
    "lets only administrators profile by default on this machine. Either run it as root "
    "(sudo -E ./course profile ...), or have an administrator allow every user, once: put the "
    "line 'options nvidia NVreg_RestrictProfilingToAdminUsers=0' in a file under "
    "/etc/modprobe.d/ (e.g. /etc/modprobe.d/nvidia-profiling.conf), rebuild the initramfs where "
    "the distribution needs it (Ubuntu/Debian: update-initramfs -u) and reboot (or reload the "
    "nvidia kernel module). In a container, the container needs the capability SYS_ADMIN "
    "(docker run --cap-add SYS_ADMIN). /proc/driver/nvidia/params shows the current setting "
    "(RmProfilingAdminOnly: 1 means admins only). NVIDIA's page: "
    "https://developer.nvidia.com/ERR_NVGPUCTRPERM")


# ---- finding ncu ---------------------------------------------------------------------------------


def find_ncu(environ: Dict[str, str], which: Callable[[str], Optional[str]] = shutil.which,
             is_executable: Callable[[str], bool] = lambda p: os.access(p, os.X_OK),
             expand: Callable[[str], List[str]] = glob.glob) -> Optional[str]:
    """ncu's path: $NCU, then PATH, then beside nvcc, $CUDA_HOME, /usr/local/cuda and Nsight
    Compute's own install directories. None when there is none."""
    explicit = environ.get("NCU", "")
    if explicit:
        return explicit if is_executable(explicit) else None
    found = which("ncu")
    if found:
        return found
    candidates: List[str] = []
    nvcc = which("nvcc")
    if nvcc:
        candidates.append(os.path.join(os.path.dirname(os.path.realpath(nvcc)), "ncu"))
    for home in (environ.get("CUDA_HOME", ""), environ.get("CUDA_PATH", ""), "/usr/local/cuda"):
        if home:
            candidates.append(os.path.join(home, "bin", "ncu"))
            candidates.extend(sorted(expand(os.path.join(home, "nsight-compute-*", "ncu")),
                                     reverse=True))
    candidates.extend(sorted(expand("/opt/nvidia/nsight-compute/*/ncu"), reverse=True))
    for candidate in candidates:
        if is_executable(candidate):
            return candidate
    return None


# ---- what to run ---------------------------------------------------------------------------------


def choose_kind(exercise: "course.Exercise", requested: Optional[str]) -> str:
    """The grader test whose kernels to profile: the one asked for, or the exercise's speed test,
    else its gpu test, else its correctness test."""
    gpu_kinds = [kind for kind in exercise.tests if kind != "cpu"]
    if requested:
        if requested not in exercise.tests:
            raise course.CourseError("exercise %s has no '%s' test (it has: %s)" % (
                exercise.id, requested, " ".join(exercise.tests)))
        if requested == "cpu":
            raise course.CourseError("the cpu test of %s runs no kernel: nothing to profile"
                                     % exercise.id)
        return requested
    for kind in ("speed", "gpu", "correctness"):
        if kind in gpu_kinds:
            return kind
    raise course.CourseError("exercise %s is graded on the CPU only (tests: %s): it launches no "
                             "kernel to profile" % (exercise.id, " ".join(exercise.tests)))


def ncu_command(ncu: str, grader: str, exercise_id: str, kind: str, launch_count: int,
                kernel_regex: Optional[str] = None,
                metrics: Sequence[str] = METRICS) -> List[str]:
    command = [ncu, "--clock-control", "none", "--metrics", ",".join(metrics), "--csv",
               "--page", "raw", "--print-units", "base", "--launch-count", str(launch_count)]
    if kernel_regex:
        command += ["--kernel-name", "regex:" + kernel_regex]
    return command + [grader, "[%s][%s]" % (exercise_id, kind)]


# ---- reading ncu's CSV ---------------------------------------------------------------------------


def short_kernel_name(name: str) -> str:
    """'void (anonymous namespace)::fir_kernel<256>(const float *, float *, unsigned long)' ->
    'fir_kernel<256>'."""
    text = name.replace("(anonymous namespace)::", "").strip()
    depth = 0
    for index, char in enumerate(text):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif char == "(" and depth == 0:
            text = text[:index]
            break
    text = re.sub(r"^(void|__global__)\s+", "", text.strip())
    # Keep the last qualified component (outside template arguments).
    depth = 0
    cut = 0
    for index in range(len(text)):
        if text[index] == "<":
            depth += 1
        elif text[index] == ">":
            depth -= 1
        elif depth == 0 and text.startswith("::", index):
            cut = index + 2
    return text[cut:] or name


def to_number(text: str) -> Optional[float]:
    """ncu's numbers: '1,234,567' (thousands separators), '4.0e-05', 'n/a' -> None."""
    cleaned = text.strip().replace(",", "")
    if not cleaned or cleaned.lower() in ("n/a", "nan", "-"):
        return None
    try:
        return float(cleaned)
    except ValueError:
        return None


def csv_rows(text: str) -> List[List[str]]:
    """The CSV rows of ncu's output: lines that start with a double quote. Everything else (the
    program's own output, ==PROF== and ==WARNING== lines) is left out."""
    lines = [line for line in text.splitlines() if line.startswith('"')]
    return list(csv.reader(io.StringIO("\n".join(lines))))


class Launch:
    """One profiled kernel launch."""

    def __init__(self, ident: str, kernel: str) -> None:
        self.id = ident
        self.kernel = short_kernel_name(kernel)
        self.metrics: Dict[str, Optional[float]] = {}
        self.units: Dict[str, str] = {}


def parse_ncu_csv(text: str) -> List[Launch]:
    """Launches from `ncu --csv` output: the raw page (one row per launch, a row of units under
    the header) or the details page (one row per metric, 'Metric Name'/'Metric Value')."""
    rows = csv_rows(text)
    launches: List[Launch] = []
    header: List[str] = []
    units: List[str] = []
    by_id: Dict[str, Launch] = {}
    for row in rows:
        if row and row[0] == "ID":
            header, units = row, []
            continue
        if not header:
            continue
        if "Metric Name" in header:
            record = dict(zip(header, row))
            ident = record.get("ID", "")
            launch = by_id.get(ident)
            if launch is None:
                launch = by_id[ident] = Launch(ident, record.get("Kernel Name", "?"))
                launches.append(launch)
            name = record.get("Metric Name", "")
            launch.metrics[name] = to_number(record.get("Metric Value", ""))
            launch.units[name] = record.get("Metric Unit", "")
            continue
        if row and row[0] == "" and not units:
            units = row  # the raw page's units row
            continue
        record = dict(zip(header, row))
        launch = Launch(record.get("ID", ""), record.get("Kernel Name", "?"))
        for index, name in enumerate(header):
            if "__" in name and index < len(row):
                launch.metrics[name] = to_number(row[index])
                launch.units[name] = units[index] if index < len(units) else ""
        launches.append(launch)
    return launches


TIME_UNITS = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3,
              "second": 1e6, "s": 1e6}


def microseconds(launch: Launch) -> Optional[float]:
    value = launch.metrics.get(DURATION)
    if value is None:
        return None
    return value * TIME_UNITS.get(launch.units.get(DURATION, "nsecond") or "nsecond", 1e-3)


def mean(values: Sequence[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


class KernelSummary:
    def __init__(self, name: str) -> None:
        self.name = name
        self.launches = 0
        self.time_us: Optional[float] = None
        self.dram_pct: Optional[float] = None
        self.sm_pct: Optional[float] = None
        self.occupancy_pct: Optional[float] = None
        self.bank_conflicts: Optional[float] = None
        self.stalls: List[Tuple[str, float]] = []  # the largest first


def summarize(launches: Sequence[Launch]) -> List[KernelSummary]:
    """One summary per kernel name, in the order the kernels first ran: launches, mean time, mean
    DRAM and SM throughput and occupancy, total bank conflicts, the two largest stall reasons."""
    order: List[str] = []
    groups: Dict[str, List[Launch]] = {}
    for launch in launches:
        if launch.kernel not in groups:
            order.append(launch.kernel)
            groups[launch.kernel] = []
        groups[launch.kernel].append(launch)
    summaries = []
    for name in order:
        group = groups[name]
        summary = KernelSummary(name)
        summary.launches = len(group)
        summary.time_us = mean([microseconds(launch) for launch in group])
        summary.dram_pct = mean([launch.metrics.get(DRAM) for launch in group])
        summary.sm_pct = mean([launch.metrics.get(SM) for launch in group])
        summary.occupancy_pct = mean([launch.metrics.get(OCCUPANCY) for launch in group])
        conflicts = [launch.metrics.get(BANK_CONFLICTS) for launch in group]
        summary.bank_conflicts = sum(c for c in conflicts if c is not None) \
            if any(c is not None for c in conflicts) else None
        stalls = []
        for reason, metric in zip(STALL_REASONS, STALLS):
            value = mean([launch.metrics.get(metric) for launch in group])
            if value is not None and value > 0:
                stalls.append((reason, value))
        stalls.sort(key=lambda item: -item[1])
        summary.stalls = stalls[:2]
        summaries.append(summary)
    return summaries


def cell(value: Optional[float], form: str) -> str:
    return "n/a" if value is None else form % value


def format_table(summaries: Sequence[KernelSummary]) -> str:
    """The short table `./course profile` prints."""
    headers = ("kernel", "launches", "time (us)", "DRAM %", "SM %", "occupancy %",
               "bank conflicts", "main stalls (cycles per issued instruction)")
    rows = []
    for s in summaries:
        stalls = ", ".join("%s %.1f" % (reason, value) for reason, value in s.stalls) or "-"
        rows.append((course.clip(s.name, 40), str(s.launches), cell(s.time_us, "%.1f"),
                     cell(s.dram_pct, "%.1f"), cell(s.sm_pct, "%.1f"),
                     cell(s.occupancy_pct, "%.1f"), cell(s.bank_conflicts, "%.0f"), stalls))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(row[i].ljust(widths[i]) if i == 0 or i == len(row) - 1
                               else row[i].rjust(widths[i]) for i in range(len(row))))
    return "\n".join(line.rstrip() for line in lines)


def stall_footnote(summaries: Sequence[KernelSummary]) -> str:
    reasons = []
    for s in summaries:
        for reason, _ in s.stalls:
            if reason not in reasons:
                reasons.append(reason)
    return "; ".join("%s: %s" % (r, STALL_MEANING.get(r, "?")) for r in reasons)


def diagnose(output: str) -> Optional[str]:
    """What went wrong, from ncu's own messages, or None."""
    if "ERR_NVGPUCTRPERM" in output:
        return COUNTER_PERMISSION
    failed = re.search(r"==ERROR== Failed to (?:access|find|query) the following metrics?:?(.*)",
                       output)
    if failed:
        return ("this ncu does not know some of the course's metrics (%s): it is older than the "
                "course expects, or this GPU lacks them; `ncu --query-metrics` lists what it has"
                % failed.group(1).strip())
    for line in output.splitlines():
        if line.startswith("==ERROR=="):
            return "ncu failed: " + line[len("==ERROR=="):].strip()
    if "No kernels were profiled" in output:
        return ("ncu profiled no kernel: the grader's selected tests launched none (an exercise "
                "whose TODO is still there fails before its first launch: ./course grade says "
                "where), or --kernel matched none")
    return None


def rejected_metrics(output: str) -> List[str]:
    """The course's metrics that ncu's error lines name: an ncu or a GPU without them refuses the
    whole run, so the command retries once without them."""
    errors = "\n".join(line for line in output.splitlines() if line.startswith("==ERROR=="))
    return [metric for metric in METRICS if metric in errors]


# ---- the commands --------------------------------------------------------------------------------


def find_exercise(ident: str) -> "course.Exercise":
    chapters = course.read_chapters()
    for chapter in chapters:
        for exercise in chapter.exercises:
            if exercise.id == ident:
                return exercise
    listing = "; ".join("chapter %d: %s" % (c.number, " ".join(e.id for e in c.exercises))
                        for c in chapters)
    raise course.CourseError("there is no exercise %s. What exists: %s" % (ident, listing))


def command_profile(arguments: argparse.Namespace) -> int:
    exercise = find_exercise(arguments.exercise)
    kind = choose_kind(exercise, arguments.kind)
    if arguments.launch_count < 1:
        raise course.CourseError("--launch-count must be at least 1")
    course.find_toolchain()
    course.ensure_dependencies(["catch2"], [])
    preset = "solutions" if arguments.solutions else "student"
    build = os.path.join(course.ROOT, "build", preset)
    log = course.Log(os.path.join(build, "course-profile.log"), arguments.verbose)
    course.configure(preset, log)
    problems = course.build_graders(build, [exercise], log, ["course_gpu_info"])
    if exercise.id in problems:
        raise course.CourseError("%s cannot be profiled: %s" % (exercise.id,
                                                                problems[exercise.id]))
    information = course.gpu_information(build)
    ncu = find_ncu(dict(os.environ))
    if information.get("usable") != "yes":
        reason = "%s. %s" % (information.get("summary", "course-gpu-info did not run"),
                             information.get("detail", ""))
        raise course.CourseError(
            "cannot profile here: no usable GPU (%s). Nsight Compute measures kernels while they "
            "run on a GPU.%s" % (
                reason.strip(), "" if ncu else " ncu is not installed here either: " + NO_NCU))
    if ncu is None:
        raise course.CourseError(NO_NCU)
    grader = os.path.join(build, "graders", "grade-" + exercise.id)
    command = ncu_command(ncu, grader, exercise.id, kind, arguments.launch_count,
                          arguments.kernel)
    course.say(course.describe_gpu(information))
    course.say("course: profiling %s (%s test, at most %d kernel launches) with %s" % (
        exercise.id, kind, arguments.launch_count, ncu))
    course.say("%s$ %s%s" % (course.STYLE.dim, " ".join(command), course.STYLE.reset))
    log.write("\n$ %s\n" % " ".join(command))
    run = subprocess.run(command, cwd=course.ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, errors="replace")
    log.write(run.stdout)
    launches = parse_ncu_csv(run.stdout)
    rejected = rejected_metrics(run.stdout) if not launches else []
    if rejected and len(rejected) < len(METRICS):
        course.say("course: this ncu refused %s; profiling again without %s" % (
            ", ".join(rejected), "it" if len(rejected) == 1 else "them"))
        command = ncu_command(ncu, grader, exercise.id, kind, arguments.launch_count,
                              arguments.kernel, [m for m in METRICS if m not in rejected])
        log.write("\n$ %s\n" % " ".join(command))
        run = subprocess.run(command, cwd=course.ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, errors="replace")
        log.write(run.stdout)
        launches = parse_ncu_csv(run.stdout)
    problem = diagnose(run.stdout)
    if not launches:
        tail = course.tail_of("\n".join(line for line in run.stdout.splitlines()
                                        if not line.startswith('"')), 15)
        raise course.CourseError("%s\n%s\n(full output: %s)" % (
            problem or "ncu printed no measurements", tail, log.path))
    summaries = summarize(launches)
    course.say("")
    course.say("%sExercise %s: %s%s, %d kernel launch(es) profiled" % (
        course.STYLE.bold, exercise.id, exercise.title, course.STYLE.reset, len(launches)))
    course.say(format_table(summaries))
    footnote = stall_footnote(summaries)
    if footnote:
        course.say("%sstalls: %s%s" % (course.STYLE.dim, footnote, course.STYLE.reset))
    course.say("%sDRAM %% and SM %%: throughput as a share of the peak (the higher of the two is "
               "the limit); occupancy: warps active as a share of the SM's maximum. Times are "
               "ncu's, clocks not locked (--clock-control none). The grader's own verdict "
               "under the profiler does not count: ncu replays every kernel several times. "
               "Full output: %s%s" % (course.STYLE.dim, log.path, course.STYLE.reset))
    if problem and "ERR_NVGPUCTRPERM" not in run.stdout:
        course.say("course: note: %s" % problem)
    return 0


def command_roofline(arguments: argparse.Namespace) -> int:
    build = arguments.build or os.path.join(course.ROOT, "build", "student")
    source = arguments.input or os.path.join(build, "course-notes", "ch5.3-gpu-roofline.json")
    if not os.path.exists(source):
        raise course.CourseError(
            "no roofline data at %s: the 5.3 grader writes it when it runs on a GPU "
            "(./course grade 5.3, or --input PATH)" % source)
    import json
    with open(source, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except ValueError as error:
            raise course.CourseError("%s is not JSON: %s" % (source, error))
    try:
        text = svg_plots.roofline_from_grader(data)
    except svg_plots.PlotError as error:
        raise course.CourseError("%s: %s" % (source, error))
    output = arguments.output or os.path.join(build, "roofline-5.3.svg")
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    course.say("course: roofline of %s written to %s" % (data.get("gpu", "this GPU"),
                                                          os.path.relpath(output, os.getcwd())))
    return 0


def register(subparsers, grade_parser) -> Dict[str, Callable[[argparse.Namespace], int]]:
    del grade_parser  # nothing to add to ./course grade
    profile = subparsers.add_parser(
        "profile", help="run Nsight Compute on an exercise's kernels: a short table per kernel")
    profile.add_argument("exercise", metavar="EXERCISE", help="an exercise id, e.g. 1.2")
    profile.add_argument("--kind", choices=("speed", "gpu", "correctness"),
                         help="which of its graders' tests to run (default: speed, else gpu, "
                              "else correctness)")
    profile.add_argument("--launch-count", type=int, default=40,
                         help="profile at most this many kernel launches (default 40)")
    profile.add_argument("--kernel", metavar="REGEX",
                         help="profile only kernels whose name matches this regular expression")
    profile.add_argument("--solutions", action="store_true",
                         help="profile the reference solutions (build/solutions), not your files")
    profile.add_argument("-v", "--verbose", action="store_true")
    roofline = subparsers.add_parser(
        "roofline", help="draw the roofline the 5.3 grader measured on your GPU (SVG)")
    roofline.add_argument("--build", metavar="DIR",
                          help="the build whose 5.3 data to draw (default build/student)")
    roofline.add_argument("--input", metavar="JSON", help="the data file (default: "
                          "<build>/course-notes/ch5.3-gpu-roofline.json)")
    roofline.add_argument("--output", metavar="SVG", help="where to write the plot (default: "
                          "<build>/roofline-5.3.svg)")
    return {"profile": command_profile, "roofline": command_roofline}
