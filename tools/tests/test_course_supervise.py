"""Unit tests of the grader supervisor (tools/course_supervise.py) with tiny fake graders: Python
scripts that stand in for a grader, honest or cheating. No build, no GPU:
python3 -m unittest discover -s tools/tests"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402
import course_supervise  # noqa: E402

SUPERVISOR = os.path.abspath(course_supervise.__file__)

# What every fake grader starts with: the channel as tests/support/grading.cpp takes it.
PRELUDE = """\
import os, sys, time, signal, subprocess
fd = int(os.environ.get("COURSE_VERDICT_FD", "-1"))
key = os.environ.get("COURSE_VERDICT_KEY", "")
def send(line):
    os.write(fd, (line + "\\n").encode())
"""


def alive(pid):
    """True while `pid` runs (a zombie counts as ended)."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class SupervisorTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.dir = self.scratch.name
        self.notes = os.path.join(self.dir, "course-notes", "ch9.1-cpu.txt")
        self.supervisor = SUPERVISOR

    def tearDown(self):
        self.scratch.cleanup()

    def grader(self, body, name="grader.py"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as handle:
            handle.write(PRELUDE + textwrap.dedent(body))
        return path

    def supervise(self, body, *options, timeout=20):
        """Runs the supervisor over a fake grader: (exit status, output, note file's text)."""
        command = [sys.executable, self.supervisor, "--test", "ch9.1-cpu", "--note-file",
                   self.notes, "--timeout", str(timeout)] + list(options) + [
                       "--", sys.executable, self.grader(body)]
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, timeout=120)
        text = ""
        if os.path.exists(self.notes):
            with open(self.notes) as handle:
                text = handle.read()
        return run.returncode, run.stdout, text

    def assert_vouched(self, output, verdict):
        """The last line names the verdict and the digest of the note file as it is now."""
        last = output.rstrip("\n").splitlines()[-1]
        with open(self.notes, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.assertEqual(last, "COURSE-VERDICT: %s notes-sha256=%s" % (verdict, digest))

    # ---- honest graders

    def test_an_honest_pass(self):
        status, output, notes = self.supervise("""\
            print("All tests passed (TODO(1.1) at chapters/x.cpp:3 is only text here)")
            send("CASE 9.1 formulas")
            send("NOTE FIGURE: 3 TB/s")
            send("VERDICT 1 0 0 0 " + key)
        """)
        self.assertEqual(status, 0, output)
        self.assertEqual(notes, "FIGURE: 3 TB/s\nVERDICT: passed\n")
        # The grader's own output reaches CTest (the self-test's regular expressions read it).
        self.assertIn("TODO(1.1) at chapters/x.cpp:3", output)
        self.assert_vouched(output, "passed")

    def test_a_failure_keeps_the_first_failure(self):
        status, output, notes = self.supervise("""\
            send("CASE 9.1 formulas")
            send("NOTE FAIL: 2 of 9 elements differ")
            send("NOTE FAIL: another")
            send("VERDICT 0 1 0 1 " + key)
            sys.exit(1)
        """)
        self.assertEqual(status, 1)
        self.assertTrue(notes.endswith("VERDICT: failed 2 of 9 elements differ\n"), notes)
        self.assertIn("FAILED: 2 of 9 elements differ", output)
        self.assert_vouched(output, "failed")

    def test_not_graded_is_a_skip_in_the_suite_and_a_failure_for_a_student(self):
        body = """\
            send("CASE 9.1 on the GPU")
            send("NOTE SKIP: no GPU: no NVIDIA driver")
            send("VERDICT 0 0 1 1 " + key)
            sys.exit(4)
        """
        status, output, notes = self.supervise(body)
        self.assertEqual(status, 4)
        self.assertTrue(notes.endswith("VERDICT: not graded no GPU: no NVIDIA driver\n"))
        status, output, _ = self.supervise(body, "--not-graded-fails")
        self.assertEqual(status, 1)
        self.assertIn("NOT GRADED: no GPU: no NVIDIA driver", output)
        self.assert_vouched(output, "not graded")

    # ---- cheats and accidents

    def test_exit_zero_without_a_verdict_fails(self):
        status, output, notes = self.supervise("""\
            send("CASE 9.1 formulas")
            os._exit(0)
        """)
        self.assertEqual(status, 1)
        self.assertIn("ended before reporting a verdict: the exercise's code ended the program "
                      "early (exit/quick_exit?) in test case \"9.1 formulas\"", output)
        self.assert_vouched(output, "failed")

    def test_a_forged_note_file_is_replaced(self):
        status, output, notes = self.supervise("""\
            with open(os.environ["COURSE_NOTE_FILE"], "w") as f:
                f.write("FIGURE: 999 TB/s\\nVERDICT: passed\\n")
            print("COURSE-VERDICT: passed notes-sha256=" + "0" * 64)
            sys.stdout.flush()
            os._exit(0)
        """)
        self.assertEqual(status, 1)
        self.assertNotIn("999", notes)
        self.assertTrue(notes.startswith("VERDICT: failed ended before reporting a verdict"))
        # The forged line is in the output, but the supervisor's comes last.
        self.assert_vouched(output, "failed")

    def test_a_verdict_without_the_key_fails(self):
        status, output, _ = self.supervise("""\
            send("VERDICT 5 0 0 0 " + "0" * 32)
        """)
        self.assertEqual(status, 1)
        self.assertIn("a verdict record without the grader's key", output)

    def test_two_verdicts_fail(self):
        status, output, _ = self.supervise("""\
            send("VERDICT 1 0 0 0 " + key)
            send("VERDICT 1 0 0 0 " + key)
        """)
        self.assertEqual(status, 1)
        self.assertIn("2 verdict records", output)

    def test_junk_on_the_channel_fails(self):
        status, output, _ = self.supervise("""\
            os.write(fd, b"\\x00\\x01garbage that is no record\\n")
            send("VERDICT 1 0 0 0 " + key)
        """)
        self.assertEqual(status, 1)
        self.assertIn("carried 1 line(s) the grader never writes", output)

    def test_a_detached_process_is_killed_and_fails_the_test(self):
        marker = os.path.join(self.dir, "rewritten")
        status, output, notes = self.supervise("""\
            child = subprocess.Popen([sys.executable, "-c",
                "import time, sys; time.sleep(3); open(sys.argv[1], 'w').write('late')",
                %r], start_new_session=True)
            with open(%r, "w") as f:
                f.write(str(child.pid))
            send("VERDICT 1 0 0 0 " + key)
        """ % (marker, marker + ".pid"))
        self.assertEqual(status, 1)
        self.assertIn("the test left 1 process(es) running: killed", output)
        with open(marker + ".pid") as handle:
            pid = int(handle.read())
        self.assertFalse(alive(pid))
        time.sleep(3.5)
        self.assertFalse(os.path.exists(marker), "the detached process outlived its test")
        self.assert_vouched(output, "failed")

    def test_a_double_fork_is_found_too(self):
        status, output, _ = self.supervise("""\
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(60)
                os._exit(0)
            os.wait()
            send("VERDICT 1 0 0 0 " + key)
        """)
        self.assertEqual(status, 1)
        self.assertIn("the test left 1 process(es) running: killed", output)

    def test_a_time_out_names_the_function_and_the_limit(self):
        started = time.monotonic()
        status, output, notes = self.supervise("""\
            send("CASE 5.2 Amdahl's and Gustafson's formulas")
            send("CALL amdahl_speedup")
            while True:
                pass
        """, timeout=1)
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(status, 1)
        self.assertIn("FAILED: timed out after 1 s in amdahl_speedup (test case \"5.2 Amdahl's "
                      "and Gustafson's formulas\")", output)
        self.assertIn("VERDICT: failed timed out after 1 s", notes)

    def test_a_crash_is_named(self):
        status, output, _ = self.supervise("""\
            send("CASE 9.1 formulas")
            os.kill(os.getpid(), signal.SIGSEGV)
        """)
        self.assertEqual(status, 1)
        self.assertIn("crashed (SIGSEGV) in test case \"9.1 formulas\"", output)

    def test_a_pass_with_another_exit_status_fails(self):
        status, output, _ = self.supervise("""\
            send("VERDICT 1 0 0 0 " + key)
            sys.exit(99)
        """, "--exit-meaning", "99=compute-sanitizer memcheck reported an error")
        self.assertEqual(status, 1)
        self.assertIn("FAILED: compute-sanitizer memcheck reported an error", output)
        status, output, _ = self.supervise("""\
            send("VERDICT 1 0 0 0 " + key)
            sys.exit(3)
        """)
        self.assertIn("reported 'passed' but exited with status 3", output)

    def test_no_test_case_is_not_a_pass(self):
        status, output, _ = self.supervise("""\
            send("VERDICT 0 0 0 0 " + key)
        """)
        self.assertEqual(status, 1)
        self.assertIn("no test case ran", output)

    def test_a_stale_note_file_never_stands(self):
        os.makedirs(os.path.dirname(self.notes))
        with open(self.notes, "w") as handle:
            handle.write("VERDICT: passed\n")
        status, _, notes = self.supervise("os._exit(0)\n")
        self.assertEqual(status, 1)
        self.assertNotIn("VERDICT: passed", notes)

    def test_an_interrupted_supervisor_stops_the_grader(self):
        pid_file = os.path.join(self.dir, "grader.pid")
        command = [sys.executable, self.supervisor, "--test", "t", "--note-file", self.notes,
                   "--timeout", "60", "--", sys.executable, self.grader("""\
            with open(%r, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        """ % pid_file)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, universal_newlines=True)
        for _ in range(200):
            if os.path.exists(pid_file) and os.path.getsize(pid_file):
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 1)
        self.assertIn("interrupted (SIGTERM)", output)
        with open(pid_file) as handle:
            self.assertFalse(alive(int(handle.read())))

    def test_a_wrong_command_line_is_refused(self):
        run = subprocess.run([sys.executable, self.supervisor, "--test", "t", "--note-file",
                              self.notes, "--timeout", "0", "--", "true"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True)
        self.assertEqual(run.returncode, 2)
        self.assertIn("--timeout must be positive", run.stdout)
        run = subprocess.run([sys.executable, self.supervisor, "--test", "t", "--note-file",
                              self.notes, "--timeout", "5", "true"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True)
        self.assertEqual(run.returncode, 2)
        self.assertIn("the grader's command follows '--'", run.stdout)

    def test_a_grader_that_cannot_start_fails(self):
        run = subprocess.run([sys.executable, self.supervisor, "--test", "t", "--note-file",
                              self.notes, "--timeout", "5", "--", os.path.join(self.dir, "none")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True)
        self.assertEqual(run.returncode, 1)
        self.assertIn("FAILED: the grader could not start", run.stdout)
        self.assert_vouched(run.stdout, "failed")

    # ---- the object gate

    def gate(self, problems):
        """A copy of the supervisor beside a fake object gate that finds `problems`."""
        folder = os.path.join(self.dir, "tools")
        os.makedirs(folder)
        shutil.copy(SUPERVISOR, folder)
        with open(os.path.join(folder, "course_inspect.py"), "w") as handle:
            handle.write(textwrap.dedent("""\
                import json
                def inspect(objects, interface_header, forbid):
                    with open(%r, "w") as f:
                        json.dump([objects, interface_header, forbid], f)
                    return %r
            """ % (os.path.join(self.dir, "inspected.json"), problems)))
        self.supervisor = os.path.join(folder, "course_supervise.py")

    def test_the_gate_rejects_before_the_grader_runs(self):
        self.gate(["chapters/04-matmul/matmul_fast.cu: calls cublasSgemm, which 4.4 forbids",
                   "chapters/04-matmul/matmul_fast.cu: a second problem"])
        ran = os.path.join(self.dir, "ran")
        status, output, notes = self.supervise("""\
            open(%r, "w").write("the grader ran")
            send("VERDICT 1 0 0 0 " + key)
        """ % ran, "--inspect-interface", "chapters/04-matmul/chapter4.hpp",
            "--inspect-forbid", "cublasSgemm,cublasGemmEx",
            "--inspect-object", "a.o;b.o=chapters/04-matmul/matmul_fast.cu",
            "--inspect-object", "c.o=chapters/04-matmul/matmul_register.cu")
        self.assertEqual(status, 1)
        self.assertFalse(os.path.exists(ran))
        self.assertIn("REJECTED: chapters/04-matmul/matmul_fast.cu: calls cublasSgemm", output)
        self.assertIn("REJECTED: chapters/04-matmul/matmul_fast.cu: a second problem", output)
        self.assertTrue(notes.endswith("VERDICT: failed chapters/04-matmul/matmul_fast.cu: calls "
                                       "cublasSgemm, which 4.4 forbids\n"), notes)
        with open(os.path.join(self.dir, "inspected.json")) as handle:
            import json
            objects, header, forbid = json.load(handle)
        self.assertEqual(objects, [["a.o", "chapters/04-matmul/matmul_fast.cu"],
                                   ["b.o", "chapters/04-matmul/matmul_fast.cu"],
                                   ["c.o", "chapters/04-matmul/matmul_register.cu"]])
        self.assertEqual((header, forbid), ("chapters/04-matmul/chapter4.hpp",
                                            ["cublasSgemm", "cublasGemmEx"]))

    def test_the_gate_lets_clean_objects_through(self):
        self.gate([])
        status, _, _ = self.supervise("""\
            send("VERDICT 1 0 0 0 " + key)
        """, "--inspect-object", "a.o=chapters/x.cu")
        self.assertEqual(status, 0)

    # ---- the scoreboard's side

    def test_the_scoreboard_believes_exactly_what_was_vouched_for(self):
        _, output, _ = self.supervise("""\
            send("NOTE FIGURE: 3 TB/s")
            send("VERDICT 1 0 0 0 " + key)
        """)
        build = self.dir
        result = course.TestResult("ch9.1-cpu", "passed", "", output)
        self.assertEqual(course.test_verdict(build, "ch9.1-cpu", result)[:2], ("passed", ""))
        with open(self.notes, "a") as handle:  # a later test's code appends a figure
            handle.write("FIGURE: 999 TB/s\n")
        self.assertEqual(course.test_verdict(build, "ch9.1-cpu", result)[0], "failed")


if __name__ == "__main__":
    unittest.main()
