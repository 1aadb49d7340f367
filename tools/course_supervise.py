"""The grader supervisor: every grader test runs under it, so that the exercise's code (which runs
inside the grader process) never decides its own verdict.

    python3 tools/course_supervise.py --test NAME --note-file FILE --timeout SECONDS
        [--not-graded-fails] [--exit-meaning CODE=TEXT]
        [--inspect-interface HEADER --inspect-forbid LIST --inspect-object OBJECT=SOURCE ...]
        -- GRADER [ARGUMENTS...]

cmake/Course.cmake writes this command for each test. Python 3.8+, standard library only; it runs
no student code itself. What it does, and why:

- The grader gets the write end of a pipe (COURSE_VERDICT_FD) and a fresh random key
  (COURSE_VERDICT_KEY). tests/support/grading.cpp takes both out of the environment before any
  exercise file's static initialiser runs, and sends its notes (NOTE FIGURE/FAIL/SKIP: ...), the
  test case it starts (CASE <name>), the student function it calls (CALL <name>) and, after
  Catch2's session in main(), one record VERDICT <passed> <failed> <skipped> <catch status> <key>.
  A program that ends before that record (exit(0) or quick_exit(0) in a static initialiser or in
  an exercise function) therefore FAILS, whatever its exit status.
- The grader runs in its own process group with this process as its child subreaper (Linux): a
  process it leaves behind (detached with setsid or not) is found, killed and reported as a
  failure, so nothing of a test outlives it to rewrite results later.
- The time limit is enforced here, and a time-out names the test case and the student function
  announced last.
- This process alone writes the note file (<build>/course-notes/<test>.txt): the notes received,
  then one last line "VERDICT: passed|failed|not graded <reason>". A later test's code could
  still rewrite that file, so the last line this process prints, after the grader and all its
  descendants are gone, is "COURSE-VERDICT: <verdict> notes-sha256=<digest of the note file>":
  CTest keeps it in the test's output (course-junit.xml), where no grader can write, and
  tools/course.py believes a note file only when its digest matches.
- With --inspect-* (the object gate, tools/course_inspect.py), the student's object files are
  inspected before the grader runs; a problem rejects the submission without running it.

Exit status: 0 passed; 1 failed; 4 not graded (CTest's SKIP_RETURN_CODE in the project's own
suite), or 1 with --not-graded-fails (the student build: CTest never says "100% passed" for work
that was not graded); 2 for a wrong command line (a bug in the build files).

What this does not defend against (docs/classroom.md, the threat model): code in the grader
process that deliberately reads the grader's memory for the key or tampers with Catch2's counters
(the object gate looks for the symbols that would do it), and any file a test's code writes
while it runs (another exercise's grader program, for instance) unless the grading runs in a
sandbox.
"""

import argparse
import ctypes
import hashlib
import os
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
NOT_GRADED_EXIT = 4
# What the supervisor keeps of the grader's messages: a grader that fails a million assertions
# still gets its first notes on the scoreboard, and this process's memory stays small.
MAX_LINE_BYTES = 8192
MAX_NOTE_BYTES = 1 << 20
NOTE_KEYS = ("FIGURE", "FAIL", "SKIP")


class Interrupted(Exception):
    """SIGTERM, SIGINT or SIGHUP reached the supervisor: the grader is stopped, the test fails."""


class CannotStart(Exception):
    """The grader program could not be started (not built, not executable): the test fails."""


def usage_error(text: str) -> None:
    """A wrong command line is a bug in the build files: exit 2, like argparse."""
    sys.stderr.write("course_supervise.py: error: %s\n" % text)
    raise SystemExit(2)


# ---- the grader's messages -----------------------------------------------------------------------


class Channel:
    """What the grader sent through the verdict pipe, line by line."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.pending = b""
        self.notes: List[str] = []
        self.note_bytes = 0
        self.dropped_notes = 0
        self.case = ""  # the Catch2 test case started last
        self.call = ""  # the student function announced last in that test case
        self.verdicts: List[List[str]] = []
        self.junk: List[str] = []
        self.forged = 0

    def feed(self, data: bytes) -> None:
        self.pending += data
        while True:
            end = self.pending.find(b"\n")
            if end < 0:
                if len(self.pending) > MAX_LINE_BYTES:
                    self.junk.append(clip(self.pending.decode("utf-8", "replace"), 80))
                    self.pending = b""
                return
            line = self.pending[:end].decode("utf-8", "replace")
            self.pending = self.pending[end + 1:]
            self.take(line)

    def finish(self) -> None:
        if self.pending:
            self.take(self.pending.decode("utf-8", "replace"))
            self.pending = b""

    def take(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "NOTE" and ": " in rest and rest.split(": ", 1)[0].isalpha():
            if self.note_bytes + len(rest) > MAX_NOTE_BYTES:
                self.dropped_notes += 1
                return
            self.notes.append(rest)
            self.note_bytes += len(rest)
        elif word == "CASE" and rest:
            self.case, self.call = rest, ""
        elif word == "CALL" and rest:
            self.call = rest
        elif word == "VERDICT":
            fields = rest.split()
            if len(fields) == 5 and all(f.isdigit() for f in fields[:4]) and \
                    secrets.compare_digest(fields[4], self.key):
                self.verdicts.append(fields[:4])
            else:
                self.forged += 1
        elif line.strip():
            self.junk.append(clip(line, 80))

    def first(self, key: str) -> str:
        for note in self.notes:
            name, _, text = note.partition(": ")
            if name == key:
                return text
        return ""

    def where(self) -> str:
        """Where the grader was: the function announced last, in the test case started last."""
        if self.case and self.call:
            return "in %s (test case \"%s\")" % (self.call, self.case)
        if self.case:
            return "in test case \"%s\"" % self.case
        return "before its first test case (in a static initialiser?)"


def clip(text: str, width: int) -> str:
    text = text.replace("\r", " ").replace("\t", " ")
    return text if len(text) <= width else text[:width - 3] + "..."


# ---- processes -----------------------------------------------------------------------------------


_LIBC: List[ctypes.CDLL] = []


def libc() -> Optional[ctypes.CDLL]:
    """The C library, loaded once in this process (never first in a forked child: loading may
    run a program to find it)."""
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL(None, use_errno=True))
        except OSError:
            return None
    return _LIBC[0]


def become_subreaper() -> bool:
    """Orphaned descendants of the grader (a double fork, setsid) become this process's
    children instead of init's, so they can be found and killed. Linux only: elsewhere the
    grader's process group is all that is killed."""
    if not sys.platform.startswith("linux"):
        return False
    library = libc()
    return library is not None and library.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def start_grader_process() -> None:
    """In the child, before exec: its own process group; killed if the supervisor dies (CTest
    killing it, say), so a grader never outlives its supervisor."""
    os.setpgrp()
    if sys.platform.startswith("linux"):
        library = libc()
        if library is not None:
            library.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def descendants(root: int) -> List[Tuple[int, str]]:
    """(pid, state) of every process under `root`, from /proc (empty where there is none)."""
    children: Dict[int, List[Tuple[int, str]]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) < 2 or not fields[1].lstrip("-").isdigit():
            continue
        children.setdefault(int(fields[1]), []).append((int(entry), fields[0]))
    found: List[Tuple[int, str]] = []
    queue = [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child[0])
    return found


def reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything(group: int) -> int:
    """Kills the grader's process group and every process left under this one (SIGKILL, until
    none is left). Returns how many were still running when first looked at."""
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
    running = -1
    quiet_rounds = 0
    for _ in range(200):  # a process that forks as fast as it is killed still ends: 200 rounds
        found = descendants(os.getpid())
        alive = [pid for pid, state in found if state not in ("Z", "X")]
        if running < 0:
            running = len(alive)
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap_children()
        if not found:
            quiet_rounds += 1
            if quiet_rounds >= 2:
                break
        else:
            quiet_rounds = 0
            time.sleep(0.01)
    return max(running, 0)


# ---- the verdict ---------------------------------------------------------------------------------


class Outcome:
    def __init__(self, verdict: str, reason: str) -> None:
        self.verdict = verdict  # passed, failed, not graded
        self.reason = reason


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def judge(channel: Channel, status: Optional[int], timed_out: bool, timeout: float,
          left_running: int, exit_meanings: Dict[int, str]) -> Outcome:
    """The verdict from what the grader sent and how it ended; the most serious problem first."""
    if timed_out:
        return Outcome("failed", "timed out after %g s %s (an endless loop? a kernel that never "
                       "finishes? a deadlock?)" % (timeout, channel.where()))
    if channel.forged:
        return Outcome("failed", "a verdict record without the grader's key reached the "
                       "supervisor: something in the program other than the grader wrote it")
    if len(channel.verdicts) > 1:
        return Outcome("failed", "%d verdict records: the grader sends exactly one" %
                       len(channel.verdicts))
    if left_running:
        return Outcome("failed", "the test left %d process(es) running: killed" % left_running)
    assert status is not None
    if status < 0:
        return Outcome("failed", "crashed (%s) %s" % (signal_name(-status), channel.where()))
    if not channel.verdicts:
        if status == 0:
            return Outcome("failed", "ended before reporting a verdict: the exercise's code ended "
                           "the program early (exit/quick_exit?) %s" % channel.where())
        return Outcome("failed", "ended with exit status %d before reporting a verdict, %s" % (
            status, channel.where()))
    if channel.junk:
        return Outcome("failed", "the grader's verdict channel carried %d line(s) the grader "
                       "never writes (first: \"%s\"): something else in the program wrote to it" %
                       (len(channel.junk), channel.junk[0]))
    passed, failed, skipped, catch_status = (int(f) for f in channel.verdicts[0])
    if failed:
        why = channel.first("FAIL") or "%d test case(s) failed" % failed
        outcome = Outcome("failed", why)
        expected = 1
    elif skipped:
        outcome = Outcome("not graded", channel.first("SKIP") or
                          "%d test case(s) could not run here" % skipped)
        expected = NOT_GRADED_EXIT
    elif catch_status:
        outcome = Outcome("failed", "Catch2 ended with status %d" % catch_status)
        expected = 1
    elif not passed:
        outcome = Outcome("failed", "no test case ran: nothing matched the grader's filter")
        expected = 1
    else:
        outcome = Outcome("passed", "")
        expected = 0
    if status != expected and outcome.verdict != "failed":
        meaning = exit_meanings.get(status)
        if meaning:
            return Outcome("failed", meaning)
        return Outcome("failed", "reported '%s' but exited with status %d (something ran after "
                       "the grader's verdict)" % (outcome.verdict, status))
    return outcome


def write_notes(path: str, channel: Channel, outcome: Outcome) -> str:
    """Writes the note file in one step (a temporary file renamed over it); returns its SHA-256."""
    lines = list(channel.notes)
    if channel.dropped_notes:
        lines.append("FIGURE: (%d more notes not kept)" % channel.dropped_notes)
    lines.append(("VERDICT: %s %s" % (outcome.verdict, outcome.reason)).rstrip())
    data = "".join(clip(line.replace("\n", " "), MAX_LINE_BYTES) + "\n" for line in lines)
    encoded = data.encode("utf-8", "replace")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".supervise-", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(encoded)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return hashlib.sha256(encoded).hexdigest()


def remove_stale(path: str) -> None:
    """This run's notes only: a previous run's file never stands in for this one. The folder is
    made here: graders name side files after the note file (5.3's roofline JSON)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# ---- the object gate -----------------------------------------------------------------------------


def inspect_objects(arguments: argparse.Namespace) -> Optional[List[str]]:
    """Problems the object gate (tools/course_inspect.py, beside this file) finds in the student's
    object files, or None when no inspection was asked for."""
    if not arguments.inspect_object:
        return None
    objects: List[Tuple[str, str]] = []
    for item in arguments.inspect_object:
        object_files, separator, source = item.rpartition("=")
        if not separator or not object_files:
            usage_error("--inspect-object wants OBJECT=SOURCE, not '%s'" % item)
        # $<TARGET_OBJECTS:...> is a list: one exercise file compiles to one object, but accept
        # several.
        objects.extend((name, source) for name in object_files.split(";") if name)
    forbid = [f for f in (arguments.inspect_forbid or "").replace(";", ",").split(",") if f]
    try:
        sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
        import course_inspect  # type: ignore  # noqa: E402  (beside this file)
    except ImportError as error:
        return ["the object gate (tools/course_inspect.py) could not be loaded: %s" % error]
    try:
        return list(course_inspect.inspect(objects, arguments.inspect_interface or "", forbid))
    except Exception as error:  # noqa: BLE001 -- a gate that breaks must not pass the work
        return ["the object gate failed: %s: %s" % (type(error).__name__, error)]


# ---- running the grader --------------------------------------------------------------------------


def run_grader(command: List[str], channel: Channel, timeout: float,
               note_file: str) -> Tuple[Optional[int], bool, int]:
    """Runs the grader under the time limit, reading its channel. Returns (exit status or None,
    timed out, processes it left running)."""
    subreaper = become_subreaper()
    libc()  # loaded here, before the fork (start_grader_process uses it)
    read_end, write_end = os.pipe()
    environment = dict(os.environ)
    environment["COURSE_VERDICT_FD"] = str(write_end)
    environment["COURSE_VERDICT_KEY"] = channel.key
    # Only to name side files (5.3's roofline JSON beside the notes); the grader never writes it.
    environment["COURSE_NOTE_FILE"] = os.path.abspath(note_file)
    try:
        process = subprocess.Popen(command, env=environment, pass_fds=(write_end,),
                                   preexec_fn=start_grader_process)
    except OSError as error:
        os.close(read_end)
        os.close(write_end)
        raise CannotStart("the grader could not start (%s: %s)" % (command[0], error.strerror))
    os.close(write_end)  # the grader and its children hold the only write ends now
    deadline = time.monotonic() + timeout
    status: Optional[int] = None
    timed_out = False
    left_running = 0
    reading = True
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if reading:
                ready, _, _ = select.select([read_end], [], [], min(remaining, 0.05))
                if ready:
                    data = os.read(read_end, 65536)
                    if data:
                        channel.feed(data)
                    else:
                        reading = False  # every write end is closed
            else:
                time.sleep(min(remaining, 0.02))
            status = process.poll()
            if status is not None:
                break
    finally:
        # Normal end, time-out or interruption alike: nothing of the test survives it.
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            process.kill()
            process.wait()
        left_running = kill_everything(process.pid) if subreaper else 0
        if not subreaper:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
        drain(read_end, channel)
        os.close(read_end)
    return status, timed_out, left_running


def drain(read_end: int, channel: Channel) -> None:
    """What the grader wrote just before it ended. Every writer is dead by now; a process that
    escaped (no subreaper) cannot hold this up for more than a second."""
    os.set_blocking(read_end, False)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        ready, _, _ = select.select([read_end], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(read_end, 65536)
        except BlockingIOError:
            continue
        if not data:
            break
        channel.feed(data)
    channel.finish()


def parse_arguments(argv: List[str]) -> Tuple[argparse.Namespace, List[str]]:
    if "--" not in argv:
        usage_error("the grader's command follows '--'")
    split = argv.index("--")
    command = argv[split + 1:]
    parser = argparse.ArgumentParser(prog="course_supervise.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--test", required=True, help="the CTest test's name (for its messages)")
    parser.add_argument("--note-file", required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--not-graded-fails", action="store_true")
    parser.add_argument("--exit-meaning", action="append", default=[],
                        help="CODE=TEXT: what an exit status of the command means (e.g. 99 from "
                        "compute-sanitizer's --error-exitcode)")
    parser.add_argument("--inspect-interface")
    parser.add_argument("--inspect-forbid")
    parser.add_argument("--inspect-object", action="append", default=[])
    arguments = parser.parse_args(argv[:split])
    if not command:
        parser.error("no grader command after '--'")
    if arguments.timeout <= 0:
        parser.error("--timeout must be positive, not %g" % arguments.timeout)
    meanings: Dict[int, str] = {}
    for item in arguments.exit_meaning:
        code, separator, text = item.partition("=")
        if not separator or not code.isdigit():
            parser.error("--exit-meaning wants CODE=TEXT, not '%s'" % item)
        meanings[int(code)] = text
    arguments.exit_meanings = meanings
    return arguments, command


def interrupt(number: int, _frame: object) -> None:
    for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)  # one interruption; the clean-up is not interrupted
    raise Interrupted(signal_name(number))


def main(argv: Optional[List[str]] = None) -> int:
    arguments, command = parse_arguments(sys.argv[1:] if argv is None else argv)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, interrupt)
    remove_stale(arguments.note_file)
    channel = Channel(secrets.token_hex(16))
    problems = inspect_objects(arguments)
    if problems:
        for problem in problems:
            print("REJECTED: %s" % problem)
        channel.notes.append("FAIL: " + problems[0])
        outcome = Outcome("failed", problems[0])
    else:
        try:
            status, timed_out, left = run_grader(command, channel, arguments.timeout,
                                                 arguments.note_file)
            outcome = judge(channel, status, timed_out, arguments.timeout, left,
                            arguments.exit_meanings)
        except Interrupted as signal_received:
            outcome = Outcome("failed", "interrupted (%s): the grader of %s was stopped" %
                              (signal_received, arguments.test))
        except CannotStart as error:
            outcome = Outcome("failed", str(error))
    digest = write_notes(arguments.note_file, channel, outcome)
    if outcome.verdict == "not graded":
        print("\nNOT GRADED: %s" % outcome.reason)
        code = 1 if arguments.not_graded_fails else NOT_GRADED_EXIT
    elif outcome.verdict == "failed":
        print("\nFAILED: %s" % outcome.reason)
        code = 1
    else:
        code = 0
    # The last line of the test's output: CTest keeps it where no grader can write (course.py).
    print("COURSE-VERDICT: %s notes-sha256=%s" % (outcome.verdict, digest))
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
