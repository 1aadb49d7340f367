"""Classroom labs: the instructor's release, submissions and gradebook; the student's hint,
list and watch.

    ./course release DIR                  a student repository: no solutions/, no known-wrong
                                          variants, no history of them
    ./course grade --submission SRC       grade a submission (directory, git URL, archive) against
                                          the pristine graders; writes a result file (JSON)
    ./course gradebook RESULTS... -o CSV  one row per submission
    ./course hint [EXERCISE]              the next hint (--all, --reset)
    ./course list                         progress and the next exercise
    ./course watch [EXERCISE]             re-grade on every save

docs/classroom.md is the instructor's guide; the formats (result file, gradebook CSV, JUnit) are
defined there and produced here. Python 3.8+, standard library only.
"""

import argparse
import csv
import datetime
import fnmatch
import io
import json
import os
import posixpath
import queue
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time
import xml.etree.ElementTree as ElementTree
import zipfile
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import course
import course_leaks
from course import CourseError, STYLE, say

RESULT_SCHEMA = "course-result/1"
PROGRESS_SCHEMA = "course-progress/1"
# Limits on what a submission may bring and do. An exercise file is a few kilobytes.
MAX_EXERCISE_FILE_BYTES = 1 << 20
MAX_ARCHIVE_MEMBERS = 20000
# What CTest keeps of a test's output (bytes): a grader that prints forever cannot fill the log.
OUTPUT_LIMIT_PASSED = 64 << 10
OUTPUT_LIMIT_FAILED = 256 << 10
CLONE_TIMEOUT = 300


# Limits an instructor may set in the environment (course.VARIABLES checks them before anything
# runs; read when used, so that importing this module never fails on a bad value).
def max_archive_bytes() -> int:
    """The most a submission's archive may unpack to (COURSE_SUBMISSION_MAX_MB)."""
    return course.setting("COURSE_SUBMISSION_MAX_MB") << 20


def file_size_limit_bytes() -> int:
    """No file written by the build or a grader may grow past this (ulimit -f): a grader that
    fills the disk is stopped by SIGXFSZ and fails its own test (COURSE_FILE_LIMIT_MB)."""
    return course.setting("COURSE_FILE_LIMIT_MB") << 20


def build_memory_bytes() -> int:
    """The address space of a build step (COURSE_BUILD_MEMORY_GB)."""
    return course.setting("COURSE_BUILD_MEMORY_GB") << 30


# Verdicts of the scoreboard (course.Row) -> statuses of the result file.
STATUS_OF_VERDICT = {"PASSED": "passed", "FAILED": "failed", "NOT GRADED": "not graded",
                     "DOES NOT COMPILE": "not built"}
# CTest results (course.TestResult.status) -> statuses of a test in the result file.
STATUS_OF_TEST = {"passed": "passed", "failed": "failed", "skipped": "not graded",
                  "timeout": "timed out", "notrun": "not run"}
# The instructor's grader supervisor: this file's own folder, never the graded copy's.
SUPERVISOR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "course_supervise.py")
STATUS_CODES = {"passed": "P", "failed": "F", "not graded": "N", "not built": "B"}


class SubmissionError(CourseError):
    """The submission cannot be read: exit code 2, and a result file that says why."""


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


# ---- the submission: where it comes from ---------------------------------------------------------


ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


def is_git_url(source: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", source) or
                re.match(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:", source))


def is_git_repository(path: str) -> bool:
    """A bare repository (HEAD, objects/, refs/ at the top), as a git path to clone."""
    return all(os.path.exists(os.path.join(path, part)) for part in ("HEAD", "objects", "refs"))


def submission_kind(source: str) -> str:
    """'directory', 'archive' or 'git'; SubmissionError when it is none of them."""
    if os.path.isdir(source):
        if is_git_repository(source) and not os.path.isdir(os.path.join(source, "chapters")):
            return "git"
        return "directory"
    if os.path.isfile(source):
        if source.lower().endswith(ARCHIVE_SUFFIXES) or zipfile.is_zipfile(source) or \
                tarfile.is_tarfile(source):
            return "archive"
        raise SubmissionError("%s is a file but not an archive (.zip, .tar.gz, .tgz, .tar)" %
                              source)
    if is_git_url(source):
        return "git"
    raise SubmissionError("%s: no such directory or archive, and not a git URL" % source)


def submission_name(source: str, given: Optional[str] = None) -> str:
    """The submission's name: `given` (--name) made safe, else from where it comes from:
    alice/, alice.zip, alice.tar.gz, .../alice.git (a URL or a bare repository) all give alice.
    Every command names a submission with this function (grade --submission, grade-class,
    grade-sandboxed), so that one submission has one name in every result and gradebook."""
    if given:
        return safe_name(given)
    text = source.rstrip("/\\")
    text = re.sub(r"\.git$", "", text)
    base = re.split(r"[/\\:]", text)[-1] if text else ""
    lower = base.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lower.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return safe_name(base)


def safe_name(text: str) -> str:
    """Letters, digits, '.', '_', '-'; never starting with '.' or '-' (a path, a CSV cell)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).lstrip(".-_")
    return name[:100] or "submission"


def redact(source: str) -> str:
    """The source without a password or token in its URL (https://user:token@host/...)."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1***@", source)


def member_path(name: str) -> str:
    """An archive member's name as a safe relative path; SubmissionError when it is absolute or
    climbs out with '..'."""
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise SubmissionError("unsafe archive: member '%s' has an absolute path" % name)
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionError("unsafe archive: member '%s' climbs out with '..'" % name)
    return "/".join(parts)


def extract_archive(path: str, destination: str, max_bytes: Optional[int] = None,
                    max_members: int = MAX_ARCHIVE_MEMBERS) -> None:
    """Extracts a .zip or tar archive into `destination`, refusing the whole archive when a member
    has an absolute path or '..', when a link points outside it, when it holds a device file, or
    when it is bigger than `max_bytes` unpacked or has more than `max_members` members. Links
    themselves are never created (the grader reads regular files only)."""
    if max_bytes is None:
        max_bytes = max_archive_bytes()
    os.makedirs(destination, exist_ok=True)
    written = [0]

    def copy_stream(source, relative: str) -> None:
        target = os.path.join(destination, *relative.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            while True:
                chunk = source.read(1 << 16)
                if not chunk:
                    break
                written[0] += len(chunk)
                if written[0] > max_bytes:
                    raise SubmissionError("archive too large: more than %d MiB unpacked" %
                                          (max_bytes >> 20))
                out.write(chunk)

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise SubmissionError("archive has %d members (at most %d)" %
                                      (len(members), max_members))
            if sum(m.file_size for m in members) > max_bytes:
                raise SubmissionError("archive too large: more than %d MiB unpacked" %
                                      (max_bytes >> 20))
            for member in members:
                relative = member_path(member.filename)
                mode = member.external_attr >> 16
                if stat.S_ISLNK(mode):
                    target = archive.read(member).decode("utf-8", "replace")
                    check_link(relative, target)
                    continue
                if member.is_dir() or not relative:
                    continue
                with archive.open(member) as source:
                    copy_stream(source, relative)
        return
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as error:
        raise SubmissionError("cannot read the archive %s: %s" % (path, error))
    with archive:
        count = 0
        for member in archive:
            count += 1
            if count > max_members:
                raise SubmissionError("archive has more than %d members" % max_members)
            relative = member_path(member.name)
            if member.issym() or member.islnk():
                check_link(relative, member.linkname, hard=member.islnk())
                continue
            if member.isdir() or not relative:
                continue
            if not member.isreg():
                raise SubmissionError("unsafe archive: member '%s' is a device or pipe" %
                                      member.name)
            if member.size > max_bytes:
                raise SubmissionError("archive too large: more than %d MiB unpacked" %
                                      (max_bytes >> 20))
            stream = archive.extractfile(member)
            if stream is not None:
                copy_stream(stream, relative)


def check_link(relative: str, target: str, hard: bool = False) -> None:
    """A link inside an archive may point within the archive only (it is not created anyway)."""
    base = "" if hard else posixpath.dirname(relative)
    text = target.replace("\\", "/")
    resolved = posixpath.normpath(posixpath.join(base, text))
    if text.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise SubmissionError("unsafe archive: link '%s' points outside it (%s)" %
                              (relative, target))


def file_size_limit() -> Callable[[], None]:
    """What a child runs before exec: no file past file_size_limit_bytes(), no core dumps. The
    limit is read now, in this process: a child cannot report a bad value."""
    largest = file_size_limit_bytes()

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest, largest))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def build_limits() -> Callable[[], None]:
    """file_size_limit(), and at most build_memory_bytes() of address space: a compiler fed an
    endless input (#include "/dev/zero") stops there instead of exhausting the machine. Not for
    the tests: the CUDA runtime reserves far more address space than it uses."""
    files = file_size_limit()
    memory = build_memory_bytes()

    def apply() -> None:
        files()
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return apply


def clone(url: str, destination: str, timeout: int = CLONE_TIMEOUT) -> str:
    """git clone --depth 1; returns the commit. Never asks for a password (a private repository
    without credentials fails at once)."""
    if not shutil.which("git"):
        raise SubmissionError("git is not installed: cannot clone %s" % redact(url))
    environment = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true",
                       GIT_LFS_SKIP_SMUDGE="1")
    command = ["git", "-c", "core.symlinks=false", "-c", "protocol.ext.allow=never", "clone",
               "--quiet", "--depth", "1", "--no-recurse-submodules", "--", url, destination]
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, errors="replace", timeout=timeout,
                             env=environment, preexec_fn=file_size_limit())
    except subprocess.TimeoutExpired:
        raise SubmissionError("git clone %s took longer than %d s" % (redact(url), timeout))
    if run.returncode != 0:
        raise SubmissionError("git clone %s failed: %s" % (
            redact(url), course.clip(redact(run.stdout), 300)))
    head = subprocess.run(["git", "-C", destination, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True)
    return head.stdout.strip()


# ---- the submission: which files count -----------------------------------------------------------


def exercise_files(chapters: List[course.Chapter]) -> List[Tuple[course.Exercise, str]]:
    """(exercise, chapters/<dir>/<file>) for every declared exercise: the only files a
    submission contributes."""
    return [(e, e.source) for c in chapters for e in c.exercises]


def find_submission_root(directory: str, chapters: List[course.Chapter],
                         depth: int = 3) -> Tuple[str, str]:
    """The folder of the submission that holds its exercise files, and the prefix before
    '<chapter dir>/<file>' there ('chapters/' normally; '' when the submission is the chapters/
    folder itself). Searched `depth` levels down (an archive of alice/, GitHub's repo-main/). The
    one with the most exercise files wins, the shallowest on a tie."""
    wanted = [path for _, path in exercise_files(chapters)]
    best: Tuple[int, int, str, str] = (0, 0, "", "")
    frontier = [(directory, 0)]
    while frontier:
        folder, level = frontier.pop(0)
        for prefix in ("chapters/", ""):
            found = sum(1 for path in wanted
                        if os.path.isfile(os.path.join(folder, prefix + path[len("chapters/"):])))
            if found > best[0] or (found == best[0] and found and -level > best[1]):
                best = (found, -level, folder, prefix)
        if level < depth:
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for name in names:
                child = os.path.join(folder, name)
                if name in (".git", "build", "node_modules") or os.path.islink(child):
                    continue
                if os.path.isdir(child):
                    frontier.append((child, level + 1))
    if best[0] == 0:
        raise SubmissionError("found none of the exercise files (chapters/<chapter>/<file>, e.g. "
                              "%s) in the submission" % (wanted[0] if wanted else "?"))
    return best[2], best[3]


def read_exercise_file(root: str, relative: str) -> Tuple[Optional[bytes], str]:
    """The bytes of root/relative when it is a regular file inside root (no link on the way), at
    most MAX_EXERCISE_FILE_BYTES; otherwise (None, why)."""
    path = root
    parts = relative.split("/")
    for index, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            info = os.lstat(path)
        except OSError:
            return None, "not in the submission"
        if stat.S_ISLNK(info.st_mode):
            return None, "%s is a symbolic link (not accepted)" % "/".join(parts[: index + 1])
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    real_root = os.path.realpath(root)
    if not os.path.realpath(path).startswith(real_root + os.sep):
        return None, "outside the submission"
    if info.st_size > MAX_EXERCISE_FILE_BYTES:
        return None, "%d bytes: larger than the %d KiB allowed" % (
            info.st_size, MAX_EXERCISE_FILE_BYTES >> 10)
    with open(path, "rb") as handle:
        return handle.read(MAX_EXERCISE_FILE_BYTES + 1), ""


def collect_submission(directory: str, chapters: List[course.Chapter]
                       ) -> Tuple[Dict[str, bytes], Dict[str, str]]:
    """({chapters/<dir>/<file>: bytes} of the declared files found, {path: why not} of the
    others). Nothing else of the submission is read. SubmissionError when not one file could be
    taken (all of them links, too large, not regular files): grading it would grade the
    skeletons, a result that says nothing about the submission."""
    root, prefix = find_submission_root(directory, chapters)
    found: Dict[str, bytes] = {}
    missing: Dict[str, str] = {}
    for _, path in exercise_files(chapters):
        data, why = read_exercise_file(root, prefix + path[len("chapters/"):])
        if data is None:
            missing[path] = why
        else:
            found[path] = data
    if not found:
        present = {path: why for path, why in missing.items() if why != "not in the submission"}
        raise SubmissionError("no exercise file could be taken from the submission: %s" % (
            "; ".join("%s: %s" % item for item in sorted(present.items())) or
            "none of the declared files is there"))
    return found, missing


# ---- the pristine tree and its private copy ------------------------------------------------------


def release_exclusions(root: str) -> List[str]:
    """The patterns of tools/release-exclude.txt: paths a student never gets."""
    path = os.path.join(root, "tools", "release-exclude.txt")
    patterns = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.split("#", 1)[0].strip()
                if line:
                    patterns.append(line)
    return patterns


def excluded(path: str, patterns: List[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if fnmatch.fnmatchcase(path, pattern + "*") or fnmatch.fnmatchcase(path + "/", pattern):
                return True
        elif fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def tree_files(root: str, tracked_only: bool) -> List[str]:
    """The course's files (relative, '/'-separated): git's tracked files (and with
    tracked_only=False the untracked ones git does not ignore); without git, every file outside
    build/ and dot-folders."""
    if os.path.exists(os.path.join(root, ".git")) and shutil.which("git"):
        command = ["git", "-C", root, "ls-files", "-z", "--cached"]
        if not tracked_only:
            command += ["--others", "--exclude-standard"]
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if run.returncode == 0:
            names = sorted(set(n for n in run.stdout.decode("utf-8", "replace").split("\0") if n))
            return [n for n in names if os.path.isfile(os.path.join(root, n)) and
                    not os.path.islink(os.path.join(root, n))]
    files = []
    for folder, directories, names in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        directories[:] = sorted(d for d in directories if not d.startswith(".") and
                                not (relative == "." and d == "build"))
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files.append(name if relative == "." else relative + "/" + name)
    return files


def grading_files(root: str) -> List[str]:
    """What the private copy that grades a submission holds: the release's files (no solutions,
    no known-wrong variants)."""
    patterns = release_exclusions(root)
    return [path for path in tree_files(root, tracked_only=False) if not excluded(path, patterns)]


def write_if_changed(path: str, data: bytes, mode: Optional[int] = None) -> bool:
    """Writes `data` unless the file holds it already: an unchanged file keeps its time stamp, so
    a build in a reused work folder recompiles only what changed."""
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except OSError:
        pass
    if os.path.islink(path):
        os.remove(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(path, mode)
    return True


def sync_tree(root: str, files: List[str], destination: str,
              overlay: Optional[Dict[str, bytes]] = None) -> None:
    """Makes `destination` hold exactly `files` of `root` (build/ there is kept), with the
    `overlay` contents in place of theirs."""
    overlay = overlay or {}
    wanted = set(files) | set(overlay)
    for relative in sorted(wanted):
        target = os.path.join(destination, *relative.split("/"))
        if relative in overlay:
            write_if_changed(target, overlay[relative], 0o644)
        else:
            source = os.path.join(root, *relative.split("/"))
            with open(source, "rb") as handle:
                data = handle.read()
            write_if_changed(target, data, stat.S_IMODE(os.stat(source).st_mode))
    for folder, directories, names in os.walk(destination):
        relative = os.path.relpath(folder, destination).replace(os.sep, "/")
        if relative == ".":
            directories[:] = [d for d in directories if d != "build"]
        for name in names:
            path_name = name if relative == "." else relative + "/" + name
            if path_name not in wanted:
                os.remove(os.path.join(folder, name))


# ---- building and testing in the private copy ----------------------------------------------------


class SandboxLog(course.Log):
    """course.Log whose commands run in the private copy, with a time limit (the whole process
    group is killed), a file-size limit and no core dumps."""

    def __init__(self, path: str, verbose: bool, cwd: str, timeout: float) -> None:
        super().__init__(path, verbose)
        self.cwd = cwd
        self.timeout = timeout
        self.limits = build_limits  # file_size_limit for the tests: makes the preexec_fn

    def run(self, command: List[str], what: str) -> Tuple[int, str]:
        self.write("\n$ %s\n" % " ".join(command))
        process = subprocess.Popen(command, cwd=self.cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, universal_newlines=True,
                                   errors="replace", preexec_fn=self.limits(),
                                   start_new_session=True)
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(self.timeout, stop)
        timer.daemon = True
        timer.start()
        lines: List[str] = []
        kept = 0
        started = time.time()
        self.status("course: %s ..." % what)
        assert process.stdout is not None
        try:
            for line in process.stdout:
                if kept < (8 << 20):  # a runaway output is not kept past 8 MiB
                    lines.append(line)
                    kept += len(line)
                    self.write(line)
                counter = re.match(r"^\[\s*(\d+)/(\d+)\]", line)
                if counter:
                    self.status("course: %s [%s] %ds" % (what, "/".join(counter.groups()),
                                                        time.time() - started))
            status = process.wait()
        except KeyboardInterrupt:
            stop()
            process.wait()
            raise
        finally:
            timer.cancel()
            process.stdout.close()
        self.end_status()
        if expired.is_set():
            message = "course: stopped after %d s (the time limit of %s)\n" % (self.timeout, what)
            lines.append(message)
            self.write(message)
            status = status or 124
        return status, "".join(lines)

    def close(self) -> None:
        self.handle.close()


def configure_submission(tree: str, log: SandboxLog, timeout: Optional[int]) -> str:
    build = os.path.join(tree, "build", "student")
    # The grader supervisor (and the object gate beside it) from the instructor's own course,
    # not from the copy the submission's code runs in and could rewrite (in the sandbox the
    # instructor's course is read-only).
    command = ["cmake", "--preset", "student"] + course.generator_arguments(build) + [
        "-DCOURSE_BUILD_BENCHMARKS=OFF", "-DCOURSE_BUILD_DOCS=OFF",
        "-DCOURSE_SUPERVISOR=%s" % SUPERVISOR]
    if timeout:
        command += ["-DCOURSE_CORRECTNESS_TIMEOUT=%d" % timeout,
                    "-DCOURSE_SPEED_TIMEOUT=%d" % timeout]
    else:  # back to the project's defaults in a reused work folder
        command += ["-UCOURSE_CORRECTNESS_TIMEOUT", "-UCOURSE_SPEED_TIMEOUT"]
    status, output = log.run(command, "configuring the pristine build")
    if status != 0:
        raise CourseError("configuring the pristine tree failed (not the submission's fault):\n%s"
                          "\n(full log: %s)" % (course.tail_of(output, 30), log.path))
    return build


def explain_build_problems(problems: Dict[str, str], log: SandboxLog) -> Dict[str, str]:
    """course.build_graders says 'DOES NOT BUILD: see <log>' when no compiler error was printed:
    say which of the limits stopped it, when the log tells."""
    vague = [ident for ident, text in problems.items() if text.startswith("DOES NOT BUILD")]
    if not vague:
        return problems
    with open(log.path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    why = ""
    if "stopped after" in text:
        why = "the build took longer than %d s (--build-timeout)" % log.timeout
    elif re.search(r"out of memory|virtual memory exhausted|std::bad_alloc|Cannot allocate memory",
                   text):
        why = "the compiler ran out of memory (at most %d GiB: COURSE_BUILD_MEMORY_GB)" % (
            build_memory_bytes() >> 30)
    if why:
        for ident in vague:
            problems[ident] = "DOES NOT BUILD: %s; see %s" % (why, log.path)
    return problems


def run_tests(build: str, log: SandboxLog, names: List[str]) -> Dict[str, course.TestResult]:
    junit = os.path.join(build, "course-junit.xml")
    if os.path.exists(junit):
        os.remove(junit)
    if not names:
        return {}
    command = ["ctest", "--test-dir", build, "-j", str(course.jobs()), "--output-on-failure",
               "--test-output-size-passed", str(OUTPUT_LIMIT_PASSED),
               "--test-output-size-failed", str(OUTPUT_LIMIT_FAILED),
               "--output-junit", junit] + course.CTEST_GRADING_ARGUMENTS + [
               "-R", "^(%s)$" % "|".join(re.escape(name) for name in names)]
    _, output = log.run(command, "running the graders")
    if not os.path.exists(junit):
        raise CourseError("CTest wrote no results (%s); see %s" % (junit, log.path))
    return course.mark_timeouts(course.read_junit(junit), output)


# ---- results -------------------------------------------------------------------------------------


def exercise_record(row: course.Row, build: str, results: Dict[str, course.TestResult],
                    built: bool) -> dict:
    """One exercise of the result file (docs/classroom.md: the result file)."""
    exercise = row.exercise
    status = STATUS_OF_VERDICT[row.verdict] if built else "not built"
    tests = []
    figures: List[str] = []
    for kind, name in zip(exercise.tests, exercise.test_names()):
        if not built:
            tests.append({"name": name, "kind": kind, "status": "not built", "message": row.text})
            continue
        # The same evidence as the scoreboard (course.test_verdict): the supervisor's verdict,
        # never CTest's status or a note file alone.
        verdict, why, notes = course.test_verdict(build, name, results.get(name))
        figures.extend(notes["FIGURE"])
        test_status = STATUS_OF_TEST.get(verdict, verdict)
        message = "" if test_status == "passed" else why
        tests.append({"name": name, "kind": kind, "status": test_status, "message": message})
    return {
        "id": exercise.id,
        "title": exercise.title,
        "chapter": exercise.chapter.number,
        "file": exercise.source,
        "status": status,
        "points": exercise.points if status == "passed" else 0,
        "max_points": exercise.points,
        "optional": exercise.optional,
        "message": "" if status == "passed" else row.text,
        "figures": figures,
        "tests": tests,
    }


def test_messages(records: List[dict]) -> Dict[str, str]:
    return {t["name"]: t["message"] for r in records for t in r["tests"] if t["message"]}


def whole(value) -> int:
    """A count from a result file (maybe written by an older version, or edited): an int >= 0."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def totals(exercises: List[dict]) -> Dict[str, int]:
    """A result's points, each total at most its maximum: `points` of `max_points` are the
    required exercises', `optional_points` of `optional_max_points` the optional ones' (a bonus,
    always shown apart, never added to the required total). An exercise counts at most its own
    maximum. The scoreboard, ./course list, the result file, the gradebook and the GitHub
    Classroom report all use this split (docs/classroom.md)."""
    points = {"points": 0, "max_points": 0, "optional_points": 0, "optional_max_points": 0}
    for exercise in exercises:
        if not isinstance(exercise, dict):
            continue
        maximum = whole(exercise.get("max_points", 0))
        prefix = "optional_" if exercise.get("optional") else ""
        points[prefix + "points"] += min(whole(exercise.get("points", 0)), maximum)
        points[prefix + "max_points"] += maximum
    return points


describe_points = course.describe_points


def result_document(name: str, source: str, gpu: Optional[str], exercises: List[dict],
                    **extra) -> dict:
    document = {"schema": RESULT_SCHEMA, "submission": name, "source": redact(source),
                "graded_at": now_iso(), "gpu": gpu, "exercises": exercises}
    document.update(totals(exercises))
    document.update(extra)
    return document


def write_json(path: str, document: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(temporary, path)


def junit_by_chapter(source: str, destination: str, chapters: List[course.Chapter],
                     absent: Optional[Dict[str, str]] = None,
                     messages: Optional[Dict[str, str]] = None) -> None:
    """Rewrites CTest's JUnit file (one suite named "(empty)", classname = test name) as one
    <testsuite name="chapterN"> per chapter, each test's classname its chapter; `absent`
    ({test name: why}) adds the tests that could not run (a file that does not compile) as
    failures, so every declared test of a graded exercise is in the file; `messages` fills the
    failure messages CTest leaves empty (with the grader's first failure)."""
    cases: List[ElementTree.Element] = []
    if os.path.exists(source):
        cases = list(ElementTree.parse(source).getroot().iter("testcase"))
    for case in cases:
        failure = case.find("failure")
        text = (messages or {}).get(case.get("name", ""), "")
        if failure is not None and text and not failure.get("message"):
            failure.set("message", text)
    present = {case.get("name", "") for case in cases}
    for name, why in sorted((absent or {}).items()):
        if name in present:
            continue
        case = ElementTree.Element("testcase", {"name": name, "classname": "", "time": "0",
                                                "status": "fail"})
        ElementTree.SubElement(case, "failure", {"message": why})
        cases.append(case)
    titles = {"chapter%d" % c.number: c.title for c in chapters}
    suites: Dict[str, List[ElementTree.Element]] = {}
    for case in cases:
        match = re.match(r"^ch(\d+)\.", case.get("name", ""))
        suite = "chapter" + match.group(1) if match else "other"
        case.set("classname", suite)
        suites.setdefault(suite, []).append(case)
    root = ElementTree.Element("testsuites", {"name": "course"})
    totals_all = {"tests": 0, "failures": 0, "skipped": 0, "time": 0.0}
    order = sorted(suites, key=lambda s: (s == "other", int(s[7:]) if s != "other" else 0))
    for suite_name in order:
        members = suites[suite_name]
        failures = sum(1 for c in members if c.find("failure") is not None)
        skipped = sum(1 for c in members if c.find("skipped") is not None)
        seconds = sum(float(c.get("time", "0") or 0) for c in members)
        suite = ElementTree.SubElement(root, "testsuite", {
            "name": suite_name, "tests": str(len(members)), "failures": str(failures),
            "errors": "0", "skipped": str(skipped), "time": "%g" % seconds})
        if suite_name in titles:
            properties = ElementTree.SubElement(suite, "properties")
            ElementTree.SubElement(properties, "property", {"name": "title",
                                                            "value": titles[suite_name]})
        suite.extend(members)
        totals_all["tests"] += len(members)
        totals_all["failures"] += failures
        totals_all["skipped"] += skipped
        totals_all["time"] += seconds
    root.set("tests", str(totals_all["tests"]))
    root.set("failures", str(totals_all["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals_all["skipped"]))
    root.set("time", "%g" % totals_all["time"])
    temporary = destination + ".tmp"
    ElementTree.ElementTree(root).write(temporary, encoding="UTF-8", xml_declaration=True)
    os.replace(temporary, destination)


def describe_gpu_name(information: Dict[str, str]) -> Optional[str]:
    if information.get("usable") == "yes":
        return information.get("device") or "unknown GPU"
    return None


# ---- ./course grade --submission -----------------------------------------------------------------


class SubmissionAction(argparse.Action):
    """--submission SRC hands 'grade' to command_grade_submission (course.main)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        setattr(namespace, "course_handler", command_grade_submission)


def lock_work(work: str):
    import fcntl
    handle = open(os.path.join(work, ".lock"), "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise CourseError("another ./course grade --submission is using %s: give each "
                          "submission its own --work folder" % work)
    return handle


def fetch_submission(source: str, work: str, chapters: List[course.Chapter]
                     ) -> Tuple[Dict[str, bytes], Dict[str, str], dict]:
    """The declared files of the submission, the missing ones, and what to record about where
    they came from."""
    kind = submission_kind(source)
    extra: dict = {"source_kind": kind}
    scratch = os.path.join(work, "source")
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    if kind == "directory":
        directory = source
    elif kind == "archive":
        extract_archive(source, scratch)
        directory = scratch
    else:
        extra["commit"] = clone(source, scratch)
        directory = scratch
    found, missing = collect_submission(directory, chapters)
    return found, missing, extra


def command_grade_submission(arguments: argparse.Namespace) -> int:
    source = arguments.submission
    pristine = course.ROOT
    chapters = course.read_chapters(pristine)
    course.select_exercises(chapters, arguments.what)  # an unknown id fails before anything runs
    name = submission_name(source, arguments.name)
    work = os.path.abspath(arguments.work or os.path.join(pristine, "build", "submissions", name))
    result_path = os.path.abspath(arguments.result or os.path.join(work, "result.json"))
    if os.path.realpath(work) == os.path.realpath(pristine):
        raise CourseError("--work must not be the course itself")
    os.makedirs(work, exist_ok=True)
    lock = lock_work(work)
    try:
        try:
            found, missing, extra = fetch_submission(source, work, chapters)
        except SubmissionError as error:
            selected, _ = course.select_exercises(chapters, arguments.what)
            exercises = [unreadable_record(e, str(error)) for e in selected]
            write_json(result_path, result_document(name, source, None, exercises,
                                                    error=str(error)))
            say("%scourse: %s: %s%s" % (STYLE.red, name, error, STYLE.reset))
            say("course: result: %s (0 points)" % result_path)
            return 2
        return grade_in_copy(arguments, name, source, work, result_path, found, missing, extra)
    finally:
        lock.close()


def unreadable_record(exercise: course.Exercise, why: str) -> dict:
    return {"id": exercise.id, "title": exercise.title, "chapter": exercise.chapter.number,
            "file": exercise.source, "status": "not built", "points": 0,
            "max_points": exercise.points, "optional": exercise.optional,
            "message": "the submission could not be read: " + why, "figures": [], "tests": []}


def grade_in_copy(arguments: argparse.Namespace, name: str, source: str, work: str,
                  result_path: str, found: Dict[str, bytes], missing: Dict[str, str],
                  extra: dict) -> int:
    pristine = course.ROOT
    tree = os.path.join(work, "tree")
    say("course: grading %s (%s): %d exercise file(s) taken from it%s" % (
        name, redact(source), len(found),
        "; not taken: " + ", ".join("%s (%s)" % item for item in sorted(missing.items()))
        if missing else ""))
    sync_tree(pristine, grading_files(pristine), tree, found)
    if getattr(arguments, "require_gpu", False):
        os.environ["COURSE_REQUIRE_GPU"] = "1"
    course.use_tree(tree)
    try:
        chapters = course.read_chapters(tree)
        exercises, named = course.select_exercises(chapters, arguments.what)
        course.find_toolchain()
        course.ensure_dependencies(["catch2"], [])
        log = SandboxLog(os.path.join(work, "grade.log"), arguments.verbose, tree,
                         arguments.build_timeout)
        build = configure_submission(tree, log, arguments.timeout)
        # Nothing from the previous submission graded in a reused work folder counts: fresh
        # notes, every grader relinked.
        notes = os.path.join(build, "course-notes")
        for note in os.listdir(notes) if os.path.isdir(notes) else []:
            os.remove(os.path.join(notes, note))
        graders = os.path.join(build, "graders")
        for program in os.listdir(graders) if os.path.isdir(graders) else []:
            os.remove(os.path.join(graders, program))
        problems = explain_build_problems(
            course.build_graders(build, exercises, log, ["course_gpu_info"]), log)
        information = course.gpu_information(build)
        say(course.describe_gpu(information))
        runnable = [e for e in exercises if e.id not in problems]
        # CTest's own limits stop each test; this one stops CTest itself if that fails.
        per_test = arguments.timeout or 300
        log.timeout = 120 + per_test * max(1, sum(len(e.tests) for e in runnable))
        log.limits = file_size_limit
        results = run_tests(build, log, [n for e in runnable for n in e.test_names()])
        gpu_summary = information.get("summary", "") if information.get("usable") != "yes" \
            else ""
        rows = [course.judge(e, build, results, problems, gpu_summary) for e in exercises]
        course.print_scoreboard(rows, named)
        records = [exercise_record(row, build, results, row.exercise.id not in problems)
                   for row in rows]
        for record in records:
            if record["file"] in missing:
                record["message"] = "%s: %s (the skeleton was graded); %s" % (
                    record["file"], missing[record["file"]], record["message"])
        absent = {name_: r["message"] for r in records if r["status"] == "not built"
                  for name_ in (t["name"] for t in r["tests"])}
        junit = os.path.join(work, "junit.xml")
        junit_by_chapter(os.path.join(build, "course-junit.xml"), junit, chapters, absent,
                         test_messages(records))
        document = result_document(
            name, source, describe_gpu_name(information), records,
            gpu_note=None if describe_gpu_name(information) else information.get("summary", ""),
            missing_files=missing, junit=junit, log=log.path, **extra)
        write_json(result_path, document)
        log.close()
    finally:
        course.use_tree(pristine)
    say("course: %s: %s; result: %s" % (name, describe_points(document), result_path))
    return 0


# ---- ./course gradebook --------------------------------------------------------------------------


def find_results(paths: List[str]) -> List[str]:
    """Result files: the files named, and in the folders named every result.json or
    *.result.json (recursively)."""
    found: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            for folder, directories, names in os.walk(path):
                directories[:] = sorted(d for d in directories if d not in ("tree", "source"))
                for name in sorted(names):
                    if name == "result.json" or name.endswith(".result.json"):
                        found.append(os.path.join(folder, name))
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise CourseError("%s: no such result file or folder" % path)
    return found


def load_result(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        raise CourseError("%s: not a result file (%s)" % (path, error))
    if not isinstance(document, dict) or document.get("schema") != RESULT_SCHEMA:
        raise CourseError("%s: not a result file (schema %s expected)" % (path, RESULT_SCHEMA))
    exercises = document.get("exercises", [])
    if not isinstance(exercises, list) or \
            not all(isinstance(e, dict) and "id" in e for e in exercises):
        raise CourseError("%s: not a result file (its exercises are not a list of exercises)" %
                          path)
    return document


def exercise_key(ident: str) -> Tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in ident.split("."))


TOTALS = ("points", "max_points", "optional_points", "optional_max_points")


def gradebook_table(documents: List[dict]) -> List[List[str]]:
    """The gradebook's rows, the header first (docs/classroom.md: the gradebook)."""
    ids = sorted({e["id"] for d in documents for e in d.get("exercises", [])}, key=exercise_key)
    header = ["submission"] + list(TOTALS) + ids + ["status", "gpu", "graded_at", "error"]
    rows = [header]
    for document in sorted(documents, key=lambda d: str(d.get("submission", ""))):
        by_id = {e["id"]: e for e in document.get("exercises", [])}
        # The totals are added up again from the exercises: a result file of an older version
        # (which added optional points to `points`) reads the same as a new one.
        points = totals(document.get("exercises", []))
        cells = [str(document.get("submission", ""))] + [str(points[key]) for key in TOTALS]
        codes = []
        for ident in ids:
            exercise = by_id.get(ident)
            if exercise is None:
                cells.append("")
                continue
            status = exercise.get("status", "")
            cells.append("" if status == "not graded" else str(exercise.get("points", 0)))
            codes.append("%s:%s" % (ident, STATUS_CODES.get(status, "?")))
        cells += [" ".join(codes), str(document.get("gpu") or ""),
                  str(document.get("graded_at", "")), str(document.get("error", ""))]
        rows.append(cells)
    return rows


def command_gradebook(arguments: argparse.Namespace) -> int:
    paths = find_results(arguments.results)
    if not paths:
        raise CourseError("no result files (result.json, *.result.json) under %s" %
                          " ".join(arguments.results))
    documents = [load_result(path) for path in paths]
    seen: Dict[str, str] = {}
    for path, document in zip(paths, documents):
        name = str(document.get("submission", ""))
        if name in seen:
            print("course: warning: submission %s appears twice (%s, %s)" % (
                name, seen[name], path), file=sys.stderr)
        seen[name] = path
    table = gradebook_table(documents)
    if arguments.output and arguments.output != "-":
        os.makedirs(os.path.dirname(os.path.abspath(arguments.output)), exist_ok=True)
        with open(arguments.output, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
        print("course: gradebook of %d submission(s): %s" % (len(documents), arguments.output),
              file=sys.stderr)
    else:
        csv.writer(sys.stdout).writerows(table)
    return 0


# ---- the student's progress (./course list), kept after every ./course grade ---------------------


def student_build() -> str:
    return os.path.join(course.ROOT, "build", "student")


def progress_path() -> str:
    return os.path.join(student_build(), "course-progress.json")


def read_progress(path: Optional[str] = None) -> Dict[str, dict]:
    try:
        with open(path or progress_path(), encoding="utf-8") as handle:
            document = json.load(handle)
        if document.get("schema") == PROGRESS_SCHEMA:
            return document.get("exercises", {})
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def after_grade(build: str, rows: List[course.Row], information: Dict[str, str]) -> None:
    """After ./course grade: the exercises' statuses into course-progress.json (for ./course
    list), and CTest's JUnit file rewritten with one suite per chapter."""
    junit = os.path.join(build, "course-junit.xml")
    results = course.read_junit(junit) if os.path.exists(junit) else {}
    records = []
    for row in rows:
        built = row.verdict != "DOES NOT COMPILE" and \
            any(name in results for name in row.exercise.test_names())
        records.append(exercise_record(row, build, results, built))
    stamp = now_iso()
    path = os.path.join(build, "course-progress.json")
    progress = read_progress(path)
    for record in records:
        progress[record["id"]] = {"status": record["status"], "points": record["points"],
                                  "max_points": record["max_points"],
                                  "message": record["message"], "graded_at": stamp,
                                  "tests": {t["kind"]: t["status"] for t in record["tests"]}}
    write_json(path, {"schema": PROGRESS_SCHEMA, "gpu": describe_gpu_name(information),
                      "exercises": progress})
    if os.path.exists(junit):
        chapters = []
        for row in rows:
            if row.exercise.chapter not in chapters:
                chapters.append(row.exercise.chapter)
        absent = {name: r["message"] for r in records if r["status"] == "not built"
                  for name in (t["name"] for t in r["tests"])}
        junit_by_chapter(junit, junit, chapters, absent, test_messages(records))


def done_here(entry: Optional[dict]) -> bool:
    """Passed; or not graded for want of a GPU with every part this machine could grade passed."""
    if not entry:
        return False
    if entry.get("status") == "passed":
        return True
    tests = entry.get("tests", {})
    return entry.get("status") == "not graded" and "passed" in tests.values()


def next_exercise(chapters: List[course.Chapter], progress: Dict[str, dict]
                  ) -> Optional[course.Exercise]:
    """The first required exercise, in the course's order, not done yet; then the optional ones."""
    order = [e for c in chapters for e in c.exercises]
    for wanted_optional in (False, True):
        for exercise in order:
            if exercise.optional == wanted_optional and not done_here(progress.get(exercise.id)):
                return exercise
    return None


def command_list(arguments: argparse.Namespace) -> int:
    chapters = course.read_chapters()
    progress = read_progress()
    colours = {"passed": STYLE.green, "failed": STYLE.red, "not built": STYLE.red,
               "not graded": STYLE.yellow}
    labels = {"passed": "PASSED", "failed": "FAILED", "not built": "DOES NOT COMPILE",
              "not graded": "NOT GRADED"}
    required = passed = optional = optional_passed = 0
    records = []
    following = next_exercise(chapters, progress)
    width = 46
    for chapter in chapters:
        say("")
        say("%sChapter %d: %s%s" % (STYLE.bold, chapter.number, chapter.title, STYLE.reset))
        for exercise in chapter.exercises:
            entry = progress.get(exercise.id)
            status = entry.get("status", "") if entry else ""
            label = labels.get(status, "not graded yet")
            # The declaration's points, not the progress file's: an exercise whose points changed
            # since it was graded counts what it is worth now.
            points = exercise.points if status == "passed" else 0
            records.append({"points": points, "max_points": exercise.points,
                            "optional": exercise.optional})
            if not exercise.optional:
                required += 1
                passed += 1 if status == "passed" else 0
            else:
                optional += 1
                optional_passed += 1 if status == "passed" else 0
            when = ""
            if entry and entry.get("graded_at"):
                when = "graded %s" % entry["graded_at"].replace("T", " ")[:16]
                parts = entry.get("tests", {})
                if status == "not graded" and parts:
                    when += " (%s)" % ", ".join("%s %s" % (k, v) for k, v in parts.items())
            marker = "->" if exercise is following else "  "
            title = exercise.title + (" (optional)" if exercise.optional else "")
            say("%s %-5s %-*s %s%-16s%s %6s  %s" % (
                marker, exercise.id, width, course.clip(title, width),
                colours.get(status, STYLE.dim), label, STYLE.reset,
                "%d/%d" % (points, exercise.points), when))
    say("")
    points = totals(records)
    say("%sProgress: %d of %d required exercises passed, %d/%d points%s%s" % (
        STYLE.bold, passed, required, points["points"], points["max_points"],
        "; optional: %d of %d passed, %d/%d points" % (
            optional_passed, optional, points["optional_points"], points["optional_max_points"])
        if optional else "", STYLE.reset))
    if following is None:
        say("Every exercise is done. Well done!")
        return 0
    entry = progress.get(following.id)
    say("Next: %s %s (%s)%s" % (following.id, following.title, following.source,
                                ": " + course.clip(entry["message"], 100)
                                if entry and entry.get("message") else ""))
    say("  ./course grade %s    ./course hint %s    ./course watch %s" % (
        following.id, following.id, following.id))
    return 0


# ---- ./course hint -------------------------------------------------------------------------------


def hints_path() -> str:
    return os.path.join(student_build(), "course-hints.json")


def read_hint_state() -> Dict[str, int]:
    try:
        with open(hints_path(), encoding="utf-8") as handle:
            state = json.load(handle)
        return {str(k): int(v) for k, v in state.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def reveal(count: int, shown: int, everything: bool) -> int:
    """How many of `count` hints are shown after this call, `shown` having been before: one more
    each time, all with --all."""
    return count if everything else min(count, shown + 1)


def command_hint(arguments: argparse.Namespace) -> int:
    chapters = course.read_chapters()
    state = read_hint_state()
    if arguments.reset and not arguments.exercise:
        state = {}
        write_json(hints_path(), state)
        say("course: every exercise's hints are hidden again")
        return 0
    if arguments.exercise:
        exercises, _ = course.select_exercises(chapters, [arguments.exercise])
        if len(exercises) != 1:
            raise CourseError("name one exercise (e.g. 3.2), not a chapter")
        exercise = exercises[0]
    else:
        exercise = next_exercise(chapters, read_progress())
        if exercise is None:
            say("course: every exercise is done; ./course hint <exercise> shows an exercise's "
                "hints")
            return 0
    if arguments.reset:
        state.pop(exercise.id, None)
        write_json(hints_path(), state)
        say("course: the hints of %s are hidden again" % exercise.id)
        return 0
    lesson = "chapters/%s/README.md" % exercise.chapter.directory
    say("%sExercise %s: %s%s (%s)" % (STYLE.bold, exercise.id, exercise.title, STYLE.reset,
                                     exercise.source))
    if not exercise.hints:
        say("%s has no hints in its declaration. Read the section 'Exercise %s' of %s, and the "
            "grader's message: ./course grade %s" % (exercise.id, exercise.id, lesson,
                                                     exercise.id))
        return 0
    count = len(exercise.hints)
    before = state.get(exercise.id, 0)
    shown = reveal(count, before, arguments.all)
    for index, text in enumerate(exercise.hints[:shown], start=1):
        seen = index <= before  # shown by an earlier call: dimmed
        say("%sHint %d of %d: %s%s" % (STYLE.dim if seen else STYLE.bold, index, count,
                                       STYLE.reset if not seen else "", text) +
            (STYLE.reset if seen else ""))
    state[exercise.id] = shown
    write_json(hints_path(), state)
    if shown < count:
        say("(%d more: ./course hint %s again; ./course hint %s --all shows them all)" % (
            count - shown, exercise.id, exercise.id))
    elif before >= count:
        say("(no more hints: the lesson's section 'Exercise %s' in %s says the rest)" % (
            exercise.id, lesson))
    return 0


# ---- ./course watch ------------------------------------------------------------------------------


class PollWatcher:
    """Changes to files, seen by comparing their time stamps and sizes every `interval` s."""

    method = "polling every second"

    def __init__(self, paths: List[str], interval: float = 1.0) -> None:
        self.paths = paths
        self.interval = interval
        self.state = self.snapshot()
        if interval != 1.0:
            self.method = "polling every %g s" % interval

    def snapshot(self) -> Dict[str, Tuple[int, int]]:
        state = {}
        for path in self.paths:
            try:
                info = os.stat(path)
                state[path] = (info.st_mtime_ns, info.st_size)
            except OSError:
                state[path] = (0, -1)
        return state

    def wait(self) -> List[str]:
        while True:
            time.sleep(self.interval)
            current = self.snapshot()
            changed = [p for p in self.paths if current[p] != self.state[p]]
            self.state = current
            if changed:
                return changed

    def close(self) -> None:
        pass


class InotifyWatcher:
    """Changes seen by inotifywait (inotify-tools) on the files' folders: editors that save by
    renaming a new file over the old one are seen too."""

    method = "inotifywait"

    def __init__(self, paths: List[str]) -> None:
        self.paths = [os.path.abspath(p) for p in paths]
        folders = sorted({os.path.dirname(p) for p in self.paths})
        self.process = subprocess.Popen(
            ["inotifywait", "-m", "-q", "-e", "close_write", "-e", "moved_to", "-e", "create",
             "--format", "%w%f"] + folders,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.events: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()
        time.sleep(0.3)
        if self.process.poll() is not None:
            error = self.process.stderr.read() if self.process.stderr else ""
            raise OSError(error.strip() or "inotifywait exited")

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.put(os.path.abspath(line.rstrip("\n")))

    def wait(self) -> List[str]:
        while True:
            path = self.events.get()
            if path in self.paths:
                changed = {path}
                deadline = time.time() + 0.3  # an editor's save is several events
                while True:
                    try:
                        more = self.events.get(timeout=max(0.0, deadline - time.time()))
                    except queue.Empty:
                        break
                    if more in self.paths:
                        changed.add(more)
                return sorted(changed)
            if self.process.poll() is not None:
                raise OSError("inotifywait stopped")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def make_watcher(paths: List[str], poll: bool, interval: float):
    if not poll and shutil.which("inotifywait"):
        try:
            return InotifyWatcher(paths)
        except OSError as error:
            say("course: inotifywait does not work here (%s): polling instead" % error)
    return PollWatcher(paths, interval)


def watch_loop(watcher, grade: Callable[[], int], describe: Callable[[List[str]], None],
               once: bool) -> int:
    """Grades, then grades again after every change the watcher reports (describe([]) before
    each wait, describe(changed) after). With `once`, stops after the first change's grading and
    returns its exit code."""
    grade()
    describe([])
    while True:
        changed = watcher.wait()
        describe(changed)
        status = grade()
        if once:
            return status
        describe([])


def command_watch(arguments: argparse.Namespace) -> int:
    chapters = course.read_chapters()
    if arguments.exercise:
        exercises, _ = course.select_exercises(chapters, [arguments.exercise])
        if len(exercises) != 1:
            raise CourseError("name one exercise (e.g. 1.2), not a chapter")
        exercise = exercises[0]
    else:
        exercise = next_exercise(chapters, read_progress())
        if exercise is None:
            raise CourseError("every exercise is done: ./course watch <exercise> watches one")
    by_id = {e.id: e for e in exercise.chapter.exercises}
    files = [exercise.source] + [by_id[i].source for i in course.needed_ids(exercise)]
    paths = [os.path.join(course.ROOT, *f.split("/")) for f in files]
    watcher = make_watcher(paths, arguments.poll, arguments.interval)
    script = os.path.join(course.ROOT, "tools", "course.py")

    def grade() -> int:
        command = [sys.executable, script, "grade", exercise.id] + (
            ["--verbose"] if arguments.verbose else [])
        return subprocess.run(command, cwd=course.ROOT).returncode

    def describe(changed: List[str]) -> None:
        if not changed:  # waiting for the next save
            say("%scourse: watching %s (%s); Ctrl-C to stop%s" % (
                STYLE.dim, ", ".join(files), watcher.method, STYLE.reset))
            return
        say("")
        say("%s== %s: %s changed: grading %s ==%s" % (
            STYLE.bold, time.strftime("%H:%M:%S"),
            ", ".join(os.path.relpath(p, course.ROOT) for p in changed), exercise.id,
            STYLE.reset))

    try:
        return watch_loop(watcher, grade, describe, arguments.once)
    except KeyboardInterrupt:
        say("")
        say("course: stopped watching")
        return 0
    finally:
        watcher.close()


# ---- ./course release ----------------------------------------------------------------------------


def filter_presets(text: str) -> str:
    """CMakePresets.json without the presets that need solutions/ (COURSE_EXERCISES=solutions or
    COURSE_SELF_TEST on) and those built on them."""
    presets = json.loads(text)
    removed = set()
    kept = []
    for preset in presets.get("configurePresets", []):
        variables = preset.get("cacheVariables", {})

        def value(key: str) -> str:
            item = variables.get(key, "")
            return str(item.get("value", "") if isinstance(item, dict) else item)

        if value("COURSE_EXERCISES") == "solutions" or \
                value("COURSE_SELF_TEST").upper() in ("ON", "TRUE", "YES", "1"):
            removed.add(preset.get("name"))
        else:
            kept.append(preset)
    presets["configurePresets"] = kept
    for key in ("buildPresets", "testPresets", "packagePresets"):
        if key in presets:
            presets[key] = [p for p in presets[key] if p.get("configurePreset") not in removed]
    if "workflowPresets" in presets:
        names = {p.get("name") for key in ("configurePresets", "buildPresets", "testPresets",
                                           "packagePresets") for p in presets.get(key, [])}
        presets["workflowPresets"] = [
            w for w in presets["workflowPresets"]
            if all(step.get("name") in names for step in w.get("steps", []))]
    return json.dumps(presets, indent=2) + "\n"


def strip_wrong_variants(text: str) -> str:
    """A results page without its known-wrong variants section (their messages quote the
    solutions' code)."""
    section = re.compile(r"^## Known-wrong variants\n.*?<!-- figures:wrong-variants chapter=\d+ "
                         r"end -->\n\n?", re.S | re.M)
    text = section.sub("", text)
    block = re.compile(r"(<!-- figures:wrong-variants chapter=(\d+) begin -->\n).*?"
                       r"(<!-- figures:wrong-variants chapter=\2 end -->)", re.S)
    return block.sub(r"\1(Not part of the student release.)\n\3", text)


RELEASE_README = """\
# {title}

Your copy of the course: the lessons, a skeleton of every exercise for you to complete, and the
graders that check your work for **correctness** (against a CPU reference, on awkward sizes) and
**speed** (against ceilings measured on your GPU in the same run).

| chapter | lesson | exercises | points |
|---|---|---|---|
{table}

## What you need

Linux (Debian 12 and Ubuntu 24.04 are tested), the CUDA Toolkit 13.x or 12.4 and newer (`nvcc`),
CMake 3.25 or newer (`pip install cmake` gives a current one), Python 3.8 or newer, and an NVIDIA
GPU (compute capability 7.5 or newer) for the GPU exercises. `./course setup` checks all of it and
installs the one missing package it can (Catch2, with apt when you may). Without a GPU everything
builds and the parts that need none are still graded: `docs/getting-a-gpu.md` says where to find
one.

## How to work

```sh
./course setup          # check the toolchain, report your GPU
./course list           # every exercise, its last grade, and the next one to do
./course grade 1.1      # build and grade one exercise (1: a chapter; nothing: every chapter)
./course watch 1.1      # grade again every time you save the file (Ctrl-C stops)
./course hint 1.1       # one more hint each time (--all: every hint; --reset: hide them again)
./course docs           # the HTML reference: lessons, headers, measured results
```

Each exercise lives in one file under `chapters/NN-topic/` (the table in the chapter's `README.md`
names it), at its `COURSE_TODO(...)` lines. Until you replace them, the grader fails naming that
file and line. The scoreboard of `./course grade` shows each exercise as PASSED, FAILED,
DOES NOT COMPILE or NOT GRADED (it could not run here, most often for want of a GPU: it counts as
not passed), with its points.

## How you are graded

Only the exercise files are graded: for each exercise, the file `chapters/NN-topic/<file>` that
the chapter's table names. Everything else (the graders in `tests/`, `common/`, the CMake files,
the interface headers `chapterN.hpp`) is replaced by your instructor's copy before grading, so
changing it changes nothing but your own runs. Keep each exercise's file at its place, commit
your work and hand it in as your instructor says.

## Layout

| path | what |
|---|---|
| `chapters/NN-topic/` | the lesson (`README.md`) and your exercise files |
| `tests/chapterN/` | the declaration (`exercises.txt`: files, points, hints) and the graders |
| `common/` | the course's helper library: device arrays, streams, timers, tolerant comparison |
| `docs/` | the reference's pages and the figures measured on real GPUs (`docs/results/`) |
| `tools/` | the `./course` command |
"""


def release_readme(chapters: List[course.Chapter], title: str) -> str:
    rows = []
    for chapter in chapters:
        required = sum(e.points for e in chapter.exercises if not e.optional)
        optional = sum(e.points for e in chapter.exercises if e.optional)
        ids = ", ".join(e.id + (" (optional)" if e.optional else "") for e in chapter.exercises)
        rows.append("| %d | [%s](chapters/%s/README.md) | %s | %d%s |" % (
            chapter.number, chapter.title, chapter.directory, ids, required,
            " (+%d optional)" % optional if optional else ""))
    return RELEASE_README.format(title=title, table="\n".join(rows))


def markdown_links(text: str) -> List[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def dangling_links(directory: str, files: List[str]) -> List[str]:
    """Relative links in the release's Markdown pages to files that are not in it."""
    problems = []
    for relative in files:
        if not relative.endswith(".md"):
            continue
        with open(os.path.join(directory, relative), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        for link in markdown_links(text):
            target = link.split("#", 1)[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relative), target))
            if not os.path.exists(os.path.join(directory, *resolved.split("/"))):
                problems.append("%s links to %s, which the release does not have" % (
                    relative, target))
    return problems


def git_output(root: str, *command: str) -> str:
    run = subprocess.run(["git", "-C", root] + list(command), stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True)
    return run.stdout.strip() if run.returncode == 0 else ""


def release_files(root: str) -> List[str]:
    patterns = release_exclusions(root)
    return [path for path in tree_files(root, tracked_only=True) if not excluded(path, patterns)]


def check_no_solution(root: str, chapters: List[course.Chapter],
                      contents: Dict[str, bytes]) -> List[str]:
    """Problems that would publish an answer: an exercise file identical to its solution."""
    problems = []
    for exercise, path in exercise_files(chapters):
        solution = os.path.join(root, "solutions", exercise.chapter.directory, exercise.file)
        data = contents.get(path)
        if data is None:
            problems.append("%s: missing from the release" % path)
            continue
        if os.path.exists(solution):
            with open(solution, "rb") as handle:
                if handle.read() == data:
                    problems.append("%s is identical to its solution (solutions/%s/%s): "
                                    "releasing it would publish the answer" % (
                                        path, exercise.chapter.directory, exercise.file))
        if ('COURSE_TODO("%s"' % exercise.id).encode() not in data:
            problems.append("%s has no COURSE_TODO(\"%s\", ...): is it a skeleton?" % (
                path, exercise.id))
    return problems


def command_release(arguments: argparse.Namespace) -> int:
    root = course.ROOT
    destination = os.path.abspath(arguments.directory)
    real_root = os.path.realpath(root)
    real_destination = os.path.realpath(destination)
    if real_destination == real_root or real_root.startswith(real_destination + os.sep) or \
            (real_destination.startswith(real_root + os.sep) and
             not real_destination.startswith(os.path.join(real_root, "build") + os.sep)):
        raise CourseError("release into a folder outside the course (or under its build/), "
                          "not %s" % destination)
    if os.path.exists(destination) and os.listdir(destination):
        if not arguments.force:
            raise CourseError("%s exists and is not empty (--force replaces a previous release)"
                              % destination)
        if not os.path.exists(os.path.join(destination, ".course-release")):
            raise CourseError("%s does not look like a release (no .course-release): not "
                              "replacing it" % destination)
        shutil.rmtree(destination)
    chapters = course.read_chapters(root)
    files = release_files(root)
    contents: Dict[str, bytes] = {}
    for relative in files:
        with open(os.path.join(root, *relative.split("/")), "rb") as handle:
            contents[relative] = handle.read()
    problems = check_no_solution(root, chapters, contents)
    if problems:
        raise CourseError("not releasing:\n  - " + "\n  - ".join(problems))
    if "CMakePresets.json" in contents:
        contents["CMakePresets.json"] = filter_presets(
            contents["CMakePresets.json"].decode("utf-8")).encode("utf-8")
    for relative in list(contents):
        if relative.startswith("docs/results/") and relative.endswith(".md"):
            contents[relative] = strip_wrong_variants(
                contents[relative].decode("utf-8")).encode("utf-8")
    title = "GPU programming in CUDA C++: a graded course"
    if "README.md" in contents:
        first = contents["README.md"].decode("utf-8", "replace").splitlines()[:1]
        if first and first[0].startswith("# "):
            title = first[0][2:].strip()
    contents["README.md"] = release_readme(chapters, title).encode("utf-8")
    commit = git_output(root, "rev-parse", "HEAD")
    dirty = bool(git_output(root, "status", "--porcelain", "--untracked-files=no"))
    untracked = git_output(root, "ls-files", "--others", "--exclude-standard")
    marker = {"released_from": commit or None, "uncommitted_changes": dirty,
              "released_at": now_iso()}
    contents[".course-release"] = (json.dumps(marker, indent=2) + "\n").encode("utf-8")
    for relative, data in sorted(contents.items()):
        source = os.path.join(root, *relative.split("/"))
        mode = stat.S_IMODE(os.stat(source).st_mode) if os.path.exists(source) else 0o644
        write_if_changed(os.path.join(destination, *relative.split("/")), data, mode)
    leftovers = [p for p in files if p.startswith("solutions/")]
    assert not leftovers, leftovers
    say("course: released %d files to %s (from %s%s)" % (
        len(contents), destination, commit[:12] or "a tree without git",
        ", with uncommitted changes" if dirty else ""))
    if untracked:
        say("%scourse: not released (untracked: git add them first): %s%s" % (
            STYLE.yellow, " ".join(untracked.splitlines()[:10]), STYLE.reset))
    for problem in dangling_links(destination, sorted(contents)):
        say("%scourse: warning: %s%s" % (STYLE.yellow, problem, STYLE.reset))
    if not arguments.no_git:
        if not shutil.which("git"):
            raise CourseError("git is not installed: use --no-git")
        environment = dict(os.environ)
        if not git_output(root, "config", "user.name"):
            environment.update(GIT_AUTHOR_NAME="course release",
                               GIT_COMMITTER_NAME="course release")
        if not git_output(root, "config", "user.email"):
            environment.update(GIT_AUTHOR_EMAIL="course@localhost",
                               GIT_COMMITTER_EMAIL="course@localhost")
        for command in (["git", "-c", "init.defaultBranch=main", "init", "-q"],
                        ["git", "add", "-A"],
                        ["git", "commit", "-q", "-m", "The course, released for students" +
                         (" (from %s)" % commit[:12] if commit else "")]):
            run = subprocess.run(command, cwd=destination, env=environment,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            if run.returncode != 0:
                raise CourseError("%s failed in %s:\n%s" % (" ".join(command), destination,
                                                            run.stdout))
        say("course: %s is a git repository with one commit" % destination)
    if arguments.check:
        return check_release(destination, chapters)
    say("course: next: cd %s && ./course grade (every skeleton must fail), or --check" %
        destination)
    return 0


def check_release(destination: str, chapters: List[course.Chapter]) -> int:
    """No solution code in the release (tools/course_leaks.py); then builds and grades the release
    on its own: every exercise must fail or be not graded."""
    leaks = release_leaks(destination)
    if leaks:
        say("%scourse: the release check FAILED (not graded: remove the solution code first):\n"
            "  - %s%s" % (STYLE.red, "\n  - ".join(leaks), STYLE.reset))
        return 1
    say("course: checking the release: ./course grade in %s" % destination)
    run = subprocess.run([sys.executable, os.path.join(destination, "tools", "course.py"),
                          "grade"], cwd=destination)
    progress = read_progress(os.path.join(destination, "build", "student",
                                          "course-progress.json"))
    expected = [e.id for c in chapters for e in c.exercises]
    problems = []
    for ident in expected:
        entry = progress.get(ident)
        if entry is None:
            problems.append("%s: not graded at all" % ident)
        elif entry.get("status") == "passed":
            problems.append("%s: the untouched skeleton PASSED" % ident)
        elif entry.get("status") == "not built":
            problems.append("%s: does not build: %s" % (ident, entry.get("message", "")))
        elif "passed" in entry.get("tests", {}).values():
            problems.append("%s: a part of the skeleton passed: %s" % (ident, entry.get("tests")))
    if run.returncode == 0:
        problems.append("./course grade exited with 0 on the skeletons")
    counts: Dict[str, int] = {}
    for ident in expected:
        status = progress.get(ident, {}).get("status", "missing")
        counts[status] = counts.get(status, 0) + 1
    say("course: release check: %s" % ", ".join(
        "%d %s" % (n, s) for s, n in sorted(counts.items())))
    if problems:
        say("%scourse: the release check FAILED:\n  - %s%s" % (
            STYLE.red, "\n  - ".join(problems), STYLE.reset))
        return 1
    say("%scourse: the release builds on its own and every skeleton fails (or is not graded "
        "without a GPU)%s" % (STYLE.green, STYLE.reset))
    return 0


def release_leaks(destination: str) -> List[str]:
    """The leak check of a written release against this course's solutions: one problem a function
    body of solutions/ that appears in a released file."""
    if not os.path.isdir(os.path.join(course.ROOT, "solutions")):
        say("course: leak check: no solutions/ in %s to compare the release with" % course.ROOT)
        return []
    report = course_leaks.check(course_leaks.solution_files(course.ROOT),
                                course_leaks.released_files(destination))
    say("course: leak check: " + report.summary())
    return ["solution code in the release: " + leak.describe() for leak in report.leaks]


# ---- the commands --------------------------------------------------------------------------------


def register(subparsers, grade_parser) -> Dict[str, Callable[[argparse.Namespace], int]]:
    group = grade_parser.add_argument_group(
        "grading a submission (instructors; docs/classroom.md)")
    group.add_argument("--submission", metavar="SRC", action=SubmissionAction,
                       help="grade a submission (a folder, a git URL or path, or a .zip/.tar.gz/"
                            ".tgz archive) against this course's pristine graders: only its "
                            "exercise files are used")
    group.add_argument("--result", metavar="FILE",
                       help="the result file (JSON; default: <work>/result.json)")
    group.add_argument("--work", metavar="DIR",
                       help="the private copy's folder (default: build/submissions/<name>); "
                            "reuse one to grade submissions one after another faster")
    group.add_argument("--timeout", metavar="SECONDS", type=course.number_argument(1, 86400,
                                                                                   "seconds"),
                       help="time limit of every grader test (default: 120 s, speed 300 s)")
    group.add_argument("--build-timeout", metavar="SECONDS", default=600,
                       type=course.number_argument(1, 86400, "seconds"),
                       help="time limit of each build step (default: 600)")
    group.add_argument("--name", help="the submission's name in the result (default: from SRC)")

    release = subparsers.add_parser(
        "release", help="write the student repository: no solutions, no known-wrong variants")
    release.add_argument("directory", metavar="DIR")
    release.add_argument("--no-git", action="store_true",
                         help="do not make it a git repository with one commit")
    release.add_argument("--force", action="store_true", help="replace a previous release")
    release.add_argument("--check", action="store_true",
                         help="then build and grade it on its own: every skeleton must fail")
    gradebook = subparsers.add_parser(
        "gradebook", help="a CSV gradebook from result files of ./course grade --submission")
    gradebook.add_argument("results", nargs="+", metavar="RESULT",
                           help="result files, or folders searched for result.json and "
                                "*.result.json")
    gradebook.add_argument("-o", "--output", metavar="CSV", help="default: standard output")
    hint = subparsers.add_parser("hint", help="the next hint of an exercise")
    hint.add_argument("exercise", nargs="?", metavar="EXERCISE",
                      help="e.g. 3.2 (default: the next exercise to do)")
    hint.add_argument("--all", action="store_true", help="every hint at once")
    hint.add_argument("--reset", action="store_true",
                      help="hide the hints again (of every exercise when none is named)")
    subparsers.add_parser("list", help="your progress and the next exercise")
    watch = subparsers.add_parser("watch", help="grade an exercise again every time it is saved")
    watch.add_argument("exercise", nargs="?", metavar="EXERCISE",
                       help="e.g. 1.2 (default: the next exercise to do)")
    watch.add_argument("--poll", action="store_true",
                       help="poll the files' time stamps instead of inotifywait")
    watch.add_argument("--interval", type=course.number_argument(0.1, 3600, "seconds", float),
                       default=1.0, help="polling interval (s)")
    watch.add_argument("--once", action="store_true",
                       help="stop after the first save's grading (its exit code)")
    watch.add_argument("-v", "--verbose", action="store_true")
    if after_grade not in course.GRADE_LISTENERS:
        course.GRADE_LISTENERS.append(after_grade)
    return {"release": command_release, "gradebook": command_gradebook, "hint": command_hint,
            "list": command_list, "watch": command_watch}
