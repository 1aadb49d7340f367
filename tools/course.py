"""The course command: grade your chapters, run the project's own suite, set up, build the docs.

Run it as ./course (the shell script at the top of the repository starts this file). Python 3.8+,
standard library only. Everything the scoreboard shows comes from machine formats: the chapter
declarations (tests/chapter<N>/exercises.txt), CTest's JUnit output, and the note files the grader
supervisor (tools/course_supervise.py) writes (<build>/course-notes/<test>.txt, one "FIGURE:",
"FAIL:" or "SKIP:" line each, then "VERDICT: ..."). A verdict counts only when the last line of
the test's output in the JUnit file, "COURSE-VERDICT: ... notes-sha256=...", vouches for it.
"""

import argparse
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
KINDS = ("cpu", "gpu", "correctness", "speed")
CHAPTER_KEYS = ("chapter", "directory", "title", "support", "libraries")
EXERCISE_KEYS = ("exercise", "title", "file", "graders", "tests", "needs", "optional", "serial",
                 "points", "hint", "forbid")
# What a `forbid:` line may name: the library families of the object-file gate (course_inspect.py's
# FAMILIES, cmake/CourseDeclaration.cmake's COURSE_FORBID_FAMILIES).
FORBID_FAMILIES = ("cublas", "cub", "thrust", "cutlass")


class CourseError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


# ---- output --------------------------------------------------------------------------------------


class Style:
    def __init__(self, stream) -> None:
        on = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self.bold = "\033[1m" if on else ""
        self.red = "\033[31m" if on else ""
        self.green = "\033[32m" if on else ""
        self.yellow = "\033[33m" if on else ""
        self.dim = "\033[2m" if on else ""
        self.reset = "\033[0m" if on else ""
        self.tty = on


STYLE = Style(sys.stdout)


def say(text: str = "") -> None:
    print(text, flush=True)


def line_width() -> int:
    """The terminal's width (160 when the output is not a terminal): one row, one line."""
    if not sys.stdout.isatty():
        return 160
    return shutil.get_terminal_size((160, 40)).columns


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# ---- declarations --------------------------------------------------------------------------------


class Exercise:
    def __init__(self, chapter: "Chapter", ident: str, line: str) -> None:
        self.chapter = chapter
        self.id = ident
        self.where = line
        self.title = ""
        self.file = ""
        self.graders: List[str] = []
        self.tests: List[str] = []
        self.needs: List[str] = []
        self.optional = False
        self.serial = False
        self.points = 0
        self.hints: List[str] = []
        self.forbid: List[str] = []  # library families the object-file gate rejects

    @property
    def target(self) -> str:
        return "course_grade_" + self.id.replace(".", "_")

    @property
    def source(self) -> str:
        return "chapters/%s/%s" % (self.chapter.directory, self.file)

    def test_names(self) -> List[str]:
        return ["ch%s-%s" % (self.id, kind) for kind in self.tests]


class Chapter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.number = 0
        self.directory = ""
        self.title = ""
        self.exercises: List[Exercise] = []


def read_declaration(path: str) -> Chapter:
    """Reads tests/chapter<N>/exercises.txt; the same rules as cmake/CourseDeclaration.cmake."""
    chapter = Chapter(path)
    fields: Dict[str, str] = {}
    current: Optional[Exercise] = None
    relative = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = "%s:%d" % (relative, number)
            match = re.match(r"^([a-z]+):[ \t]*(.*)$", line)
            if not match:
                raise CourseError("%s: expected 'key: value', found '%s'" % (where, line))
            key, value = match.group(1), match.group(2)
            if key == "exercise":
                current = Exercise(chapter, value, where)
                chapter.exercises.append(current)
            elif current is None:
                if key not in CHAPTER_KEYS:
                    raise CourseError("%s: '%s' is not a chapter field" % (where, key))
                fields[key] = value
            else:
                if key not in EXERCISE_KEYS:
                    raise CourseError("%s: '%s' is not an exercise field" % (where, key))
                if key == "title":
                    current.title = value
                elif key == "file":
                    current.file = value
                elif key == "graders":
                    current.graders = value.split()
                elif key == "tests":
                    current.tests = value.split()
                elif key == "needs":
                    current.needs = value.split()
                elif key == "optional":
                    current.optional = value == "yes"
                elif key == "serial":
                    current.serial = value == "yes"
                elif key == "points":
                    current.points = int(value) if value.isdigit() else 0
                elif key == "hint":
                    current.hints.append(value)
                elif key == "forbid":
                    current.forbid = [w for w in re.split(r"[\s,]+", value) if w]
                    unknown = [w for w in current.forbid if w not in FORBID_FAMILIES]
                    if unknown:
                        raise CourseError("%s: 'forbid:' names library families, one of %s, "
                                          "not '%s'" % (where, " ".join(FORBID_FAMILIES),
                                                        unknown[0]))
    try:
        chapter.number = int(fields["chapter"])
        chapter.directory = fields["directory"]
        chapter.title = fields["title"]
    except (KeyError, ValueError):
        raise CourseError("%s: needs 'chapter:', 'directory:' and 'title:' fields" % relative)
    return chapter


def read_chapters(root: Optional[str] = None) -> List[Chapter]:
    tests = os.path.join(root or ROOT, "tests")
    chapters = []
    for name in os.listdir(tests):
        path = os.path.join(tests, name, "exercises.txt")
        if re.match(r"^chapter[0-9]+$", name) and os.path.isfile(path):
            chapters.append(read_declaration(path))
    chapters.sort(key=lambda chapter: chapter.number)
    return chapters


def select_exercises(chapters: List[Chapter], wanted: List[str]) -> Tuple[List[Exercise], bool]:
    """Exercises for the command line's chapter numbers and exercise ids (all when empty). The
    second value is True when exercises were named one by one (then every one of them counts)."""
    if not wanted:
        return [e for c in chapters for e in c.exercises], False
    by_chapter = {str(c.number): c for c in chapters}
    by_id = {e.id: e for c in chapters for e in c.exercises}
    chosen: List[Exercise] = []
    named = False
    for item in wanted:
        if item in by_chapter:
            chosen.extend(by_chapter[item].exercises)
        elif item in by_id:
            chosen.append(by_id[item])
            named = True
        else:
            listing = "; ".join(
                "chapter %d (%s): %s" % (c.number, c.title, " ".join(e.id for e in c.exercises))
                for c in chapters)
            kind = "exercise" if "." in item else "chapter"
            raise CourseError("there is no %s %s. What exists: %s" % (kind, item, listing))
    order = [e for c in chapters for e in c.exercises]  # the course's order, not the command's
    return [e for e in order if e in chosen], named


# ---- tools and dependencies ----------------------------------------------------------------------


def use_tree(root: str) -> None:
    """Makes the helpers of this module work on another copy of the course: paths in messages,
    the working directory of builds (./course grade --submission grades a private copy)."""
    global ROOT
    ROOT = root


def find_toolchain() -> None:
    if not shutil.which("nvcc") and os.access("/usr/local/cuda/bin/nvcc", os.X_OK):
        os.environ["PATH"] = "/usr/local/cuda/bin" + os.pathsep + os.environ.get("PATH", "")
    if not shutil.which("nvcc"):
        raise CourseError("nvcc not found: install the CUDA Toolkit "
                          "(https://developer.nvidia.com/cuda-downloads) or put its bin/ on PATH")
    if not shutil.which("cmake"):
        raise CourseError("cmake not found: install CMake 3.25 or newer "
                          "(apt install cmake, or pip install cmake)")
    version = cmake_version()
    if version < (3, 25):
        raise CourseError("CMake %d.%d is too old: the course needs 3.25 or newer "
                          "(pip install cmake gives a current one)" % version)


def cmake_version() -> Tuple[int, int]:
    output = subprocess.run(["cmake", "--version"], stdout=subprocess.PIPE,
                            universal_newlines=True, check=False).stdout
    match = re.search(r"(\d+)\.(\d+)", output)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


PACKAGES = {"catch2": "catch2", "benchmark": "libbenchmark-dev", "doxygen": "doxygen"}
WHAT_FOR = {"catch2": "the graders", "benchmark": "the benchmark programs",
            "doxygen": "the HTML documentation"}


def probe_dependencies() -> List[str]:
    """The dependencies CMake cannot find now (CMAKE_PREFIX_PATH included): a fresh probe every
    time, so that an install made a minute ago is seen."""
    with tempfile.TemporaryDirectory(prefix="course-probe-") as scratch:
        result = os.path.join(scratch, "result.txt")
        run = subprocess.run(
            ["cmake", "-S", os.path.join(ROOT, "cmake", "probe"), "-B", os.path.join(scratch, "b"),
             "-DCOURSE_PROBE_OUT=" + result],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if run.returncode != 0 or not os.path.exists(result):
            raise CourseError("the dependency probe (cmake/probe) failed:\n" + run.stdout[-2000:])
        with open(result, encoding="utf-8") as handle:
            return [line.split()[0] for line in handle if line.split()[1:] == ["missing"]]


def can_use_apt() -> bool:
    if not shutil.which("apt-get"):
        return False
    if os.geteuid() == 0:
        return True
    return bool(shutil.which("sudo")) and subprocess.run(
        ["sudo", "-n", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def apt_install(packages: List[str]) -> bool:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = prefix + ["apt-get", "install", "-y", "--no-install-recommends"] + packages
    say("course: $ " + " ".join(command))
    if subprocess.run(command, env=environment).returncode == 0:
        return True
    say("course: that failed; refreshing the package lists (apt-get update) and trying again")
    subprocess.run(prefix + ["apt-get", "update"], env=environment)
    return subprocess.run(command, env=environment).returncode == 0


def ensure_dependencies(required: List[str], wanted: List[str], install_wanted: bool = True) -> None:
    """Installs what `required` (the command cannot work without) and `wanted` (nice to have)
    lack, with apt when allowed, saying so first and showing apt's own progress. With
    install_wanted False only `required` is installed; a missing `wanted` is only reported."""
    missing = [name for name in probe_dependencies() if name in required + wanted]
    if not missing:
        return
    for name in missing:
        say("course: %s (for %s) is missing" % (name, WHAT_FOR[name]))
    to_install = [name for name in missing if install_wanted or name in required]
    if to_install and can_use_apt() and not setting("COURSE_NO_INSTALL"):
        packages = [PACKAGES[name] for name in to_install]
        if "doxygen" in to_install and os.path.isdir("/usr/share/doxygen-awesome-css") is False:
            packages.append("doxygen-awesome-css")
        say("course: installing it with apt (set COURSE_NO_INSTALL=1 to never install)")
        if not apt_install(packages):
            say("course: apt could not install %s" % " ".join(packages))
        missing = [name for name in probe_dependencies() if name in required + wanted]
    fatal = [name for name in missing if name in required]
    for name in missing:
        advice = "install it (Debian/Ubuntu: sudo apt install %s), or point CMAKE_PREFIX_PATH at " \
                 "an installation" % PACKAGES[name]
        if name in fatal:
            say("%scourse: missing %s: %s%s" % (STYLE.red, name, advice, STYLE.reset))
        else:
            say("%scourse: %s not found (%s%s); continuing without %s%s" %
                (STYLE.yellow, name, advice, "" if install_wanted else ", or run ./course setup",
                 WHAT_FOR[name], STYLE.reset))
    if fatal:
        raise CourseError("cannot continue without " + " and ".join(fatal))


# ---- the environment and the command line: checked before anything is built ---------------------


def whole_number(text: str, low: int, high: int) -> Optional[int]:
    """int(text) when it is digits only (no sign, no space, no '_') and within [low, high]."""
    if not re.fullmatch(r"[0-9]+", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def folder_or_new(text: str) -> Optional[str]:
    """A folder that exists, or a path where one can be made (nothing there yet)."""
    return None if os.path.exists(text) and not os.path.isdir(text) else text


class Variable:
    """An environment variable the course reads: what a value means and which are allowed.
    `parse` gives the value, or None when the text is not allowed; an empty value is the same as
    an unset one unless `empty_allowed` is False (the graders' C++ refuses COURSE_SEED="")."""

    def __init__(self, name: str, what: str, allowed: str, parse, default=None,
                 empty_allowed: bool = True) -> None:
        self.name = name
        self.what = what
        self.allowed = allowed
        self.parse = parse
        self.default = default
        self.empty_allowed = empty_allowed

    def problem(self, text: str) -> str:
        return '%s="%s" is not %s: %s' % (self.name, text, self.what, self.allowed)


def switch(text: str) -> Optional[bool]:
    return {"0": False, "1": True}.get(text)


def never(text: str) -> None:
    del text
    return None


# Every COURSE_* variable that ./course or the graders it runs read. ./course checks them all
# before it builds anything (check_environment), so that a typo costs a message, not a build
# followed by a grade of 0 (the graders' C++ checks COURSE_SEED too, but only when they run).
VARIABLES = {variable.name: variable for variable in (
    Variable("COURSE_SEED", "a valid seed",
             "a whole number from 0 to 2^64-1 (18446744073709551615), digits only "
             "(e.g. COURSE_SEED=12345), or unset it for the graders' default seed",
             lambda text: whole_number(text, 0, (1 << 64) - 1), empty_allowed=False),
    Variable("COURSE_REQUIRE_GPU", "a valid switch",
             "1 (a grader that cannot reach a GPU fails) or 0 (it is not graded; the default)",
             switch, False),
    Variable("COURSE_NO_INSTALL", "a valid switch",
             "1 (never install a missing package) or 0 (install it with apt when allowed; "
             "the default)", switch, False),
    Variable("COURSE_JOBS", "a valid number of parallel jobs",
             "a whole number from 1 to 1024 (default: the number of cores)",
             lambda text: whole_number(text, 1, 1024)),
    Variable("COURSE_SUBMISSION_MAX_MB", "a valid size",
             "a whole number of MiB from 1 to 1048576: the most a submission's archive may "
             "unpack to (default 200)", lambda text: whole_number(text, 1, 1 << 20), 200),
    Variable("COURSE_FILE_LIMIT_MB", "a valid size",
             "a whole number of MiB from 1 to 1048576: the largest file a build or grader of a "
             "submission may write (default 1024)", lambda text: whole_number(text, 1, 1 << 20),
             1024),
    Variable("COURSE_BUILD_MEMORY_GB", "a valid memory limit",
             "a whole number of GiB from 1 to 65536: the address space of each build step of a "
             "submission (default 16)", lambda text: whole_number(text, 1, 1 << 16), 16),
    Variable("COURSE_IMAGE_DIR", "a folder",
             "the folder chapter 2's graders write their pictures to (made when missing; "
             "relative paths start in the build folder): not an existing file", folder_or_new),
    Variable("COURSE_UNDER_SANITIZER", "for ./course",
             "docs/results/reproduce.sh sets it around compute-sanitizer only (graders then note "
             "timings instead of failing slow code): unset it", never),
    Variable("COURSE_OBJECT_GATE", "a valid switch",
             "on (the default) or off: off turns the object gate (tools/course_inspect.py) off "
             "in a build configured with it, only for tests of the layers behind it (the "
             "sandbox); never for grading",
             lambda text: {"on": True, "off": False}.get(text), True),
    Variable("COURSE_NOTE_FILE", "for ./course",
             "CTest sets it for each grader test (cmake/Course.cmake): unset it", never),
)}
# COURSE_* variables of the CI scripts and the GitHub Classroom workflow: not read by ./course,
# so never a typo of one of its own.
OTHER_VARIABLES = ("COURSE_CUDA12_OPTIONAL", "COURSE_CUDA12_CUBLAS", "COURSE_CUDA12_CACHE",
                   "COURSE_CUDA12_BUILD", "COURSE_SLURM_OPTIONAL", "COURSE_SLURM_KEEP",
                   "COURSE_PRISTINE_DIR", "COURSE_PRISTINE_REPO", "COURSE_PRISTINE_REF",
                   "COURSE_PRISTINE_TOKEN", "COURSE_CACHE", "COURSE_WHAT", "COURSE_TIME_LIMIT")


def setting(name: str):
    """The value of the environment variable `name` (one of VARIABLES): its default when unset,
    CourseError naming it, its value and what is allowed when the value is not."""
    variable = VARIABLES[name]
    text = os.environ.get(name)
    if text is None or (text == "" and variable.empty_allowed):
        return variable.default
    value = variable.parse(text)
    if value is None:
        raise CourseError(variable.problem(text))
    return value


def check_environment() -> None:
    """Every COURSE_* variable that is set, checked at once: CourseError listing each one that is
    not allowed. A name that is none of them but close to one gets a warning (a typo)."""
    import difflib
    problems = []
    for name in sorted(VARIABLES):
        try:
            setting(name)
        except CourseError as error:
            problems.append(str(error))
    for name in sorted(os.environ):
        if name.startswith("COURSE_") and name not in VARIABLES and name not in OTHER_VARIABLES:
            close = difflib.get_close_matches(name, list(VARIABLES), n=1, cutoff=0.85)
            if close:
                print("course: warning: %s is not a variable the course reads: did you mean %s?"
                      % (name, close[0]), file=sys.stderr)
    if problems:
        raise CourseError(problems[0] if len(problems) == 1 else
                          "invalid environment:\n  " + "\n  ".join(problems))


def number_argument(low: int, high: Optional[int] = None, unit: str = "", number=int):
    """An argparse type: a number from `low` (to `high`), else an error that argparse prints
    naming the option, with exit status 2."""
    def parse(text: str):
        try:
            value = number(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < low or \
                (high is not None and value > high):
            kind = "a whole number" if number is int else "a number"
            bounds = "from %s to %s" % (low, high) if high is not None else "of %s or more" % low
            raise argparse.ArgumentTypeError("'%s' is not allowed: %s %s%s" % (
                text, kind, bounds, (" " + unit) if unit else ""))
        return value
    parse.__name__ = "number"
    return parse


def one_line_argument(text: str) -> str:
    """An argparse type for values written into a line of a file (an #SBATCH line)."""
    if "\n" in text or "\r" in text or "\0" in text:
        raise argparse.ArgumentTypeError("%r is not allowed: one line, no newline" % text)
    return text


# ---- building ------------------------------------------------------------------------------------


def jobs() -> int:
    return setting("COURSE_JOBS") or os.cpu_count() or 2


class Log:
    """The command's log file; with --verbose everything also goes to the screen."""

    def __init__(self, path: str, verbose: bool) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.verbose = verbose
        self.handle = open(path, "w", encoding="utf-8")
        self.status_shown = False

    def write(self, text: str) -> None:
        self.handle.write(text)
        self.handle.flush()
        if self.verbose:
            sys.stdout.write(text)
            sys.stdout.flush()

    def status(self, text: str) -> None:
        """A progress line that rewrites itself on a terminal."""
        if self.verbose:
            return
        if STYLE.tty:
            sys.stdout.write("\r\033[K" + text)
            sys.stdout.flush()
            self.status_shown = True

    def end_status(self) -> None:
        if self.status_shown:
            sys.stdout.write("\r\033[K")
            sys.stdout.flush()
            self.status_shown = False

    def run(self, command: List[str], what: str) -> Tuple[int, str]:
        """Runs `command`, keeping its output in the log (and returning it), with a progress line
        from Ninja's or Make's [n/m] counters."""
        self.write("\n$ %s\n" % " ".join(command))
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, universal_newlines=True,
                                   errors="replace")
        lines: List[str] = []
        started = time.time()
        self.status("course: %s ..." % what)
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            self.write(line)
            counter = re.match(r"^\[\s*(\d+)/(\d+)\]", line) or re.match(r"^\[\s*(\d+)%\]", line)
            if counter:
                done = "/".join(counter.groups()) if counter.lastindex == 2 else counter.group(1) + "%"
                self.status("course: %s [%s] %ds" % (what, done, time.time() - started))
        status = process.wait()
        self.end_status()
        return status, "".join(lines)


def generator_arguments(build: str) -> List[str]:
    if os.path.exists(os.path.join(build, "CMakeCache.txt")):
        return []
    if shutil.which("ninja") and not os.environ.get("CMAKE_GENERATOR"):
        return ["-G", "Ninja"]
    return []


def configure(preset: str, log: Log) -> str:
    build = os.path.join(ROOT, "build", preset)
    command = ["cmake", "--preset", preset] + generator_arguments(build)
    status, output = log.run(command, "configuring the %s build" % preset)
    if status != 0:
        raise CourseError("configuring the %s build failed:\n%s\n(full log: %s)" %
                          (preset, tail_of(output, 40), log.path))
    return build


def tail_of(text: str, lines: int) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines()[-lines:])


def keep_going_arguments(build: str) -> List[str]:
    if os.path.exists(os.path.join(build, "build.ninja")):
        return ["--", "-k", "0"]
    return ["--", "-k"]


COMPILER_ERROR = [
    # nvcc (EDG front end): file(line): error: message
    re.compile(r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+)\): (?:catastrophic )?error\b[^:]*: (?P<message>.*)$"),
    # g++ / clang: file:line:column: error: message
    re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<message>.*)$"),
]
LINKER_ERROR = re.compile(r"undefined reference to [`'](?P<symbol>[^']*)'")


def first_error(output: str) -> Optional[Tuple[str, str]]:
    """(the file relative to the repository, "file:line: message") of the first compiler error,
    or (None, "...") for a link error."""
    for line in output.splitlines():
        for pattern in COMPILER_ERROR:
            match = pattern.match(line.strip())
            if match:
                path = match.group("file")
                relative = os.path.relpath(os.path.realpath(path), ROOT) if os.path.isabs(path) \
                    else path
                return relative, "%s:%s: %s" % (relative, match.group("line"),
                                                match.group("message").strip())
    for line in output.splitlines():
        match = LINKER_ERROR.search(line)
        if match:
            return "", "does not link: undefined reference to %s" % match.group("symbol")
    return None


def build_graders(build: str, exercises: List[Exercise], log: Log,
                  extra_targets: List[str]) -> Dict[str, str]:
    """Builds each exercise's grader. Returns {exercise id: why it could not be built}."""
    targets = [e.target for e in exercises]
    status, _ = log.run(["cmake", "--build", build, "-j", str(jobs()), "--target"] + targets +
                        extra_targets + keep_going_arguments(build), "building the graders")
    if status == 0:
        return {}
    # Something failed: build each grader alone to see which, and why.
    problems: Dict[str, str] = {}
    for exercise in exercises:
        status, output = log.run(["cmake", "--build", build, "--target", exercise.target],
                                 "finding what does not compile (%s)" % exercise.id)
        if status == 0:
            continue
        error = first_error(output)
        if error is None:
            problems[exercise.id] = "DOES NOT BUILD: see %s" % log.path
            continue
        path, text = error
        by_source = {e.source: e for e in exercise.chapter.exercises}
        culprit = by_source.get(path)
        if culprit is not None and culprit is not exercise and culprit.id in needed_ids(exercise):
            problems[exercise.id] = "NOT GRADED: it needs %s, and %s does not compile" % (
                culprit.id, culprit.source)
        else:
            problems[exercise.id] = "DOES NOT COMPILE: " + text
    return problems


def needed_ids(exercise: Exercise) -> List[str]:
    by_id = {e.id: e for e in exercise.chapter.exercises}
    result: List[str] = []
    queue = list(exercise.needs)
    while queue:
        ident = queue.pop(0)
        if ident not in result and ident in by_id:
            result.append(ident)
            queue.extend(by_id[ident].needs)
    return result


# ---- running tests -------------------------------------------------------------------------------


class TestResult:
    def __init__(self, name: str, status: str, message: str, output: str) -> None:
        self.name = name
        self.status = status  # passed, failed, skipped, timeout, notrun
        self.message = message
        self.output = output


# What every CTest run of graders passes: the build fixtures (build.ch<id>, for a student's own
# `ctest`) are left out, since the course command builds first; and CTest keeps the end of a long
# output (by default it keeps only the start), where the supervisor's COURSE-VERDICT line is.
CTEST_GRADING_ARGUMENTS = ["-FA", ".*", "--test-output-truncation", "middle"]


def run_ctest(build: str, log: Log, selection: List[str], what: str) -> Dict[str, TestResult]:
    junit = os.path.join(build, "course-junit.xml")
    if os.path.exists(junit):
        os.remove(junit)
    command = ["ctest", "--test-dir", build, "-j", str(jobs()), "--output-on-failure",
               "--output-junit", junit] + CTEST_GRADING_ARGUMENTS + selection
    _, output = log.run(command, what)
    if not os.path.exists(junit):
        raise CourseError("CTest wrote no results (%s); see %s" % (junit, log.path))
    return mark_timeouts(read_junit(junit), output)


def mark_timeouts(results: Dict[str, TestResult], output: str) -> Dict[str, TestResult]:
    """CTest 3.25's JUnit file does not tell a time-out from a failure (an empty failure
    message); its console line does: 'Test  #1: ch1.1-cpu ....***Timeout  10.01 sec'."""
    for name in re.findall(r"Test\s+#\d+: (\S+) \.*\s*\*+Timeout\b", output):
        if name in results and results[name].status == "failed":
            results[name].status = "timeout"
    return results


def read_junit(path: str) -> Dict[str, TestResult]:
    results: Dict[str, TestResult] = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        status = case.get("status", "")
        output = (case.findtext("system-out") or "")
        skipped = case.find("skipped")
        failure = case.find("failure")
        message = ""
        if status == "run":
            result = "passed"
        elif status == "notrun" and skipped is not None and \
                skipped.get("message", "").startswith("SKIP_"):
            result = "skipped"
        elif status == "notrun":
            result = "notrun"
            message = skipped.get("message", "") if skipped is not None else ""
        else:
            message = failure.get("message", "") if failure is not None else ""
            result = "timeout" if "Timeout" in message else "failed"
        results[name] = TestResult(name, result, message, output)
    return results


def note_path(build: str, test: str) -> str:
    return os.path.join(build, "course-notes", test + ".txt")


def read_notes(build: str, test: str) -> Dict[str, List[str]]:
    notes: Dict[str, List[str]] = {"FIGURE": [], "FAIL": [], "SKIP": [], "VERDICT": []}
    path = note_path(build, test)
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, text = line.rstrip("\n").partition(": ")
                if key in notes:
                    notes[key].append(text)
    return notes


VERDICT_LINE = re.compile(r"^COURSE-VERDICT: (passed|failed|not graded) "
                          r"notes-sha256=([0-9a-f]{64})[ \t\r]*$", re.MULTILINE)
VERDICT_WORDS = ("passed", "failed", "not graded")


def test_verdict(build: str, test: str,
                 result: Optional[TestResult]) -> Tuple[str, str, Dict[str, List[str]]]:
    """(status, why, notes) of one grader test, from evidence no exercise's code can forge:
    the grader supervisor's last output line, which CTest wrote into the JUnit file after every
    test had ended, and the note file whose digest that line carries (a test's code could rewrite
    another test's note file while it runs; it cannot rewrite what CTest captured). The status is
    passed, failed, skipped (not graded), timeout or notrun; CTest's own status never turns a
    verdict into a pass, and a 'not graded' verdict stays not graded although the student build's
    CTest shows it as failed."""
    empty: Dict[str, List[str]] = {"FIGURE": [], "FAIL": [], "SKIP": [], "VERDICT": []}
    if result is None:
        return "notrun", "not run", empty
    if result.status == "notrun":
        return "notrun", result.message or "not run", empty
    lines = VERDICT_LINE.findall(result.output)
    rerun = "run: ctest --test-dir %s -R '^%s$' --output-on-failure" % (
        os.path.relpath(build, os.getcwd()), test)
    if not lines:
        if result.status == "timeout":
            return "timeout", "timed out: CTest stopped the test and its supervisor", empty
        return "failed", "no verdict from the grading supervisor in the test's output (%s)" % \
            rerun, empty
    word, digest = lines[-1]
    try:
        with open(note_path(build, test), "rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() != digest:
        return "failed", "its note file changed after the test ended (a later test's code " \
            "rewrote it?): the verdict is not trusted", empty
    notes = read_notes(build, test)
    recorded = notes["VERDICT"][-1] if notes["VERDICT"] else ""
    if not (recorded == word or recorded.startswith(word + " ")):
        return "failed", "the note file's verdict does not match the supervisor's", empty
    why = recorded[len(word):].strip()
    if word == "passed":
        if result.status != "passed":
            return "failed", "the supervisor passed it but CTest reports it %s (%s)" % (
                result.status, rerun), notes
        return "passed", "", notes
    if word == "not graded":
        return "skipped", why or "not graded", notes
    if why.startswith("timed out"):
        return "timeout", why, notes
    return "failed", why or "failed without a message (%s)" % rerun, notes


# ---- the GPU -------------------------------------------------------------------------------------


def gpu_information(build: str) -> Dict[str, str]:
    """What common/tools/gpu_info.cpp prints (key: value lines); empty when it is not built."""
    program = os.path.join(build, "common", "course-gpu-info")
    if not os.access(program, os.X_OK):
        return {}
    run = subprocess.run([program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=60, check=False)
    information = {}
    for line in run.stdout.splitlines():
        key, _, value = line.partition(": ")
        information[key.strip()] = value.strip()
    return information


def describe_gpu(information: Dict[str, str]) -> str:
    if not information:
        return "GPU: unknown (course-gpu-info was not built)"
    if information.get("usable") == "yes":
        return "GPU: %s (compute capability %s, %s GiB; driver supports CUDA %s, runtime %s)" % (
            information.get("device", "?"), information.get("compute_capability", "?"),
            information.get("memory_gib", "?"), information.get("driver_cuda", "?"),
            information.get("runtime_cuda", "?"))
    return "GPU: none usable: %s. %s" % (information.get("summary", "?"),
                                       information.get("detail", ""))


# ---- the scoreboard ------------------------------------------------------------------------------


class Row:
    def __init__(self, exercise: Exercise, verdict: str, text: str) -> None:
        self.exercise = exercise
        self.verdict = verdict  # PASSED, FAILED, NOT GRADED, DOES NOT COMPILE
        self.text = text

    @property
    def passed(self) -> bool:
        return self.verdict == "PASSED"


def judge(exercise: Exercise, build: str, results: Dict[str, TestResult],
          problems: Dict[str, str], gpu_summary: str) -> Row:
    if exercise.id in problems:
        problem = problems[exercise.id]
        verdict = "DOES NOT COMPILE" if problem.startswith("DOES NOT") else "NOT GRADED"
        return Row(exercise, verdict, problem.split(": ", 1)[1] if ": " in problem else problem)
    failed: List[str] = []
    skipped: List[str] = []
    figures: List[str] = []
    passed_kinds: List[str] = []
    skip_reasons: List[str] = []
    for kind, test in zip(exercise.tests, exercise.test_names()):
        status, why, notes = test_verdict(build, test, results.get(test))
        if status == "notrun":
            failed.append("%s: not run (%s)" % (kind, why))
        elif status == "passed":
            passed_kinds.append(kind)
            figures.extend(notes["FIGURE"])
        elif status == "skipped":
            skipped.append(kind)
            skip_reasons.append(why)
        else:
            figure = "; ".join(notes["FIGURE"])
            failed.append("%s: %s%s" % (kind, (figure + " -- ") if figure else "", why))
    if failed:
        return Row(exercise, "FAILED", failed[0])
    if skipped:
        part = " (%s passed)" % ", ".join(passed_kinds) if passed_kinds else ""
        if gpu_summary:
            return Row(exercise, "NOT GRADED", "no GPU: %s%s" % (gpu_summary, part))
        reason = skip_reasons[0] if skip_reasons else "no GPU: see the test output"
        return Row(exercise, "NOT GRADED", reason + part)
    return Row(exercise, "PASSED", "; ".join(figures))


def describe_points(points: Dict[str, int]) -> str:
    """A result's totals (course_classroom.totals) in one line: '45/60 points' or '45/60 points,
    optional 10/25'. Optional points are a bonus shown apart: never added to the required total,
    which therefore never exceeds its maximum."""
    text = "%d/%d points" % (points["points"], points["max_points"])
    if points.get("optional_max_points"):
        text += ", optional %d/%d" % (points["optional_points"], points["optional_max_points"])
    return text


def print_scoreboard(rows: List[Row], named: bool) -> bool:
    """Prints the rows by chapter with totals. Returns True when every exercise that counts
    passed (required ones, or every one named on the command line). Points are the required
    exercises' out of their maximum, and the optional ones' apart (describe_points), whether
    named or not: the same totals as the result file and the gradebook."""
    width = 46
    chapters: List[Chapter] = []
    for row in rows:
        if row.exercise.chapter not in chapters:
            chapters.append(row.exercise.chapter)
    colours = {"PASSED": STYLE.green, "FAILED": STYLE.red, "DOES NOT COMPILE": STYLE.red,
               "NOT GRADED": STYLE.yellow}
    total_points = earned_points = optional_points = optional_earned = 0
    required_total = required_passed = optional_total = optional_passed = 0
    all_ok = True
    for chapter in chapters:
        chapter_points = chapter_earned = 0
        lines = []
        for row in [r for r in rows if r.exercise.chapter is chapter]:
            exercise = row.exercise
            label = exercise.title + (" (optional)" if exercise.optional else "")
            points = exercise.points if row.passed else 0
            if exercise.optional:
                optional_points += exercise.points
                optional_earned += points
            else:
                chapter_points += exercise.points
                chapter_earned += points
            if named or not exercise.optional:  # counts for the exit status
                required_total += 1
                required_passed += 1 if row.passed else 0
                all_ok = all_ok and row.passed
            else:
                optional_total += 1
                optional_passed += 1 if row.passed else 0
            score = "%d/%d" % (points, exercise.points)
            room = max(40, line_width() - (2 + 6 + width + 1 + 17 + 6 + 2))
            lines.append("  %-5s %-*s %s%-16s%s %6s  %s" % (
                exercise.id, width, clip(label, width), colours[row.verdict], row.verdict,
                STYLE.reset, score, clip(row.text, room)))
        # The chapter's points on its title line: five chapters' scoreboard fits on one screen.
        say("")
        say("%sChapter %d: %s%s  %s(%d/%d points)%s" % (
            STYLE.bold, chapter.number, chapter.title, STYLE.reset, STYLE.dim, chapter_earned,
            chapter_points, STYLE.reset))
        for line in lines:
            say(line)
        total_points += chapter_points
        earned_points += chapter_earned
    say("")
    summary = "Total: %d of %d %s exercises passed, %d/%d points" % (
        required_passed, required_total, "selected" if named else "required", earned_points,
        total_points)
    if optional_total:
        summary += "; optional: %d of %d passed, %d/%d points" % (
            optional_passed, optional_total, optional_earned, optional_points)
    elif optional_points:  # named optional exercises: counted above, their points apart
        summary += "; optional %d/%d points" % (optional_earned, optional_points)
    say(STYLE.bold + summary + STYLE.reset)
    return all_ok


# ---- commands ------------------------------------------------------------------------------------


def command_grade(arguments: argparse.Namespace) -> int:
    chapters = read_chapters()
    exercises, named = select_exercises(chapters, arguments.what)
    if arguments.require_gpu:
        os.environ["COURSE_REQUIRE_GPU"] = "1"
    find_toolchain()
    ensure_dependencies(["catch2"], [])
    build = os.path.join(ROOT, "build", "student")
    log = Log(os.path.join(build, "course-grade.log"), arguments.verbose)
    say("course: grading %s (log: %s)" % (
        " ".join(arguments.what) if arguments.what else "every chapter",
        os.path.relpath(log.path, os.getcwd())))
    configure("student", log)
    problems = build_graders(build, exercises, log, ["course_gpu_info"])
    information = gpu_information(build)
    say(describe_gpu(information))
    runnable = [e for e in exercises if e.id not in problems]
    results: Dict[str, TestResult] = {}
    if runnable:
        names = [name for e in runnable for name in e.test_names()]
        selection = ["-R", "^(%s)$" % "|".join(re.escape(name) for name in names)]
        results = run_ctest(build, log, selection, "running the graders")
    gpu_summary = information.get("summary", "") if information.get("usable") != "yes" else ""
    rows = [judge(e, build, results, problems, gpu_summary) for e in exercises]
    ok = print_scoreboard(rows, named)
    for listener in GRADE_LISTENERS:
        listener(build, rows, information)
    if any(r.verdict == "NOT GRADED" and r.text.startswith("no GPU") for r in rows):
        say("Exercises marked NOT GRADED did not run on a GPU: they count as not passed. "
            "docs/getting-a-gpu.md says where to find one.")
    example = next((name for r in rows if r.verdict == "FAILED" for name in r.exercise.test_names()
                    if name in results and results[name].status in ("failed", "timeout")), "")
    say("%sBuild and test output: %s%s" % (STYLE.dim, os.path.relpath(log.path, os.getcwd()),
                                          STYLE.reset))
    if example:
        say("%sOne grader with its whole output: ctest --test-dir %s -R %s --output-on-failure%s"
            % (STYLE.dim, os.path.relpath(build, os.getcwd()), example, STYLE.reset))
    return 0 if ok else 1


GROUPS = (
    ("solutions and library", lambda name: not name.startswith("selftest.")),
    ("skeletons failing as expected", lambda name: name.startswith("selftest.skeleton.")),
    ("known-wrong variants caught", lambda name: name.startswith("selftest.wrong.")),
)


def command_test(arguments: argparse.Namespace) -> int:
    if not os.path.isdir(os.path.join(ROOT, "solutions")):
        raise CourseError("there is no solutions/ here (a student release): ./course test is the "
                          "project's own suite. Grade your work with ./course grade")
    find_toolchain()
    strict_docs = os.environ.get("CI") == "true"
    # Outside CI the HTML documentation is optional here: a test run does not install Doxygen
    # (about 170 MB, and on a machine without a package registry apt only waits); ./course setup
    # and ./course docs do.
    ensure_dependencies(["catch2", "benchmark"] + (["doxygen"] if strict_docs else []),
                        [] if strict_docs else ["doxygen"], install_wanted=False)
    build = os.path.join(ROOT, "build", "solutions")
    log = Log(os.path.join(build, "course-test.log"), arguments.verbose)
    say("course: the project's own suite (log: %s)" % os.path.relpath(log.path, os.getcwd()))
    configure("solutions", log)
    status, output = log.run(["cmake", "--build", build, "-j", str(jobs())], "building everything")
    if status != 0:
        error = first_error(output)
        raise CourseError("the build failed: %s\n%s\n(full log: %s)" % (
            error[1] if error else "see the log", tail_of(output, 25), log.path))
    results = run_ctest(build, log, [], "running every test")
    say(describe_gpu(gpu_information(build)))
    say("")
    say("%sSummary%s (a skeleton or known-wrong test passes when its grader FAILS it for the "
        "right reason)" % (STYLE.bold, STYLE.reset))
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for title, belongs in GROUPS:
        group = [r for r in results.values() if belongs(r.name)]
        if not group:
            continue
        passed = sum(1 for r in group if r.status == "passed")
        skipped = sum(1 for r in group if r.status == "skipped")
        failed = len(group) - passed - skipped
        counts["passed"] += passed
        counts["skipped"] += skipped
        counts["failed"] += failed
        say("  %-32s %d passed, %d failed, %d skipped%s" % (
            title, passed, failed, skipped, " (not run here: no GPU, or see the log)" if skipped else ""))
    failures = sorted(r for r in results if results[r].status not in ("passed", "skipped"))
    for name in failures:
        result = results[name]
        lines = [line for line in result.output.splitlines() if line.strip()]
        say("  %sFAILED%s %s: %s" % (STYLE.red, STYLE.reset, name,
                                    clip(result.message or (lines[-1] if lines else "?"), 140)))
    ok = not failures
    if shutil.which("doxygen"):
        status, output = log.run(["cmake", "--build", build, "--target", "docs"],
                                 "building the documentation (Doxygen, warnings are errors)")
        if status != 0:
            say("%scourse: the docs build failed:%s\n%s" % (STYLE.red, STYLE.reset,
                                                          tail_of(output, 15)))
            ok = False
        else:
            say("course: documentation built: %s" % os.path.relpath(
                os.path.join(build, "docs", "html", "index.html"), os.getcwd()))
    say("%scourse: the project's own suite %s%s" % (
        STYLE.green if ok else STYLE.red, "passed" if ok else "FAILED", STYLE.reset))
    # The closing line, in the plain form CI reads.
    say("course: %d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"],
                                                    counts["skipped"]))
    return 0 if ok else 1


def command_setup(arguments: argparse.Namespace) -> int:
    find_toolchain()
    ensure_dependencies(["catch2"], ["benchmark", "doxygen"])
    nvcc = subprocess.run(["nvcc", "--version"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout
    match = re.search(r"release ([0-9.]+)", nvcc)
    say("nvcc: %s (%s)" % (match.group(1) if match else "?", shutil.which("nvcc")))
    say("cmake: %d.%d" % cmake_version())
    build = os.path.join(ROOT, "build", "student")
    log = Log(os.path.join(build, "course-setup.log"), arguments.verbose)
    configure("student", log)
    status, _ = log.run(["cmake", "--build", build, "--target", "course_gpu_info"],
                        "building course-gpu-info")
    information = gpu_information(build) if status == 0 else {}
    say(describe_gpu(information))
    if "built_for" in information:
        say("built for CUDA architectures: %s" % information["built_for"])
    missing = probe_dependencies()
    say("Catch2: %s; Google Benchmark: %s; Doxygen: %s" % tuple(
        "missing" if name in missing else "found" for name in ("catch2", "benchmark", "doxygen")))
    say("course: set up. Next: ./course grade 1")
    return 0


def command_docs(arguments: argparse.Namespace) -> int:
    find_toolchain()
    ensure_dependencies(["catch2", "doxygen"], [])
    build = os.path.join(ROOT, "build", "student")
    log = Log(os.path.join(build, "course-docs.log"), arguments.verbose)
    configure("student", log)
    status, output = log.run(["cmake", "--build", build, "--target", "docs"], "building the docs")
    if status != 0:
        raise CourseError("the docs build failed:\n%s" % tail_of(output, 20))
    say("course: open %s" % os.path.join(build, "docs", "html", "index.html"))
    return 0


# Called after every ./course grade with (build dir, scoreboard rows, GPU information): command
# modules append theirs (tools/course_classroom.py keeps the student's progress).
GRADE_LISTENERS: list = []


def command_modules() -> list:
    """The command modules beside this file (tools/course_<topic>.py), in name order.

    Each defines register(subparsers, grade_parser) -> {command name: handler}: it adds its
    subcommands (and may add options to 'grade'), and its handlers take the parsed arguments and
    return the exit code. The modules import this one for the declarations, the build and the
    scoreboard, so a new command never needs an edit here. An option that a module adds to an
    existing command can hand that command to the module: its argparse action sets
    `course_handler` on the namespace (grade --submission does).
    """
    import importlib
    here = os.path.dirname(os.path.realpath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    # Run as a script this module is __main__: the modules' "import course" must get this very
    # module (one CourseError, one STYLE), not a second copy.
    sys.modules.setdefault("course", sys.modules[__name__])
    names = sorted(name[:-3] for name in os.listdir(here)
                   if re.fullmatch(r"course_[a-z0-9_]+\.py", name))
    # Helpers that run on their own (course_supervise.py, under CTest) define no register().
    modules = [importlib.import_module(name) for name in names]
    return [module for module in modules if hasattr(module, "register")]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./course", description="The CUDA course's command.",
        epilog="Examples: ./course grade 1 | ./course grade 1.2 2.1 | ./course grade "
               "--require-gpu | ./course test | ./course setup | ./course docs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    grade = commands.add_parser("grade", help="build your chapters and grade them: a scoreboard")
    grade.add_argument("what", nargs="*", metavar="CHAPTER|EXERCISE",
                       help="chapter numbers (1) or exercise ids (1.2); all chapters when none")
    grade.add_argument("--require-gpu", action="store_true",
                       help="an exercise that cannot be graded without a GPU fails (also: "
                            "COURSE_REQUIRE_GPU=1)")
    grade.add_argument("-v", "--verbose", action="store_true",
                       help="show the build and test output, not just the scoreboard")
    test = commands.add_parser("test", help="the project's own suite: solutions, skeletons and "
                                            "known-wrong variants")
    test.add_argument("-v", "--verbose", action="store_true")
    setup = commands.add_parser("setup", help="check the toolchain and dependencies, install "
                                              "missing ones, report the GPU")
    setup.add_argument("-v", "--verbose", action="store_true")
    docs = commands.add_parser("docs", help="build the HTML documentation (Doxygen)")
    docs.add_argument("-v", "--verbose", action="store_true")
    help_command = commands.add_parser("help", help="this list, or one command's options "
                                                    "(./course help grade)")
    help_command.add_argument("topic", nargs="?", metavar="COMMAND")
    handlers = {"grade": command_grade, "test": command_test, "setup": command_setup,
                "docs": command_docs}
    for module in command_modules():
        handlers.update(module.register(commands, grade))

    def command_help(arguments: argparse.Namespace) -> int:
        if arguments.topic is None:
            parser.print_help()
            return 0
        if arguments.topic not in commands.choices:
            raise CourseError("there is no command '%s'. The commands: %s" % (
                arguments.topic, ", ".join(sorted(commands.choices))))
        commands.choices[arguments.topic].print_help()
        return 0

    handlers["help"] = command_help
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    try:
        if arguments.command != "help":
            check_environment()  # before anything is installed, built or graded
        handler = getattr(arguments, "course_handler", None) or handlers[arguments.command]
        return handler(arguments)
    except CourseError as error:
        print("%scourse: %s%s" % (STYLE.red, error, STYLE.reset), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
