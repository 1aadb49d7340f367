"""What the course command's unit tests share (not itself a test module)."""

import hashlib
import os
import textwrap


def write(directory, relative, text, permissions=None):
    """Writes `text` (dedented) to directory/relative, making the folders; returns the path.
    `permissions` (e.g. 0o755) sets the file's mode."""
    path = os.path.join(directory, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))
    if permissions is not None:
        os.chmod(path, permissions)
    return path


def supervised(build, test, verdict, reason="", notes=""):
    """What the grader supervisor (tools/course_supervise.py) leaves for one test: its note file
    (`notes`, then the VERDICT line) and, returned, the last line of its output, which CTest keeps
    in the JUnit file's <system-out>."""
    data = (textwrap.dedent(notes) + ("VERDICT: %s %s" % (verdict, reason)).rstrip() + "\n")
    path = os.path.join(build, "course-notes", test + ".txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data.encode("utf-8"))
    return "COURSE-VERDICT: %s notes-sha256=%s" % (
        verdict, hashlib.sha256(data.encode("utf-8")).hexdigest())

