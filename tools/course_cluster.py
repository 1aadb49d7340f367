"""./course grade-class: a whole class graded, on a Slurm cluster or here, every submission in a
sandbox. Also ./course grade-sandboxed (one submission in the same sandbox: a CI runner's step).

  ./course grade-class SUBMISSIONS_DIR [--out DIR] [--slurm|--local] [--partition P]
                       [--gres gpu:1] [--time-limit MIN] [--account A] [--max-parallel N]
                       [--what 1 2.3 ...] [--sbatch-option=--mem=8G ...]

SUBMISSIONS_DIR holds one entry per student: a directory (a clone of the student's repository) or
an archive (.tar.gz, .tgz, .tar.xz, .tar.bz2, .tar, .zip). Each is graded by the course's own
command, `./course grade --submission <entry> --result ... --work ...` (tools/course_*.py), which
takes only the declared exercise files from it into a private copy of this (pristine) tree.

With Slurm (found on PATH, or --slurm) grade-class writes <out>/grade-class.sbatch, a job array
with one task per submission, submits it, follows it with squeue (sacct where accounting is on),
cancels it with scancel on Ctrl-C, and writes <out>/gradebook.csv with `./course gradebook` when
every task has ended. A task that died (time limit, node failure, out of memory, cancelled) still
gets a result file that says so, with 0 points. Without Slurm (or --local) the submissions are
graded here, one after another, each with the same time limit.

The sandbox (bubblewrap): every submission's build and tests run with the whole file system
read-only except the task's own work directory, which is also the sandbox's /tmp and HOME; its own
process, IPC and host-name namespaces; an environment from a short allow list (no tokens, no SSH
agent). Run as root, the command inside also drops to an unprivileged account (course-grader,
created when missing). The result file is written inside the work directory and copied out by
this command, outside the sandbox.

Builds: every task builds its own copy (nothing a student compiled is ever shared). To avoid
paying for the identical part (the graders, the Catch2 main, the course library) once per
student, a first job grades the pristine tree itself with ccache writing a cache in
<out>/.ccache; the tasks then use that cache read-only. Without ccache each task compiles
everything (docs/classroom.md gives the costs).
"""

import argparse
import datetime
import glob
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import course
import course_classroom
from course import CourseError, STYLE, say

SCHEMA = "course-result/1"
GRADER_USER = "course-grader"
INSIDE = "/tmp"  # where the task's work directory appears inside the sandbox
ARCHIVES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
PRISTINE = ".pristine"  # <out>/.pristine: the pristine tree's own grading (it fills the cache)
RESULT_LIMIT = 4 * 1024 * 1024  # bytes: a result file larger than this is not a result
# Slurm job states (squeue %T, sacct State). Anything else counts as still in the queue.
FINISHED_STATES = ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
                   "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED")
RUNNING_STATES = ("RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT", "SIGNALING", "RESIZING")
# Environment variables the sandboxed grading sees (prefixes end with _); everything else, tokens
# and agents included, stays outside.
ENVIRONMENT_ALLOWED = ("PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CPATH",
                       "CC", "CXX", "CUDACXX", "CUDAARCHS", "CUDA_", "NVIDIA_", "NVCC_", "CMAKE_",
                       "COURSE_", "LC_")


# ---- submissions ---------------------------------------------------------------------------------


class Submission:
    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path


# The same name as ./course grade --submission gives it ('Alice Smith.tar.gz' -> 'Alice_Smith',
# carol.git -> carol): one submission, one name in every result and gradebook.
submission_name = course_classroom.submission_name


def find_submissions(directory: str, exclude: str = "") -> Tuple[List[Submission], List[str]]:
    """The submissions in `directory` (directories and archives, in name order) and the entries
    skipped with the reason; `exclude` (the results' directory) is not one."""
    if not os.path.isdir(directory):
        raise CourseError("%s is not a directory of submissions" % directory)
    found: List[Submission] = []
    skipped: List[str] = []
    taken: Dict[str, str] = {}
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(os.path.abspath(directory), entry)
        if entry.startswith(".") or (exclude and os.path.realpath(path) ==
                                     os.path.realpath(exclude)):
            continue
        is_archive = os.path.isfile(path) and entry.lower().endswith(ARCHIVES)
        if not os.path.isdir(path) and not is_archive:
            skipped.append("%s (neither a directory nor an archive: %s)" % (
                entry, ", ".join(ARCHIVES)))
            continue
        name = submission_name(entry)
        if name.lower() in taken:
            raise CourseError("%s and %s would both be graded as '%s': rename one" % (
                taken[name.lower()], entry, name))
        taken[name.lower()] = entry
        found.append(Submission(name, path))
    return found, skipped


def write_tasks(path: str, submissions: List[Submission]) -> None:
    """<out>/tasks.tsv: line i (from 0) is array task i, 'name<TAB>path'."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# ./course grade-class: one line per array task (from 0): name, path\n")
        for submission in submissions:
            if "\t" in submission.path or "\n" in submission.path:
                raise CourseError("a submission's path has a tab or a newline: %r" %
                                  submission.path)
            handle.write("%s\t%s\n" % (submission.name, submission.path))


def read_tasks(path: str) -> List[Submission]:
    submissions = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            name, _, where = line.rstrip("\n").partition("\t")
            submissions.append(Submission(name, where))
    return submissions


# ---- results -------------------------------------------------------------------------------------


def selected_exercises(what: List[str]) -> Tuple[List[course.Exercise], bool]:
    return course.select_exercises(course.read_chapters(course.ROOT), what)


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def unfinished_result(name: str, source: str, what: List[str], message: str) -> Dict:
    """The result of a submission whose grading never finished: every exercise 'not graded',
    0 points, and why (in "error", the gradebook's column, and in every exercise's message).
    The same totals as ./course grade --submission (course_classroom.totals): max_points counts
    the required exercises, optional_max_points the optional ones."""
    exercises, _ = selected_exercises(what)
    entries = []
    for exercise in exercises:
        entries.append({"id": exercise.id, "title": exercise.title,
                        "chapter": exercise.chapter.number, "file": exercise.source,
                        "status": "not graded", "points": 0, "max_points": exercise.points,
                        "optional": exercise.optional, "message": message, "figures": [],
                        "tests": []})
    result = {"schema": SCHEMA, "submission": name, "source": source, "graded_at": now_iso(),
              "gpu": None, "exercises": entries}
    result.update(course_classroom.totals(entries))
    result.update({"error": message, "unfinished": True})
    return result


def read_inside(work: str, relative: str, limit: int = RESULT_LIMIT) -> Tuple[Optional[bytes], str]:
    """The bytes of a regular file under `work` (the sandbox's work directory), read by this
    process, outside the sandbox and maybe as root: a symbolic link planted by a submission
    (result.json -> another student's result, or /etc/shadow) is refused, never followed."""
    base = os.path.realpath(work)
    path = os.path.join(base, relative)
    if os.path.realpath(os.path.dirname(path)) != os.path.dirname(os.path.normpath(path)) or \
            not os.path.normpath(path).startswith(base + os.sep):
        return None, "%s is not a file of the work directory" % relative
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, "no %s was written" % relative
    except OSError as error:
        return None, "%s cannot be read (%s)" % (relative, error.strerror)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None, "%s is not a regular file" % relative
        data = handle.read(limit + 1)
    if len(data) > limit:
        return None, "%s is larger than %d bytes" % (relative, limit)
    return data, ""


def parse_result(data: bytes) -> Tuple[Optional[Dict], str]:
    """(the result, "") or (None, why it is not one)."""
    try:
        result = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return None, "the result file is not JSON (%s)" % error
    if not isinstance(result, dict) or result.get("schema") != SCHEMA or \
            not isinstance(result.get("exercises"), list):
        return None, "the result file is not a %s result" % SCHEMA
    return result, ""


def read_result(path: str) -> Tuple[Optional[Dict], str]:
    """A result file this command wrote (in --out)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(RESULT_LIMIT + 1)
    except OSError:
        return None, "no result file"
    return parse_result(data)


def write_json(path: str, value: Dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    scratch = path + ".part"
    with open(scratch, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
        handle.write("\n")
    os.replace(scratch, path)


def points_of(result: Dict) -> str:
    """'45/60 points, optional 10/25', added up from the result's exercises (as the gradebook
    does): never more than the maximum, whatever the file says."""
    return course.describe_points(course_classroom.totals(result.get("exercises", [])))


# ---- the sandbox ---------------------------------------------------------------------------------


class Sandbox:
    """bubblewrap, and as root a drop to an unprivileged account inside it."""

    def __init__(self, user: str = GRADER_USER) -> None:
        self.bwrap = shutil.which("bwrap") or ""
        self.as_root = os.geteuid() == 0
        self.user = user
        self.uid = self.gid = -1

    def prepare(self) -> None:
        """Finds bubblewrap (installs it with apt when allowed) and, as root, the account."""
        if not self.bwrap:
            say("course: bubblewrap (bwrap), which the sandbox needs, is missing")
            if course.can_use_apt() and not course.setting("COURSE_NO_INSTALL"):
                course.apt_install(["bubblewrap"])
            self.bwrap = shutil.which("bwrap") or ""
        if not self.bwrap:
            raise CourseError(
                "the sandbox needs bubblewrap: install it (Debian/Ubuntu: apt install bubblewrap; "
                "RHEL: dnf install bubblewrap), or pass --no-sandbox to run students' code with "
                "your own rights (only where the machine itself is disposable)")
        if self.as_root:
            self.uid, self.gid = grader_account(self.user)

    def own(self, path: str) -> None:
        """Gives `path` (recursively) to the grader account when running as root."""
        if not self.as_root:
            return
        for directory, subdirectories, files in os.walk(path):
            os.lchown(directory, self.uid, self.gid)
            for name in subdirectories + files:
                os.lchown(os.path.join(directory, name), self.uid, self.gid)

    def wrap(self, command: List[str], work: str, cache: str = "",
             cache_writable: bool = False) -> List[str]:
        """`command` run in the sandbox: `work` is /tmp inside, `cache` /tmp/.ccache."""
        wrapped = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-pid",
                   "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                   "--ro-bind", "/", "/", "--dev", "/dev"]
        # The GPU: the driver's device files (/dev/nvidia0, nvidiactl, nvidia-uvm, nvidia-caps/).
        for device in sorted(glob.glob("/dev/nvidia*") + glob.glob("/dev/dri")):
            wrapped += ["--dev-bind", device, device]
        wrapped += ["--proc", "/proc", "--bind", work, INSIDE,
                    "--bind", os.path.join(work, ".shm"), "/dev/shm"]
        # The course itself, read-only, where it is: a tree under /tmp is hidden by the sandbox's
        # own /tmp otherwise. The folders on the way to it inside that /tmp (/tmp/a/b for
        # /tmp/a/b/clone) are made first with --dir (mode 0755): bwrap would make the missing
        # ones for the bind itself with mode 0700, owned by root, which the grading account
        # could not pass through.
        wrapped += mount_point_folders(course.ROOT, INSIDE)
        wrapped += ["--ro-bind", course.ROOT, course.ROOT]
        if cache:
            wrapped += ["--bind" if cache_writable else "--ro-bind", cache,
                        INSIDE + "/.ccache"]
        wrapped += ["--chdir", INSIDE]
        if self.as_root:
            # bwrap started by root keeps no capabilities in the sandbox except the two setpriv
            # needs to become the grader account; setpriv then drops them, for good (no new
            # privileges: set-user-ID programs do not raise them again).
            wrapped += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                        "setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid,
                        "--clear-groups", "--no-new-privs", "--inh-caps=-all"]
        else:
            wrapped += ["--"]
        return wrapped + command

    def check(self, work: str) -> None:
        """Starts the sandbox once: it must run, read this tree, and write nowhere but `work`."""
        probe = ("test -r %(tool)s || { echo 'cannot read %(tool)s'; exit 3; }; "
                 "touch %(inside)s/.probe || { echo 'cannot write its work directory'; exit 4; }; "
                 "if touch %(root)s/.course-sandbox-probe 2>/dev/null; then "
                 "echo 'could write %(root)s'; exit 5; fi; echo ok") % {
            "tool": shlex.quote(os.path.join(course.ROOT, "tools", "course.py")),
            "inside": INSIDE, "root": shlex.quote(course.ROOT)}
        os.makedirs(os.path.join(work, ".shm"), exist_ok=True)
        self.own(work)
        run = subprocess.run(self.wrap(["sh", "-c", probe], work), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True,
                             env=sandbox_environment({}))
        if run.returncode == 0 and run.stdout.strip().endswith("ok"):
            return
        text = run.stdout.strip()
        advice = ""
        if "uid map" in text or "Operation not permitted" in text or "No permissions" in text:
            advice = (" bubblewrap needs unprivileged user namespaces when not run as root. On "
                      "Ubuntu 24.04 AppArmor blocks them: install an AppArmor profile for "
                      "/usr/bin/bwrap (docs/classroom.md shows one), or grade as root (the "
                      "sandbox then drops to the '%s' account)." % self.user)
        elif "cannot read" in text:
            advice = (" The grading account must be able to read the course tree: every "
                      "directory above %s needs o+x, its files o+r (or move the tree, e.g. to "
                      "/opt or /srv)." % course.ROOT)
        raise CourseError("the sandbox does not work here: %s%s" % (text or "exit %d" %
                                                                      run.returncode, advice))


def mount_point_folders(path: str, under: str) -> List[str]:
    """bwrap's --dir for each folder strictly between `under` and `path` (both absolute), the
    outermost first: ['--dir', '/tmp/a', '--dir', '/tmp/a/b'] for /tmp/a/b/clone under /tmp;
    nothing when `path` is not below `under` or is right in it."""
    relative = os.path.relpath(os.path.normpath(path), os.path.normpath(under))
    if relative == "." or relative.startswith(".."):
        return []
    options: List[str] = []
    folder = os.path.normpath(under)
    for part in relative.split(os.sep)[:-1]:
        folder = os.path.join(folder, part)
        options += ["--dir", folder]
    return options


def grader_account(user: str) -> Tuple[int, int]:
    """The unprivileged account's uid and gid; created (a system account, no home, no shell)
    when missing."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        say("course: creating the unprivileged account '%s' that grades submissions" % user)
        command = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                   "/nonexistent", "--shell", "/usr/sbin/nologin", user]
        if subprocess.run(command).returncode != 0 and not account_exists(user):
            raise CourseError("could not create the account '%s' (%s): create it yourself" % (
                user, " ".join(command)))
        entry = pwd.getpwnam(user)
    if entry.pw_uid == 0:
        raise CourseError("the grading account '%s' is root: use an unprivileged one" % user)
    return entry.pw_uid, entry.pw_gid


def account_exists(user: str) -> bool:
    """(Another task on the same node may have created it a moment ago.)"""
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


def sandbox_environment(extra: Dict[str, str]) -> Dict[str, str]:
    """The environment of the grading inside the sandbox: the allow list, then fixed values."""
    environment = {}
    for key, value in os.environ.items():
        if any(key == allowed or (allowed.endswith("_") and key.startswith(allowed))
               for allowed in ENVIRONMENT_ALLOWED):
            environment[key] = value
    environment.update({"HOME": INSIDE, "TMPDIR": INSIDE, "NO_COLOR": "1", "TERM": "dumb",
                        "COURSE_NO_INSTALL": "1"})
    cpus = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if cpus.isdigit() and "COURSE_JOBS" not in environment:
        environment["COURSE_JOBS"] = cpus  # a job's share of the node, not all of its cores
    environment.update(extra)
    return environment


def cache_environment(writable: bool, work: str = INSIDE, cache: str = INSIDE + "/.ccache") \
        -> Dict[str, str]:
    """ccache for CMake's compiler launchers. Paths under the work directory are made relative
    (CCACHE_BASEDIR), so that every task's copy of the tree hits the same entries wherever
    ./course grade puts it. In the sandbox the work directory is /tmp, the cache /tmp/.ccache."""
    environment = {"CMAKE_CXX_COMPILER_LAUNCHER": "ccache",
                   "CMAKE_CUDA_COMPILER_LAUNCHER": "ccache", "CCACHE_DIR": cache,
                   "CCACHE_BASEDIR": work, "CCACHE_NOHASHDIR": "1",
                   "CCACHE_TEMPDIR": work + "/.ccache-tmp", "CCACHE_UMASK": "022"}
    if not writable:
        environment["CCACHE_READONLY"] = "1"
    return environment


# ---- grading one submission ----------------------------------------------------------------------


def copy_submission(source: str, work: str) -> str:
    """Copies the submission into the work directory (symbolic links stay links: nothing outside
    the submission is read by this copy). Returns its name there."""
    base = os.path.basename(source.rstrip("/")) or "submission"
    target = os.path.join(work, base)
    if os.path.isdir(source):
        def ignore(directory: str, names: List[str]) -> List[str]:
            # A student's build directory and Git history are not part of the submission.
            return [n for n in names if n in ("build", ".git") and directory == source]
        shutil.copytree(source, target, symlinks=True, ignore=ignore)
    else:
        shutil.copy2(source, target)
    return base


def remove_tree(path: str) -> None:
    def retry(function, name, _):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass
    shutil.rmtree(path, onerror=retry)


class Grading:
    """How to grade: the same for every submission of a run."""

    def __init__(self, what: List[str], timeout: Optional[int], sandbox: Optional[Sandbox],
                 work_root: str, cache: str = "", keep_work: bool = False) -> None:
        self.what = what
        self.timeout = timeout
        self.sandbox = sandbox
        self.work_root = work_root
        self.cache = cache
        self.keep_work = keep_work


def grade_one(grading: Grading, name: str, source: str, result_path: str, log_path: str,
              wall_limit: Optional[float], fill_cache: bool = False) -> Tuple[Dict, bool]:
    """Grades one submission with ./course grade --submission, in the sandbox. Writes
    `result_path` (always: a result saying why when the grading did not finish) and `log_path`
    (its output). Returns (the result, whether the grading finished)."""
    os.makedirs(os.path.dirname(result_path), exist_ok=True)
    os.makedirs(grading.work_root, exist_ok=True)
    work = tempfile.mkdtemp(prefix="course-grade-%s-" % name, dir=grading.work_root)
    os.chmod(work, 0o700)
    process: Optional[subprocess.Popen] = None
    started = time.time()
    try:
        inside = INSIDE if grading.sandbox else work
        if os.path.realpath(source) == os.path.realpath(course.ROOT):
            entry = course.ROOT  # the pristine tree itself: read in place
        else:
            try:
                entry = inside + "/" + copy_submission(source, work)
            except (OSError, shutil.Error) as error:
                message = "the submission could not be copied for grading: %s" % error
                with open(log_path, "w", encoding="utf-8") as log:
                    log.write("# %s\n" % message)
                result = unfinished_result(name, source, grading.what, message)
                write_json(result_path, result)
                return result, False
        for directory in (".shm", ".ccache-tmp", "grade"):
            os.makedirs(os.path.join(work, directory), exist_ok=True)
        command = [os.path.join(course.ROOT, "course"), "grade", "--submission", entry]
        if entry != course.ROOT:  # (the pristine tree's result is named by this command)
            command += ["--name", name]
        command += ["--result", inside + "/result.json", "--work", inside + "/grade"]
        if grading.timeout:
            command += ["--timeout", str(grading.timeout)]
        command += grading.what
        cache = grading.cache if grading.cache and shutil.which("ccache") else ""
        extra: Dict[str, str] = {}
        if cache:
            extra = cache_environment(fill_cache) if grading.sandbox else \
                cache_environment(fill_cache, work, cache)
        if grading.sandbox:
            grading.sandbox.own(work)
            if cache and fill_cache:
                grading.sandbox.own(cache)
            argv = grading.sandbox.wrap(command, work, cache, fill_cache)
        else:
            argv = command
        environment = sandbox_environment(extra)
        if not grading.sandbox:
            environment.update({"HOME": work, "TMPDIR": work})
        with open(log_path, "w", encoding="utf-8") as log:
            log.write("# %s\n# grading %s (%s) at %s on %s%s\n$ %s\n" % (
                "./course grade-class", name, source, now_iso(), os.uname().nodename,
                " in the sandbox as %s" % (grading.sandbox.user if grading.sandbox and
                                           grading.sandbox.as_root else "this account")
                if grading.sandbox else " WITHOUT a sandbox",
                " ".join(shlex.quote(a) for a in command)))
            log.flush()
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=environment,
                                       cwd=work, start_new_session=True)
            try:
                status = process.wait(timeout=wall_limit)
            except subprocess.TimeoutExpired:
                stop(process)
                seconds = wall_limit or 0
                message = "grading did not finish within the time limit (%s) and was stopped" % (
                    "%.0f s" % seconds if seconds < 120 else "%.0f min" % (seconds / 60))
                log.write("\n# %s\n" % message)
                result = unfinished_result(name, source, grading.what, message)
                write_json(result_path, result)
                return result, False
            process = None
            log.write("\n# ./course grade exited with status %d after %.0f s\n" % (
                status, time.time() - started))
        data, why = read_inside(work, "result.json")
        result, why = parse_result(data) if data is not None else (None, why)
        if result is None:
            message = "grading ended without a result: %s (exit status %d; log: %s)" % (
                why, status, log_path)
            result = unfinished_result(name, source, grading.what, message)
            write_json(result_path, result)
            return result, False
        # Who and what was graded is this command's to say, not the file's.
        result["submission"] = name
        result["source"] = source
        keep_outputs(work, inside, result, os.path.dirname(result_path))
        write_json(result_path, result)
        return result, True
    finally:
        if process is not None:
            stop(process)
        if grading.keep_work:
            say("course: kept the work directory %s" % work)
        else:
            remove_tree(work)


def keep_outputs(work: str, inside: str, result: Dict, directory: str) -> None:
    """The files a result names inside the work directory (./course grade's build log and JUnit
    file) are copied next to it, and the result then names the copies: the work directory is
    deleted."""
    for key, name in (("log", "build.log"), ("junit", "junit.xml")):
        where = result.get(key)
        if not isinstance(where, str):
            continue
        for prefix in (inside + "/", os.path.realpath(inside) + "/"):
            if where.startswith(prefix):
                data, _ = read_inside(work, where[len(prefix):], 16 << 20)
                if data is not None:
                    with open(os.path.join(directory, name), "wb") as handle:
                        handle.write(data)
                    result[key] = os.path.join(directory, name)
                else:
                    result[key] = ""
                break


def stop(process: subprocess.Popen) -> None:
    """Ends the grading: its process group (bwrap's --die-with-parent takes the sandbox down)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


# ---- Slurm ---------------------------------------------------------------------------------------


class SlurmOptions:
    def __init__(self, partition: str = "", gres: str = "gpu:1", time_limit: int = 30,
                 account: str = "", max_parallel: int = 0, cpus: int = 4,
                 extra: Optional[List[str]] = None) -> None:
        self.partition = partition
        self.gres = gres
        self.time_limit = time_limit
        self.account = account
        self.max_parallel = max_parallel
        self.cpus = cpus
        self.extra = extra or []


def sbatch_script(options: SlurmOptions, out: str, count: int, task_command: List[str],
                  primer: bool = False) -> str:
    """The batch script: a job array of `count` tasks (or the single job that fills the cache)
    running `task_command` with the task's index as its last argument."""
    lines = ["#!/bin/bash"]
    if primer:
        lines.append("# Written by ./course grade-class: grades the pristine tree once, with "
                     "ccache filling %s," % os.path.join(out, ".ccache"))
        lines.append("# so that the graders' objects are compiled once, not once per student.")
        lines.append("#SBATCH --job-name=course-grade-pristine")
        lines.append("#SBATCH --output=%s" % os.path.join(out, "logs", "pristine-%j.out"))
    else:
        lines.append("# Written by ./course grade-class: one array task per line of %s." %
                     os.path.join(out, "tasks.tsv"))
        lines.append("# Task i grades submission i in a sandbox with")
        lines.append("#   ./course grade --submission <submission> --result <work>/result.json "
                     "--work <work>/grade")
        lines.append("# and copies the result to %s/<name>/result.json." % out)
        lines.append("#SBATCH --job-name=course-grade")
        throttle = "%%%d" % options.max_parallel if options.max_parallel > 0 else ""
        lines.append("#SBATCH --array=0-%d%s" % (count - 1, throttle))
        lines.append("#SBATCH --output=%s" % os.path.join(out, "logs", "task-%a.out"))
    lines.append("#SBATCH --time=%d" % options.time_limit)
    lines.append("#SBATCH --cpus-per-task=%d" % options.cpus)
    if options.partition:
        lines.append("#SBATCH --partition=%s" % options.partition)
    if options.gres:
        lines.append("#SBATCH --gres=%s" % options.gres)
    if options.account:
        lines.append("#SBATCH --account=%s" % options.account)
    for option in options.extra:
        lines.append("#SBATCH %s" % option)
    lines.append("set -eu")
    index = "0" if primer else '"$SLURM_ARRAY_TASK_ID"'
    lines.append("exec %s %s" % (" ".join(shlex.quote(a) for a in task_command), index))
    return "\n".join(lines) + "\n"


TASK_ID = re.compile(r"^(?P<job>\d+)(?:_(?P<tasks>\d+|\[[^\]]*\]))?(?:\.\S+)?$")


def expand_tasks(text: str) -> List[int]:
    """'7' -> [7]; '[2-4,9%2]' -> [2, 3, 4, 9]."""
    text = text.strip("[]").split("%")[0]
    indices: List[int] = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            indices.extend(range(int(low), int(high) + 1))
        elif part:
            indices.append(int(part))
    return indices


def parse_states(text: str, job: str) -> Dict[int, Tuple[str, str]]:
    """Array task states from `squeue -h -r -t all -o '%i|%T|%r'` or from
    `sacct -n -P -X -o JobID,State,ExitCode`: {task index: (state, detail)}. Lines of other
    jobs and job steps (123_4.batch) are left out; 'CANCELLED by 0' is CANCELLED."""
    states: Dict[int, Tuple[str, str]] = {}
    for line in text.splitlines():
        fields = line.strip().split("|")
        if len(fields) < 2:
            continue
        match = TASK_ID.match(fields[0].strip())
        if not match or match.group("job") != job or "." in fields[0] or not match.group("tasks"):
            continue
        state = fields[1].split()[0].rstrip("+") if fields[1].strip() else "UNKNOWN"
        detail = fields[2].strip() if len(fields) > 2 else ""
        for index in expand_tasks(match.group("tasks")):
            states[index] = (state, detail)
    return states


def finished(state: str) -> bool:
    return state in FINISHED_STATES


def describe_end(state: str, detail: str, time_limit: int, log: str) -> str:
    """Why an array task that left no result ended, for its result's messages."""
    if state == "TIMEOUT":
        return "grading did not finish within the time limit (%d min): Slurm stopped it " \
               "(log: %s)" % (time_limit, log)
    if state == "NODE_FAIL":
        return "the node failed while grading (Slurm NODE_FAIL): grade this submission again"
    if state == "OUT_OF_MEMORY":
        return "grading ran out of memory (Slurm OUT_OF_MEMORY; log: %s)" % log
    if state == "CANCELLED":
        return "the grading task was cancelled (scancel) before it finished"
    if state in ("PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED"):
        return "the grading task ended early (Slurm %s): grade this submission again" % state
    if state == "FAILED":
        return "the grading task failed (Slurm FAILED%s) without a result (log: %s)" % (
            ", exit code " + detail if detail and ":" in detail else "", log)
    if state == "COMPLETED":
        return "the grading task ended without a result (log: %s)" % log
    return "the grading task left the queue without a result (its end is unknown: no Slurm " \
           "accounting; log: %s)" % log


def slurm(command: List[str]) -> Tuple[int, str]:
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, timeout=120)
    except subprocess.TimeoutExpired:
        return 124, "%s did not answer within 120 s" % command[0]
    return run.returncode, run.stdout


def submit(script: str, dependency: str = "") -> str:
    command = ["sbatch", "--parsable"]
    if dependency:
        command.append("--dependency=afterany:%s" % dependency)
    status, output = slurm(command + [script])
    job = output.strip().splitlines()[-1].split(";")[0] if output.strip() else ""
    if status != 0 or not job.isdigit():
        raise CourseError("sbatch refused %s:\n%s" % (script, course.tail_of(output, 10)))
    return job


def query_states(job: str) -> Tuple[Dict[int, Tuple[str, str]], Optional[bool]]:
    """(states of the job's tasks, whether Slurm still knows the job: None when squeue failed
    for another reason, e.g. the controller did not answer)."""
    status, output = slurm(["squeue", "-h", "-r", "-t", "all", "-j", job, "-o", "%i|%T|%r"])
    if status != 0:
        if "Invalid job id" in output:
            return {}, False  # purged from the controller's memory (MinJobAge): it ended
        return {}, None
    return parse_states(output, job), True


def accounting_states(job: str) -> Dict[int, Tuple[str, str]]:
    """Final states from sacct; empty when accounting is off ('Slurm accounting storage is
    disabled')."""
    if not shutil.which("sacct"):
        return {}
    status, output = slurm(["sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode"])
    return parse_states(output, job) if status == 0 else {}


def single_state(job: str) -> str:
    status, output = slurm(["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"])
    if status == 0 and output.strip():
        return output.split()[0]
    return ""


class Progress:
    """A line that rewrites itself on a terminal; elsewhere printed when it changes (and every
    five minutes, to show that it is alive)."""

    def __init__(self) -> None:
        self.last = ""
        self.last_time = 0.0
        self.shown = False

    def show(self, text: str, clock: str) -> None:
        if STYLE.tty:
            sys.stdout.write("\r\033[K%s (%s)" % (text, clock))
            sys.stdout.flush()
            self.shown = True
        elif text != self.last or time.time() - self.last_time > 300:
            say("%s (%s)" % (text, clock))
            self.last = text
            self.last_time = time.time()

    def end(self) -> None:
        if self.shown:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self.shown = False


def summarise(states: Dict[int, Tuple[str, str]], count: int) -> Tuple[str, bool]:
    """('3 waiting, 2 running, 5 ended of 10', whether every task ended)."""
    ended = sum(1 for i in range(count) if i in states and finished(states[i][0]))
    running = sum(1 for i in range(count) if i in states and states[i][0] in RUNNING_STATES)
    waiting = count - ended - running
    return "%d waiting, %d running, %d ended of %d" % (waiting, running, ended, count), \
        ended == count


def wait_for(array: str, primer: str, count: int, poll: float) -> Dict[int, Tuple[str, str]]:
    """Follows the job array until every task has ended; returns their last states (sacct's
    where accounting is on)."""
    progress = Progress()
    started = time.time()
    states: Dict[int, Tuple[str, str]] = {}
    while True:
        current, known = query_states(array)
        states.update(current)
        text, done = summarise(states, count)
        if known is False:
            text, done = "the job left the queue", True
        elif known is None:
            text += "; squeue did not answer, trying again"
        if primer and not done:
            primer_state = single_state(primer)
            if primer_state and not finished(primer_state):
                text = "pristine build %s (job %s); %s" % (primer_state.lower(), primer, text)
        elapsed = int(time.time() - started)
        progress.show("course: job %s: %s" % (array, text),
                      "%d:%02d" % (elapsed // 60, elapsed % 60))
        if done:
            break
        time.sleep(poll)
    progress.end()
    states.update(accounting_states(array))
    return states


# ---- commands ------------------------------------------------------------------------------------


def task_command(arguments: argparse.Namespace, out: str, primer: bool) -> List[str]:
    command = [os.path.join(course.ROOT, "course"), "grade-task", "--out", out,
               "--time-limit", str(arguments.time_limit)]
    if arguments.timeout:
        command += ["--timeout", str(arguments.timeout)]
    if arguments.what:
        command += ["--what"] + arguments.what
    if arguments.work_root:
        command += ["--work-root", arguments.work_root]
    if arguments.no_sandbox:
        command.append("--no-sandbox")
    if arguments.no_cache:
        command.append("--no-cache")
    if arguments.keep_work:
        command.append("--keep-work")
    if arguments.grader_user != GRADER_USER:
        command += ["--grader-user", arguments.grader_user]
    if primer:
        command.append("--pristine")
    return command + ["--index"]


def make_sandbox(arguments: argparse.Namespace) -> Optional[Sandbox]:
    if arguments.no_sandbox:
        say("%scourse: --no-sandbox: students' code runs with your rights and can write "
            "wherever you can%s" % (STYLE.yellow, STYLE.reset))
        return None
    sandbox = Sandbox(arguments.grader_user)
    sandbox.prepare()
    return sandbox


def check_sandbox(sandbox: Optional[Sandbox], work_root: str) -> None:
    if sandbox is None:
        return
    os.makedirs(work_root, exist_ok=True)
    probe = tempfile.mkdtemp(prefix="course-sandbox-check-", dir=work_root)
    try:
        sandbox.check(probe)
    finally:
        remove_tree(probe)


def gradebook(out: str, names: List[str]) -> int:
    results = [os.path.join(out, name, "result.json") for name in names]
    results = [path for path in results if os.path.exists(path)]
    target = os.path.join(out, "gradebook.csv")
    if not results:
        say("course: no results, no gradebook")
        return 1
    status = subprocess.run([os.path.join(course.ROOT, "course"), "gradebook"] + results +
                            ["-o", target]).returncode
    if status != 0:
        say("%scourse: ./course gradebook failed (exit %d)%s" % (STYLE.red, status, STYLE.reset))
    return status


def print_summary(out: str, submissions: List[Submission]) -> int:
    """One line per submission; returns how many did not finish grading."""
    unfinished = 0
    width = max([len(s.name) for s in submissions] + [10])
    for submission in submissions:
        result, why = read_result(os.path.join(out, submission.name, "result.json"))
        if result is None:
            unfinished += 1
            say("  %-*s %sno result%s: %s" % (width, submission.name, STYLE.red, STYLE.reset, why))
            continue
        unfinished += 1 if result.get("unfinished") else 0
        colour = STYLE.red if result.get("unfinished") else ""
        statuses = ", ".join("%s %s" % (e.get("id", "?"), e.get("status", "?"))
                             for e in result["exercises"] if isinstance(e, dict))
        say("  %-*s %s%-12s%s  %s" % (width, submission.name, colour, points_of(result),
                                    STYLE.reset if colour else "",
                                    result.get("error") or statuses))
    return unfinished


def still_to_grade(out: str, submission: Submission) -> bool:
    result, _ = read_result(os.path.join(out, submission.name, "result.json"))
    return result is None or bool(result.get("unfinished"))


def command_grade_class(arguments: argparse.Namespace) -> int:
    selected_exercises(arguments.what)  # unknown chapters or exercises: an error now, not later
    out = os.path.abspath(arguments.out or os.path.join(
        os.getcwd(), "grades-" + submission_name(os.path.abspath(arguments.submissions))))
    submissions, skipped = find_submissions(arguments.submissions, out)
    for entry in skipped:
        say("course: skipped %s" % entry)
    if not submissions:
        raise CourseError("no submissions (directories or archives) in %s" % arguments.submissions)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    if arguments.only_missing:
        before = len(submissions)
        submissions = [s for s in submissions if still_to_grade(out, s)]
        say("course: %d of %d submissions still to grade" % (len(submissions), before))
    everyone = find_submissions(arguments.submissions, out)[0]
    use_slurm = arguments.slurm or (not arguments.local and bool(shutil.which("sbatch")))
    if arguments.slurm and not shutil.which("sbatch"):
        raise CourseError("--slurm: sbatch is not on PATH (is this a Slurm login node?)")
    if arguments.gres.lower() in ("", "none", "no"):
        arguments.gres = ""
    if not submissions:
        return gradebook(out, [s.name for s in everyone])
    cache = ""
    if not arguments.no_cache:
        if shutil.which("ccache"):
            cache = os.path.join(out, ".ccache")
            os.makedirs(cache, exist_ok=True)
        else:
            say("course: ccache not found: every submission compiles the graders too "
                "(install ccache to compile them once)")
            arguments.no_cache = True
    say("course: grading %d submission%s from %s %s; results in %s" % (
        len(submissions), "" if len(submissions) == 1 else "s", arguments.submissions,
        "on Slurm" if use_slurm else "here, one after another", out))
    for submission in submissions:  # an earlier run's result must not stand in for this one's
        stale = os.path.join(out, submission.name, "result.json")
        if os.path.exists(stale):
            os.remove(stale)
    if use_slurm:
        status = grade_on_slurm(arguments, out, submissions, cache)
    else:
        status = grade_here(arguments, out, submissions, cache)
    say("")
    unfinished = print_summary(out, submissions)
    book = gradebook(out, [s.name for s in everyone])
    if status:
        return status
    if unfinished:
        say("course: %d submission%s did not finish grading; `--only-missing` grades them again" %
            (unfinished, "" if unfinished == 1 else "s"))
        return 1
    return 0 if book == 0 else 1


def grade_here(arguments: argparse.Namespace, out: str, submissions: List[Submission],
               cache: str) -> int:
    sandbox = make_sandbox(arguments)
    work_root = arguments.work_root or tempfile.gettempdir()
    check_sandbox(sandbox, work_root)
    grading = Grading(arguments.what, arguments.timeout, sandbox, work_root, cache,
                      arguments.keep_work)
    limit = arguments.time_limit * 60.0
    try:
        if cache:
            say("course: [pristine] building the graders once for the cache ...")
            started = time.time()
            grade_one(grading, PRISTINE, course.ROOT, os.path.join(out, PRISTINE, "result.json"),
                      os.path.join(out, PRISTINE, "grade.log"), limit, True)
            report_pristine(out, "%.0f s" % (time.time() - started))
        for number, submission in enumerate(submissions, start=1):
            started = time.time()
            directory = os.path.join(out, submission.name)
            result, done = grade_one(grading, submission.name, submission.path,
                                     os.path.join(directory, "result.json"),
                                     os.path.join(directory, "grade.log"), limit)
            say("course: [%d/%d] %s: %s%s (%.0f s)" % (
                number, len(submissions), submission.name, points_of(result),
                "" if done else " -- " + result.get("error", ""), time.time() - started))
    except KeyboardInterrupt:
        say("\ncourse: interrupted")
        for submission in submissions:
            path = os.path.join(out, submission.name, "result.json")
            if read_result(path)[0] is None:
                write_json(path, unfinished_result(
                    submission.name, submission.path, arguments.what,
                    "grading was interrupted (Ctrl-C) before this submission was graded"))
        return 130
    return 0


def report_pristine(out: str, how_long: str = "") -> None:
    """What the pristine course (the untouched skeletons) got: it fills the cache, and it must
    earn nothing."""
    result, why = read_result(os.path.join(out, PRISTINE, "result.json"))
    if result is None or result.get("unfinished"):
        say("%scourse: the pristine build did not finish (%s; see %s): every submission "
            "compiles the graders itself%s" % (
                STYLE.yellow, result.get("error") if result else why,
                os.path.join(out, PRISTINE, "grade.log"), STYLE.reset))
        return
    say("course: [pristine] the untouched skeletons: %s%s" % (
        points_of(result), " in " + how_long if how_long else ""))
    earned = course_classroom.totals(result.get("exercises", []))
    if earned["points"] or earned["optional_points"]:
        say("%scourse: the untouched skeletons earn points: a grader that does not bite?%s" % (
            STYLE.yellow, STYLE.reset))


def grade_on_slurm(arguments: argparse.Namespace, out: str, submissions: List[Submission],
                   cache: str) -> int:
    options = SlurmOptions(arguments.partition, arguments.gres, arguments.time_limit,
                           arguments.account, arguments.max_parallel, arguments.cpus_per_task,
                           arguments.sbatch_option)
    write_tasks(os.path.join(out, "tasks.tsv"), submissions)
    script = os.path.join(out, "grade-class.sbatch")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(sbatch_script(options, out, len(submissions),
                                   task_command(arguments, out, False)))
    primer = ""
    if cache:
        primer_script = os.path.join(out, "grade-class-pristine.sbatch")
        primer_options = SlurmOptions(**dict(vars(options), max_parallel=0))
        with open(primer_script, "w", encoding="utf-8") as handle:
            handle.write(sbatch_script(primer_options, out, 1, task_command(arguments, out, True),
                                       primer=True))
        primer = submit(primer_script)
        say("course: submitted %s: job %s (the pristine build that fills the cache)" % (
            primer_script, primer))
    array = submit(script, primer)
    say("course: submitted %s: job array %s, %d task%s%s; Ctrl-C cancels it" % (
        script, array, len(submissions), "" if len(submissions) == 1 else "s",
        " after job %s" % primer if primer else ""))
    try:
        states = wait_for(array, primer, len(submissions), arguments.poll)
    except KeyboardInterrupt:
        say("\ncourse: interrupted: cancelling job %s%s" % (array, " and " + primer if primer
                                                             else ""))
        slurm(["scancel", array] + ([primer] if primer else []))
        states = {}
        for _ in range(10):  # the tasks that were running still end and may write a result
            current, known = query_states(array)
            states.update(current)
            if known is False or (known and all(finished(s[0]) for s in states.values())):
                break
            time.sleep(1)
        gather(arguments, out, submissions, states, array)
        return 130
    gather(arguments, out, submissions, states, array)
    if primer:
        report_pristine(out)
    return 0


def gather(arguments: argparse.Namespace, out: str, submissions: List[Submission],
           states: Dict[int, Tuple[str, str]], array: str) -> None:
    """Writes a result for every task that left none, saying how it ended."""
    for index, submission in enumerate(submissions):
        path = os.path.join(out, submission.name, "result.json")
        if read_result(path)[0] is not None:
            continue
        state, detail = states.get(index, ("UNKNOWN", ""))
        if state not in FINISHED_STATES and state != "UNKNOWN":
            state = "CANCELLED"  # still queued when grade-class stopped following it
        log = os.path.join(out, "logs", "task-%d.out" % index)
        message = describe_end(state, detail, arguments.time_limit, log)
        write_json(path, unfinished_result(submission.name, submission.path, arguments.what,
                                           message))


def command_grade_task(arguments: argparse.Namespace) -> int:
    """One array task (or the pristine build): what grade-class's batch script runs."""
    out = arguments.out
    cache = "" if arguments.no_cache else os.path.join(out, ".ccache")
    sandbox = None if arguments.no_sandbox else Sandbox(arguments.grader_user)
    if sandbox:
        sandbox.prepare()
    work_root = arguments.work_root or os.environ.get("TMPDIR") or "/tmp"
    grading = Grading(arguments.what, arguments.timeout, sandbox, work_root, cache,
                      arguments.keep_work)
    # Stop before Slurm does, to say so in the result; Slurm's limit stays the backstop.
    limit = arguments.time_limit * 60.0
    limit -= max(10.0, min(120.0, 0.1 * limit))

    def terminated(number, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, terminated)  # scancel, or the time limit: clean up first
    try:
        if arguments.pristine:
            name, source = PRISTINE, course.ROOT
        else:
            submission = read_tasks(os.path.join(out, "tasks.tsv"))[arguments.index]
            name, source = submission.name, submission.path
        say("course: task %s on %s: %s" % (arguments.index, os.uname().nodename, name))
        check_sandbox(sandbox, work_root)
        result, done = grade_one(grading, name, source, os.path.join(out, name, "result.json"),
                                 os.path.join(out, name, "grade.log"), limit, arguments.pristine)
    except KeyboardInterrupt:
        say("course: stopped by a signal (scancel or the time limit)")
        return 143
    say("course: %s: %s%s" % (name, points_of(result),
                              "" if done else " -- " + result.get("error", "")))
    return 0


def command_grade_sandboxed(arguments: argparse.Namespace) -> int:
    """One submission in the sandbox: ./course grade --submission inside, the result outside."""
    selected_exercises(arguments.what)
    source = arguments.submission
    if not re.match(r"^[a-z]+://|^git@", source):
        source = os.path.abspath(source)
        if not os.path.exists(source):
            raise CourseError("no submission at %s" % source)
    sandbox = make_sandbox(arguments)
    work_root = arguments.work_root or tempfile.gettempdir()
    check_sandbox(sandbox, work_root)
    cache = ""
    if arguments.cache:
        cache = os.path.abspath(arguments.cache)
        if arguments.fill_cache:
            os.makedirs(cache, exist_ok=True)
        if not os.path.isdir(cache):
            raise CourseError("--cache %s: no such directory" % cache)
        if not shutil.which("ccache"):
            say("course: ccache not found: --cache is not used")
    elif arguments.fill_cache:
        raise CourseError("--fill-cache needs --cache DIR")
    if arguments.fill_cache and os.path.realpath(source) != os.path.realpath(course.ROOT):
        raise CourseError("--fill-cache grades only this course's own tree (%s): a cache that a "
                          "student's build wrote could hand the next student its objects" %
                          course.ROOT)
    grading = Grading(arguments.what, arguments.timeout, sandbox, work_root, cache,
                      arguments.keep_work)
    result_path = os.path.abspath(arguments.result)
    log = arguments.log or os.path.splitext(result_path)[0] + ".log"
    name = submission_name(source, arguments.name)
    result, done = grade_one(grading, name, source, result_path, os.path.abspath(log),
                             arguments.time_limit * 60.0 if arguments.time_limit else None,
                             arguments.fill_cache)
    with open(log, encoding="utf-8", errors="replace") as handle:
        sys.stdout.write(handle.read())
    say("course: %s: %s; result: %s" % (name, points_of(result), result_path))
    return 0 if done else 1


def account_name(text: str) -> str:
    """An argparse type: a user name useradd and setpriv accept."""
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", text):
        raise argparse.ArgumentTypeError(
            "'%s' is not allowed: an account name (lower-case letters, digits, '_' and '-', "
            "starting with a letter or '_', at most 32)" % text)
    return text


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=course.number_argument(1, 86400, "seconds"),
                        metavar="SECONDS",
                        help="passed on to ./course grade: the limit of each grader's run")
    parser.add_argument("--work-root", metavar="DIR",
                        help="where each submission's work directory is made (default: $TMPDIR "
                             "or /tmp, on the node that grades it)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run students' code with your own rights (only on a disposable "
                             "machine)")
    parser.add_argument("--grader-user", default=GRADER_USER, metavar="NAME",
                        type=account_name,
                        help="as root: the unprivileged account that runs the grading "
                             "(default %(default)s, created when missing)")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep each work directory (to look at a build)")


def register(subparsers, grade_parser) -> Dict:
    del grade_parser
    klass = subparsers.add_parser(
        "grade-class", help="grade a whole class: a Slurm job array, or here one by one",
        description="Grades every submission (directory or archive) in SUBMISSIONS_DIR with "
                    "./course grade --submission, each in a sandbox, on Slurm (a job array, "
                    "one task per submission) when sbatch is found, otherwise here one after "
                    "another; then writes OUT/gradebook.csv. docs/classroom.md explains it.")
    klass.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    klass.add_argument("--out", metavar="DIR",
                       help="results: DIR/<name>/result.json, DIR/gradebook.csv (default: "
                            "./grades-<SUBMISSIONS_DIR's name>)")
    where = klass.add_mutually_exclusive_group()
    where.add_argument("--slurm", action="store_true", help="submit to Slurm (default when "
                                                            "sbatch is on PATH)")
    where.add_argument("--local", action="store_true", help="grade here, one after another")
    klass.add_argument("--partition", default="", type=course.one_line_argument,
                       help="Slurm partition (default: the cluster's default)")
    klass.add_argument("--gres", default="gpu:1", type=course.one_line_argument,
                       help="generic resources per task (default %(default)s; 'none' for a "
                            "CPU partition)")
    klass.add_argument("--time-limit", type=course.number_argument(1, 525600, "minutes"),
                       default=30, metavar="MIN",
                       help="per submission, minutes (default %(default)s)")
    klass.add_argument("--account", default="", type=course.one_line_argument,
                       help="Slurm account to charge")
    klass.add_argument("--max-parallel", type=course.number_argument(0), default=0, metavar="N",
                       help="at most N tasks at once (the array's %%N throttle)")
    klass.add_argument("--cpus-per-task", type=course.number_argument(1, 4096), default=4,
                       metavar="N",
                       help="CPU cores per task, for its build (default %(default)s)")
    klass.add_argument("--what", nargs="+", default=[], metavar="CHAPTER|EXERCISE",
                       help="chapters (1) or exercises (2.3) to grade; all when left out")
    klass.add_argument("--sbatch-option", action="append", default=[], metavar="OPTION",
                       type=course.one_line_argument,
                       help="one more sbatch option, e.g. --sbatch-option=--mem=16G "
                            "(repeatable)")
    klass.add_argument("--no-cache", action="store_true",
                       help="no shared ccache: every submission compiles everything")
    klass.add_argument("--only-missing", action="store_true",
                       help="grade only submissions without a finished result in --out")
    klass.add_argument("--poll", type=course.number_argument(0.1, 3600, "seconds", float),
                       default=10.0, metavar="SECONDS",
                       help=argparse.SUPPRESS)
    add_common(klass)

    task = subparsers.add_parser("grade-task")  # no help=: hidden; grade-class's batch script
    task.add_argument("--out", required=True)
    task.add_argument("--index", type=course.number_argument(0), required=True)
    task.add_argument("--time-limit", type=course.number_argument(1, 525600, "minutes"),
                      default=30)
    task.add_argument("--what", nargs="+", default=[])
    task.add_argument("--pristine", action="store_true")
    task.add_argument("--no-cache", action="store_true")
    add_common(task)

    one = subparsers.add_parser(
        "grade-sandboxed", help="grade one submission in the sandbox (for CI runners)",
        description="Runs ./course grade --submission SUBMISSION in the sandbox that "
                    "grade-class uses and writes its result to --result.")
    one.add_argument("submission", metavar="SUBMISSION", help="a directory or an archive")
    one.add_argument("--what", nargs="+", default=[], metavar="CHAPTER|EXERCISE",
                     help="chapters (1) or exercises (2.3) to grade; all when left out")
    one.add_argument("--result", required=True, metavar="FILE")
    one.add_argument("--log", metavar="FILE", help="the grading's output (default: FILE.log)")
    one.add_argument("--name", help="the submission's name in the result")
    one.add_argument("--time-limit", type=course.number_argument(0, 525600, "minutes"),
                     default=0, metavar="MIN",
                     help="stop the grading after MIN minutes (default: none)")
    one.add_argument("--cache", metavar="DIR",
                     help="a ccache directory, used read-only (docs/classroom.md)")
    one.add_argument("--fill-cache", action="store_true",
                     help="write to the --cache directory: only to grade the pristine course "
                          "itself (SUBMISSION = this course's directory), never a student's work")
    add_common(one)
    return {"grade-class": command_grade_class, "grade-task": command_grade_task,
            "grade-sandboxed": command_grade_sandboxed}
