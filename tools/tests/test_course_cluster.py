"""Unit tests of ./course grade-class (tools/course_cluster.py) and ./course classroom-report
(tools/course_autograding.py): the batch script, Slurm's state output, the results of tasks that
died, the reporter's format, and grading one submission here with a stand-in ./course (no build,
no Slurm, no bubblewrap needed). The real thing runs in tools/tests/slurm_e2e.sh.
python3 -m unittest discover -s tools/tests"""

import argparse
import base64
import io
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
import time
import unittest
from contextlib import redirect_stdout
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402
import course_autograding  # noqa: E402
import course_cluster  # noqa: E402
from fixtures import write  # noqa: E402


DECLARATION = """\
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
    points: 20

    exercise: 7.3
    title: Third, optional
    file: third.cu
    graders: grade_third.cpp
    tests: correctness
    optional: yes
    points: 5
"""


class FakeCourse:
    """A course tree in a scratch directory whose ./course is a stand-in: `grade` does what the
    submission's file 'behaviour' says (write a result, hang, write nothing, plant a link)."""

    STAND_IN = """\
        #!/usr/bin/env python3
        import json, os, sys, time
        args = sys.argv[1:]
        assert args[0] == "grade", args
        source = args[args.index("--submission") + 1]
        result = args[args.index("--result") + 1]
        work = args[args.index("--work") + 1]
        what = [a for a in args[args.index("--work") + 2:] if not a.startswith("--")]
        behaviour = open(os.path.join(source, "behaviour")).read().strip()
        print("stand-in grading", source, "->", result, "what", what, flush=True)
        if behaviour == "hang":
            time.sleep(60)
        if behaviour == "nothing":
            sys.exit(1)
        if behaviour == "link":
            os.symlink(os.environ["COURSE_TEST_SECRET"], result)
            sys.exit(0)
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "grade.log"), "w") as log:
            log.write("the build's log\\n")
        exercises = [{"id": "7.1", "title": "First", "status": "passed", "points": 10,
                      "max_points": 10, "optional": False, "message": "", "figures": ["1 TB/s"]},
                     {"id": "7.2", "title": "Second", "status": "failed", "points": 0,
                      "max_points": 20, "optional": False, "message": "wrong sums",
                      "figures": []}]
        with open(result, "w") as handle:
            json.dump({"schema": "course-result/1", "submission": "forged", "source": "forged",
                       "graded_at": "now", "gpu": None, "exercises": exercises, "points": 10,
                       "max_points": 30, "log": os.path.join(work, "grade.log")}, handle)
    """

    def __init__(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.root = self.scratch.name
        write(self.root, "tests/chapter7/exercises.txt", DECLARATION)
        write(self.root, "course", self.STAND_IN, 0o755)
        self.patch = mock.patch.object(course, "ROOT", self.root)
        self.patch.start()

    def submission(self, name, behaviour):
        return os.path.dirname(write(self.root, "submissions/%s/behaviour" % name, behaviour))

    def close(self):
        self.patch.stop()
        self.scratch.cleanup()


class SubmissionsTest(unittest.TestCase):
    def test_names(self):
        self.assertEqual(course_cluster.submission_name("/x/Alice Smith.tar.gz"), "Alice_Smith")
        self.assertEqual(course_cluster.submission_name("/x/bob/"), "bob")
        self.assertEqual(course_cluster.submission_name("/x/carol.zip"), "carol")
        self.assertEqual(course_cluster.submission_name("/x/.hidden"), "hidden")

    def test_directories_and_archives_in_name_order(self):
        with tempfile.TemporaryDirectory() as directory:
            for name in ("bob", "alice"):
                os.makedirs(os.path.join(directory, name))
            write(directory, "carol.tar.gz", "x")
            write(directory, "notes.txt", "x")
            write(directory, ".hidden/x", "x")
            found, skipped = course_cluster.find_submissions(directory)
            self.assertEqual([s.name for s in found], ["alice", "bob", "carol"])
            self.assertEqual(found[2].path, os.path.join(directory, "carol.tar.gz"))
            self.assertEqual(len(skipped), 1)
            self.assertIn("notes.txt", skipped[0])

    def test_the_results_directory_is_not_a_submission(self):
        with tempfile.TemporaryDirectory() as directory:
            for name in ("alice", "grades"):
                os.makedirs(os.path.join(directory, name))
            found, _ = course_cluster.find_submissions(directory,
                                                       os.path.join(directory, "grades"))
            self.assertEqual([s.name for s in found], ["alice"])

    def test_two_entries_with_one_name_is_an_error(self):
        with tempfile.TemporaryDirectory() as directory:
            os.makedirs(os.path.join(directory, "alice"))
            write(directory, "alice.zip", "x")
            with self.assertRaises(course.CourseError) as caught:
                course_cluster.find_submissions(directory)
            self.assertIn("'alice'", str(caught.exception))

    def test_tasks_file_round_trip(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "tasks.tsv")
            submissions = [course_cluster.Submission("a", "/s/a b"),
                           course_cluster.Submission("c", "/s/c.zip")]
            course_cluster.write_tasks(path, submissions)
            again = course_cluster.read_tasks(path)
            self.assertEqual([(s.name, s.path) for s in again], [("a", "/s/a b"),
                                                                 ("c", "/s/c.zip")])


class SbatchScriptTest(unittest.TestCase):
    COMMAND = ["/opt/my course/course", "grade-task", "--out", "/srv/out", "--index"]

    def test_job_array(self):
        options = course_cluster.SlurmOptions(partition="gpu", gres="gpu:1", time_limit=20,
                                              account="cuda101", max_parallel=8, cpus=4,
                                              extra=["--mem=16G", "--qos=short"])
        script = course_cluster.sbatch_script(options, "/srv/out", 200, self.COMMAND)
        lines = script.splitlines()
        self.assertEqual(lines[0], "#!/bin/bash")
        for line in ("#SBATCH --array=0-199%8", "#SBATCH --time=20", "#SBATCH --partition=gpu",
                     "#SBATCH --gres=gpu:1", "#SBATCH --account=cuda101",
                     "#SBATCH --cpus-per-task=4", "#SBATCH --mem=16G", "#SBATCH --qos=short",
                     "#SBATCH --output=/srv/out/logs/task-%a.out"):
            self.assertIn(line, lines)
        # Every #SBATCH line before the first command: sbatch stops reading them there.
        first_command = next(i for i, line in enumerate(lines)
                             if line and not line.startswith("#"))
        self.assertFalse(any(line.startswith("#SBATCH") for line in lines[first_command:]))
        last = lines[-1]
        self.assertTrue(last.startswith("exec "))
        self.assertEqual(shlex.split(last)[1:], self.COMMAND + ["$SLURM_ARRAY_TASK_ID"])
        self.assertIn("'/opt/my course/course'", last)
        self.assertIn("./course grade --submission", script)

    def test_cpu_partition_without_gres_or_throttle(self):
        options = course_cluster.SlurmOptions(gres="", max_parallel=0)
        script = course_cluster.sbatch_script(options, "/o", 4, self.COMMAND)
        self.assertIn("#SBATCH --array=0-3\n", script)
        self.assertNotIn("--gres", script)
        self.assertNotIn("--partition", script)
        self.assertNotIn("--account", script)

    def test_pristine_job_is_one_task(self):
        options = course_cluster.SlurmOptions(max_parallel=5)
        script = course_cluster.sbatch_script(options, "/o", 1, self.COMMAND, primer=True)
        self.assertNotIn("--array", script)
        self.assertIn("course-grade-pristine", script)
        self.assertTrue(script.rstrip().endswith("--index 0"))

    def test_task_command_carries_the_options(self):
        arguments = argparse.Namespace(time_limit=15, timeout=20, what=["1.1", "2"],
                                       work_root="/scratch", no_sandbox=False, no_cache=True,
                                       keep_work=False, grader_user="grader")
        command = course_cluster.task_command(arguments, "/srv/out", primer=False)
        text = " ".join(command)
        for part in ("grade-task --out /srv/out", "--time-limit 15", "--timeout 20",
                     "--what 1.1 2", "--work-root /scratch", "--no-cache", "--grader-user grader"):
            self.assertIn(part, text)
        self.assertEqual(command[-1], "--index")
        self.assertNotIn("--pristine", command)
        self.assertIn("--pristine", course_cluster.task_command(arguments, "/o", primer=True))


SQUEUE = """\
4242_3|RUNNING|None
4242_0|COMPLETED|None
4242_1|TIMEOUT|TimeLimit
4242_2|FAILED|NonZeroExitCode
4242_[4-6,9%2]|PENDING|JobArrayTaskLimit
4243_0|RUNNING|None
"""

SACCT = """\
4242_0|COMPLETED|0:0
4242_0.batch|COMPLETED|0:0
4242_1|TIMEOUT|0:0
4242_2|FAILED|2:0
4242_3|CANCELLED by 1000|0:15
4242_4|NODE_FAIL|0:0
4242_5|OUT_OF_MEMORY|0:125
4242_[6-9]|PENDING|0:0
4242|COMPLETED|0:0
"""


class SlurmStatesTest(unittest.TestCase):
    def test_expand(self):
        self.assertEqual(course_cluster.expand_tasks("7"), [7])
        self.assertEqual(course_cluster.expand_tasks("[2-4,9%2]"), [2, 3, 4, 9])

    def test_squeue(self):
        states = course_cluster.parse_states(SQUEUE, "4242")
        self.assertEqual(states[3], ("RUNNING", "None"))
        self.assertEqual(states[1], ("TIMEOUT", "TimeLimit"))
        self.assertEqual(states[9], ("PENDING", "JobArrayTaskLimit"))
        self.assertEqual(sorted(states), [0, 1, 2, 3, 4, 5, 6, 9])  # job 4243 left out

    def test_sacct(self):
        states = course_cluster.parse_states(SACCT, "4242")
        self.assertEqual({i: s for i, (s, _) in states.items()},
                         {0: "COMPLETED", 1: "TIMEOUT", 2: "FAILED", 3: "CANCELLED",
                          4: "NODE_FAIL", 5: "OUT_OF_MEMORY", 6: "PENDING", 7: "PENDING",
                          8: "PENDING", 9: "PENDING"})
        self.assertEqual(states[2][1], "2:0")

    def test_summary(self):
        states = course_cluster.parse_states(SQUEUE, "4242")
        text, done = course_cluster.summarise(states, 10)
        self.assertEqual(text, "6 waiting, 1 running, 3 ended of 10")
        self.assertFalse(done)
        ended = {i: ("COMPLETED", "") for i in range(4)}
        self.assertEqual(course_cluster.summarise(ended, 4), ("0 waiting, 0 running, 4 ended "
                                                              "of 4", True))

    def test_squeue_answers(self):
        calls = []

        def fake(command):
            calls.append(command)
            return answers.pop(0)
        with mock.patch.object(course_cluster, "slurm", fake):
            answers = [(0, SQUEUE)]
            states, known = course_cluster.query_states("4242")
            self.assertTrue(known)
            self.assertIn("-r", calls[0])
            answers = [(1, "slurm_load_jobs error: Invalid job id specified")]
            self.assertEqual(course_cluster.query_states("4242"), ({}, False))
            answers = [(1, "slurm_load_jobs error: Unable to contact slurm controller")]
            self.assertEqual(course_cluster.query_states("4242"), ({}, None))

    def test_why_a_task_ended(self):
        describe = course_cluster.describe_end
        self.assertIn("time limit (30 min)", describe("TIMEOUT", "", 30, "log"))
        self.assertIn("node failed", describe("NODE_FAIL", "", 30, "log"))
        self.assertIn("out of memory", describe("OUT_OF_MEMORY", "", 30, "log"))
        self.assertIn("cancelled", describe("CANCELLED", "", 30, "log"))
        self.assertIn("exit code 2:0", describe("FAILED", "2:0", 30, "log"))
        self.assertIn("without a result", describe("COMPLETED", "", 30, "log"))
        self.assertIn("no Slurm accounting", describe("UNKNOWN", "", 30, "log"))


class ResultsTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeCourse()

    def tearDown(self):
        self.fake.close()

    def test_unfinished_result_is_not_graded_with_zero_points(self):
        result = course_cluster.unfinished_result("alice", "/s/alice", ["7"], "node failed")
        self.assertEqual(result["schema"], "course-result/1")
        self.assertEqual([e["id"] for e in result["exercises"]], ["7.1", "7.2", "7.3"])
        self.assertTrue(all(e["status"] == "not graded" and e["points"] == 0 and
                            e["message"] == "node failed" for e in result["exercises"]))
        self.assertEqual((result["points"], result["max_points"]), (0, 30))  # 7.3 is optional
        self.assertEqual((result["optional_points"], result["optional_max_points"]), (0, 5))
        self.assertEqual(result["error"], "node failed")
        self.assertTrue(result["unfinished"])

    def test_gather_writes_a_result_for_every_task_without_one(self):
        out = os.path.join(self.fake.root, "out")
        submissions = [course_cluster.Submission(n, "/s/" + n) for n in ("a", "b", "c", "d")]
        finished = course_cluster.unfinished_result("a", "/s/a", ["7.1"], "")
        del finished["unfinished"], finished["error"]
        course_cluster.write_json(os.path.join(out, "a", "result.json"), finished)
        arguments = argparse.Namespace(time_limit=30, what=["7.1"])
        states = {0: ("COMPLETED", ""), 1: ("TIMEOUT", ""), 2: ("RUNNING", "")}
        course_cluster.gather(arguments, out, submissions, states, "4242")
        messages = {}
        for submission in submissions:
            result, why = course_cluster.read_result(os.path.join(out, submission.name,
                                                                  "result.json"))
            self.assertIsNotNone(result, why)
            messages[submission.name] = result.get("error", "")
        self.assertEqual(messages["a"], "")  # its own result is kept
        self.assertIn("time limit", messages["b"])
        self.assertIn("cancelled", messages["c"])  # still running when grade-class stopped
        self.assertIn("no Slurm accounting", messages["d"])
        self.assertIn("task-3.out", messages["d"])

    def test_read_inside_refuses_links(self):
        work = os.path.join(self.fake.root, "work")
        os.makedirs(os.path.join(work, "grade"))
        write(work, "result.json", '{"schema": "course-result/1", "exercises": []}')
        data, why = course_cluster.read_inside(work, "result.json")
        self.assertEqual(course_cluster.parse_result(data)[0]["exercises"], [])
        secret = write(self.fake.root, "secret.json", '{"schema": "course-result/1"}')
        os.remove(os.path.join(work, "result.json"))
        os.symlink(secret, os.path.join(work, "result.json"))
        data, why = course_cluster.read_inside(work, "result.json")
        self.assertIsNone(data)
        os.symlink(self.fake.root, os.path.join(work, "up"))
        data, why = course_cluster.read_inside(work, "up/secret.json")
        self.assertIsNone(data)
        self.assertIn("not a file of the work directory", why)
        self.assertIsNone(course_cluster.read_inside(work, "../secret.json")[0])
        write(work, "big", "x" * 100)
        self.assertIn("larger", course_cluster.read_inside(work, "big", limit=10)[1])

    def test_points_never_past_the_maximum(self):
        result = {"exercises": [
            {"id": "1.1", "points": 10, "max_points": 10, "optional": False},
            {"id": "1.2", "points": 50, "max_points": 20, "optional": False},  # edited
            {"id": "1.5", "points": 35, "max_points": 35, "optional": True}],
            "points": 460, "max_points": 425}
        self.assertEqual(course_cluster.points_of(result), "30/30 points, optional 35/35")

    def test_parse_result(self):
        self.assertIsNone(course_cluster.parse_result(b"not json")[0])
        self.assertIsNone(course_cluster.parse_result(b'{"schema": "other/1"}')[0])
        self.assertIsNone(course_cluster.parse_result(b'[1, 2]')[0])


class GradeOneTest(unittest.TestCase):
    """grade_one without the sandbox, with the stand-in ./course."""

    def setUp(self):
        self.fake = FakeCourse()
        self.out = os.path.join(self.fake.root, "out")
        self.grading = course_cluster.Grading(["7.1", "7.2"], 20, None,
                                              os.path.join(self.fake.root, "work"))

    def tearDown(self):
        self.fake.close()

    def grade(self, name, behaviour, limit=30.0):
        source = self.fake.submission(name, behaviour)
        with redirect_stdout(io.StringIO()):
            return course_cluster.grade_one(
                self.grading, name, source, os.path.join(self.out, name, "result.json"),
                os.path.join(self.out, name, "grade.log"), limit)

    def test_a_result_is_copied_out_under_its_own_name(self):
        result, done = self.grade("alice", "result")
        self.assertTrue(done)
        self.assertEqual((result["submission"], result["points"]), ("alice", 10))
        self.assertTrue(result["source"].endswith("submissions/alice"))
        self.assertEqual(result["log"], os.path.join(self.out, "alice", "build.log"))
        with open(result["log"]) as handle:
            self.assertEqual(handle.read(), "the build's log\n")
        with open(os.path.join(self.out, "alice", "grade.log")) as handle:
            log = handle.read()
        self.assertIn("--timeout 20 7.1 7.2", log)
        # The inner ./course grade names it as grade-class does: one name in every command.
        self.assertRegex(log, r"grade --submission \S+/alice --name alice --result")
        self.assertIn("WITHOUT a sandbox", log)
        self.assertEqual(os.listdir(self.grading.work_root), [])  # the work directory is gone

    def test_no_result(self):
        result, done = self.grade("bob", "nothing")
        self.assertFalse(done)
        self.assertIn("no result.json was written", result["error"])
        self.assertIn("exit status 1", result["error"])
        self.assertEqual(result["points"], 0)

    def test_time_limit(self):
        started = time.time()
        result, done = self.grade("carol", "hang", limit=1.0)
        self.assertLess(time.time() - started, 20)
        self.assertFalse(done)
        self.assertIn("did not finish within the time limit", result["error"])

    def test_a_planted_link_is_not_followed(self):
        secret = write(self.fake.root, "other/result.json", json.dumps({
            "schema": "course-result/1", "exercises": [], "points": 99, "max_points": 30}))
        with mock.patch.dict(os.environ, {"COURSE_TEST_SECRET": secret}):
            result, done = self.grade("mallory", "link")
        self.assertFalse(done)
        self.assertEqual(result["points"], 0)


class SandboxTest(unittest.TestCase):
    def sandbox(self, root):
        sandbox = course_cluster.Sandbox("grader")
        sandbox.bwrap = "/usr/bin/bwrap"
        sandbox.as_root = root
        sandbox.uid, sandbox.gid = 990, 991
        return sandbox

    def test_everything_read_only_but_the_work_directory(self):
        argv = self.sandbox(False).wrap(["./course", "grade"], "/w/x")
        text = " ".join(argv)
        self.assertEqual(argv[0], "/usr/bin/bwrap")
        for part in ("--ro-bind / /", "--bind /w/x /tmp", "--bind /w/x/.shm /dev/shm",
                     "--unshare-pid", "--die-with-parent", "--new-session", "--dev /dev",
                     "--proc /proc", "--ro-bind %s %s" % (course.ROOT, course.ROOT)):
            self.assertIn(part, text)
        # The writable bind comes after the read-only root, or it would be hidden by it.
        self.assertLess(argv.index("/"), argv.index("/w/x"))
        self.assertEqual(argv[-3:], ["--", "./course", "grade"])
        self.assertNotIn("setpriv", argv)

    def test_a_tree_folders_down_under_tmp_is_reachable(self):
        # bwrap makes a bind's missing mount points mode 0700, owned by root: the folders between
        # the sandbox's /tmp and the course must be made first, readable by the grading account.
        with mock.patch.object(course, "ROOT", "/tmp/a/b/clone"):
            argv = self.sandbox(True).wrap(["./course"], "/w/x")
        text = " ".join(argv)
        self.assertIn("--bind /w/x /tmp --bind /w/x/.shm /dev/shm --dir /tmp/a --dir /tmp/a/b "
                      "--ro-bind /tmp/a/b/clone /tmp/a/b/clone", text)
        with mock.patch.object(course, "ROOT", "/tmp/clone"):
            self.assertNotIn("--dir", self.sandbox(True).wrap(["./course"], "/w/x"))
        with mock.patch.object(course, "ROOT", "/srv/a/b/clone"):
            self.assertNotIn("--dir", self.sandbox(True).wrap(["./course"], "/w/x"))
        self.assertEqual(course_cluster.mount_point_folders("/tmp/a/b/c", "/tmp"),
                         ["--dir", "/tmp/a", "--dir", "/tmp/a/b"])
        self.assertEqual(course_cluster.mount_point_folders("/tmp", "/tmp"), [])
        self.assertEqual(course_cluster.mount_point_folders("/tmpx/a", "/tmp"), [])

    @unittest.skipUnless(shutil.which("bwrap") and shutil.which("setpriv") and os.geteuid() == 0,
                         "needs bubblewrap, setpriv and root (the Slurm test installs them)")
    def test_the_real_sandbox_reads_a_tree_folders_down_under_tmp(self):
        top = tempfile.mkdtemp(prefix="course-sandbox-test-", dir="/tmp")
        try:
            os.chmod(top, 0o755)
            root = os.path.join(top, "a", "b", "clone")
            write(root, "tools/course.py", "# the course\n", 0o644)
            work_root = os.path.join(top, "work")
            os.makedirs(work_root)
            sandbox = course_cluster.Sandbox("nobody")  # an account every system has
            sandbox.prepare()
            with mock.patch.object(course, "ROOT", root):
                course_cluster.check_sandbox(sandbox, work_root)  # CourseError if not readable
        finally:
            course_cluster.remove_tree(top)

    def test_root_drops_to_the_grader_account(self):
        argv = self.sandbox(True).wrap(["./course"], "/w/x")
        setpriv = argv.index("setpriv")
        self.assertIn("--reuid=990", argv[setpriv:])
        self.assertIn("--regid=991", argv[setpriv:])
        self.assertIn("--no-new-privs", argv[setpriv:])
        self.assertIn("--clear-groups", argv[setpriv:])
        self.assertEqual(argv[-1], "./course")

    def test_cache_read_only_unless_filling_it(self):
        read_only = self.sandbox(False).wrap(["x"], "/w", "/c")
        self.assertIn("--ro-bind /c /tmp/.ccache", " ".join(read_only))
        filling = self.sandbox(False).wrap(["x"], "/w", "/c", cache_writable=True)
        self.assertIn("--bind /c /tmp/.ccache", " ".join(filling))
        self.assertEqual(course_cluster.cache_environment(False)["CCACHE_READONLY"], "1")
        self.assertNotIn("CCACHE_READONLY", course_cluster.cache_environment(True))

    def test_environment_allow_list(self):
        outside = {"PATH": "/usr/bin", "CUDA_VISIBLE_DEVICES": "0", "COURSE_JOBS": "3",
                   "GITHUB_TOKEN": "secret", "ACTIONS_RUNTIME_TOKEN": "secret",
                   "SSH_AUTH_SOCK": "/run/agent", "HOME": "/home/teacher",
                   "SLURM_CPUS_PER_TASK": "8", "LC_ALL": "C.UTF-8"}
        with mock.patch.dict(os.environ, outside, clear=True):
            inside = course_cluster.sandbox_environment({"EXTRA": "1"})
        self.assertEqual(inside["PATH"], "/usr/bin")
        self.assertEqual(inside["CUDA_VISIBLE_DEVICES"], "0")
        self.assertEqual(inside["COURSE_JOBS"], "3")
        self.assertEqual(inside["LC_ALL"], "C.UTF-8")
        self.assertEqual((inside["HOME"], inside["TMPDIR"]), ("/tmp", "/tmp"))
        self.assertEqual(inside["COURSE_NO_INSTALL"], "1")
        self.assertEqual(inside["EXTRA"], "1")
        for secret in ("GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "SSH_AUTH_SOCK"):
            self.assertNotIn(secret, inside)
        with mock.patch.dict(os.environ, {"PATH": "/bin", "SLURM_CPUS_PER_TASK": "8"},
                             clear=True):
            self.assertEqual(course_cluster.sandbox_environment({})["COURSE_JOBS"], "8")


RESULT = {
    "schema": "course-result/1", "submission": "alice", "source": "/s/alice",
    "graded_at": "2026-11-22T10:00:00+00:00", "gpu": "NVIDIA H100 80GB HBM3",
    "exercises": [
        {"id": "1.1", "title": "Peak", "status": "passed", "points": 10, "max_points": 10,
         "optional": False, "message": "", "figures": ["989 TFLOP/s"],
         "file": "chapters/01-vector-add/peak.cpp"},
        {"id": "1.2", "title": "Vector add", "status": "failed", "points": 0, "max_points": 20,
         "optional": False, "message": "correctness: y[3] = 1 | expected 2", "figures": []},
        {"id": "1.3", "title": "Round trip", "status": "not built", "points": 0,
         "max_points": 15, "optional": False, "message": "round_trip.cpp:3: error",
         "figures": []},
        {"id": "1.4", "title": "Breakdown", "status": "not graded", "points": 0,
         "max_points": 15, "optional": False, "message": "no GPU", "figures": []},
        {"id": "1.5", "title": "Fast", "status": "passed", "points": 10, "max_points": 10,
         "optional": True, "message": "", "figures": []},
    ],
    "points": 20, "max_points": 60}


def reporter_totals(reports):
    """What classroom-resources/autograding-grading-reporter@v1 computes (src/notify-classroom.js
    and src/helpers/test-helpers.js): Classroom's points, and each runner's console figure."""
    total = maximum = 0
    console = {}
    for name, report in reports:
        passed = sum(1 for t in report["tests"] if t["status"] == "pass")
        console[name] = passed / len(report["tests"]) * report["max_score"]
        if not report["max_score"]:
            continue
        maximum += report["max_score"]
        total += sum(t["score"] for t in report["tests"])
    return total, maximum, console


class ClassroomReportTest(unittest.TestCase):
    def test_runner_names(self):
        self.assertEqual(course_autograding.runner_name("1.2"), "ex1dot2")
        self.assertEqual(course_autograding.runner_name("10.11"), "ex10dot11")

    def test_one_runner_per_exercise(self):
        reports = course_autograding.reports(RESULT)
        self.assertEqual([name for name, _ in reports],
                         ["ex1dot1", "ex1dot2", "ex1dot3", "ex1dot4", "ex1dot5"])
        by_name = dict(reports)
        self.assertEqual([by_name[n]["status"] for n in by_name],
                         ["pass", "fail", "fail", "error", "pass"])
        first = by_name["ex1dot1"]
        self.assertEqual((first["version"], first["max_score"]), (1, 10))
        test = first["tests"][0]
        self.assertEqual(set(test), {"name", "status", "score", "message", "test_code",
                                     "filename", "line_no", "duration"})
        self.assertEqual((test["score"], test["message"]), (10, "989 TFLOP/s"))
        self.assertEqual(test["filename"], "chapters/01-vector-add/peak.cpp")
        self.assertEqual(by_name["ex1dot2"]["tests"][0]["score"], 0)
        self.assertIn("y[3] = 1", by_name["ex1dot2"]["tests"][0]["message"])
        optional = by_name["ex1dot5"]
        self.assertEqual((optional["max_score"], optional["tests"][0]["score"]), (0, 0))
        self.assertIn("optional", optional["tests"][0]["name"])

    def test_the_reporter_adds_up_to_the_required_points(self):
        total, maximum, console = reporter_totals(course_autograding.reports(RESULT))
        self.assertEqual((total, maximum), (10, 60))  # 1.1 only; 1.5 is optional
        self.assertEqual(RESULT["max_points"], maximum)
        self.assertEqual(console["ex1dot1"], 10)
        self.assertEqual(console["ex1dot2"], 0)

    def test_command_lines_and_github_files(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "result.json")
            with open(path, "w") as handle:
                json.dump(RESULT, handle)
            printed = io.StringIO()
            with redirect_stdout(printed):
                self.assertEqual(course.main(["classroom-report", path]), 0)
            lines = printed.getvalue().splitlines()
            self.assertEqual(lines[0], "runners=ex1dot1,ex1dot2,ex1dot3,ex1dot4,ex1dot5")
            key, _, value = lines[1].partition("=")
            self.assertEqual(key, "EX1DOT1_RESULTS")
            self.assertEqual(json.loads(base64.b64decode(value))["tests"][0]["score"], 10)
            files = {name: os.path.join(directory, name) for name in ("out", "env", "summary")}
            environment = {"GITHUB_OUTPUT": files["out"], "GITHUB_ENV": files["env"],
                           "GITHUB_STEP_SUMMARY": files["summary"]}
            with mock.patch.dict(os.environ, environment), redirect_stdout(io.StringIO()):
                self.assertEqual(course.main(["classroom-report", path, "--github"]), 0)
            with open(files["out"]) as handle:
                self.assertEqual(handle.read(), lines[0] + "\n")
            with open(files["env"]) as handle:
                self.assertEqual(handle.read().splitlines(), lines[1:])
            with open(files["summary"]) as handle:
                summary = handle.read()
            # The required points out of their maximum, the optional ones apart (RESULT's own
            # "points": 20 is an older file's sum of both; the summary adds up the exercises).
            self.assertIn("10/60 points, optional 10/10", summary)
            self.assertIn("y[3] = 1 \\| expected 2", summary)

    def test_not_a_result(self):
        with tempfile.TemporaryDirectory() as directory:
            path = write(directory, "result.json", '{"schema": "other/1"}')
            with redirect_stdout(io.StringIO()), mock.patch("sys.stderr", io.StringIO()):
                self.assertEqual(course.main(["classroom-report", path]), 2)


class WorkflowTest(unittest.TestCase):
    """docs/classroom/classroom.yml: the pieces the instructions rely on (its grading step runs in
    tools/tests/slurm_e2e.sh)."""

    PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "docs", "classroom", "classroom.yml")

    def test_workflow(self):
        with open(self.PATH, encoding="utf-8") as handle:
            text = handle.read()
        for part in ("runs-on: [self-hosted, linux, gpu]", "checks: write",
                     "if: github.actor != 'github-classroom[bot]'",
                     "grade-sandboxed \"$GITHUB_WORKSPACE/submission\"",
                     "classroom-report \"$RUNNER_TEMP/course/result.json\" --github",
                     "uses: classroom-resources/autograding-grading-reporter@v1",
                     "runners: ${{ steps.grade.outputs.runners }}", "persist-credentials: false"):
            self.assertIn(part, text)
        self.assertNotIn("\t", text)
        steps = [line.strip() for line in text.splitlines() if line.strip().startswith("- name:")]
        self.assertEqual(steps[-1], "- name: Report the points to GitHub Classroom")


if __name__ == "__main__":
    unittest.main()
