"""./course classroom-report: a result file (./course grade --submission) in the form GitHub
Classroom's reporter reads.

  ./course classroom-report RESULT.json            the lines the workflow's step writes
  ./course classroom-report RESULT.json --github   writes them itself ($GITHUB_OUTPUT,
                                                   $GITHUB_ENV, $GITHUB_STEP_SUMMARY)
  ./course classroom-report RESULT.json --json     the decoded reports, to read

GitHub Classroom's autograding (classroom-resources/autograding-grading-reporter@v1) reads, for
every name in its `runners` input, the environment variable <NAME>_RESULTS: base64 of a JSON
object {"version": 1, "status": "pass"|"fail"|"error", "max_score": N, "tests": [{"name",
"status", "score", "message", "test_code", "filename", "line_no", "duration"}]}, the format the
autograding-command-grader action writes as its `result` output. The reporter prints each runner's
tests with "Total points for <runner>: <passed tests / tests x max_score>", and sends Classroom
"Points <sum of the tests' scores>/<sum of max_score>" (runners with max_score 0 left out).

This command makes one runner per exercise (ex1dot2 for 1.2), with one test: its score is the
exercise's points when it passed, so both of the reporter's figures are the course's own. An
optional exercise is a runner with max_score 0: shown, but not counted (the reporter has no bonus
points; the result file, the scoreboard and the gradebook show optional points apart, never added
to the required total).
A runner's status: pass (passed), fail (failed, not built), error (not graded: no GPU, or the
grading did not finish).
"""

import argparse
import base64
import json
import os
import sys
from typing import Dict, List, Tuple

import course
from course import CourseError, say

SCHEMA = "course-result/1"
STATUS = {"passed": "pass", "failed": "fail", "not built": "fail", "not graded": "error"}


def runner_name(ident: str) -> str:
    """'1.2' -> 'ex1dot2': letters and digits only, as the reporter's runners input wants."""
    return "ex" + "".join(c if c.isalnum() else ("dot" if c == "." else "x") for c in ident)


def load(path: str) -> Dict:
    try:
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
    except (OSError, ValueError) as error:
        raise CourseError("%s: not a result file (%s)" % (path, error))
    if not isinstance(result, dict) or result.get("schema") != SCHEMA or \
            not isinstance(result.get("exercises"), list):
        raise CourseError("%s: not a result file (schema %s expected)" % (path, SCHEMA))
    return result


def reports(result: Dict) -> List[Tuple[str, Dict]]:
    """[(runner name, the reporter's JSON object)], one per exercise, in the result's order."""
    made = []
    for exercise in result["exercises"]:
        ident = str(exercise.get("id", "?"))
        status = STATUS.get(exercise.get("status"), "error")
        counts = not exercise.get("optional", False)
        maximum = int(exercise.get("max_points", 0) or 0) if counts else 0
        score = maximum if status == "pass" else 0
        title = "%s %s%s" % (ident, exercise.get("title", ""),
                             " (optional: not counted)" if not counts else "")
        message = str(exercise.get("message", "") or "")
        figures = exercise.get("figures") or []
        if status == "pass" and figures:
            message = "; ".join(str(f) for f in figures)
        made.append((runner_name(ident), {
            "version": 1, "status": status, "max_score": maximum,
            "tests": [{"name": title, "status": status, "score": score, "message": message,
                       "test_code": "./course grade %s" % ident,
                       "filename": str(exercise.get("file", "") or ""), "line_no": 0,
                       "duration": 0}]}))
    return made


def encode(report: Dict) -> str:
    return base64.b64encode(json.dumps(report, separators=(",", ":")).encode("utf-8")).decode(
        "ascii")


def summary_markdown(result: Dict) -> str:
    """The step summary: a table a student reads on the run's page."""
    import course_classroom
    lines = ["### Course grading: %s" % course.describe_points(
        course_classroom.totals(result["exercises"])), ""]
    if result.get("error"):
        lines += ["**%s**" % result["error"], ""]
    gpu = result.get("gpu") or "no GPU"
    lines += ["GPU: %s. Graded at %s." % (gpu, result.get("graded_at", "?")), "",
              "| exercise | status | points | message |", "|---|---|---|---|"]
    for exercise in result["exercises"]:
        message = str(exercise.get("message", "") or "").replace("|", "\\|").replace("\n", " ")
        if len(message) > 200:
            message = message[:197] + "..."
        lines.append("| %s %s%s | %s | %s/%s | %s |" % (
            exercise.get("id", "?"), exercise.get("title", ""),
            " (optional)" if exercise.get("optional") else "", exercise.get("status", "?"),
            exercise.get("points", 0), exercise.get("max_points", 0), message))
    return "\n".join(lines) + "\n"


def append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def command_classroom_report(arguments: argparse.Namespace) -> int:
    result = load(arguments.result)
    made = reports(result)
    runners = ",".join(name for name, _ in made)
    if arguments.json:
        json.dump({name: report for name, report in made}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    environment_lines = "".join("%s_RESULTS=%s\n" % (name.upper(), encode(report))
                                for name, report in made)
    if not arguments.github:
        sys.stdout.write("runners=%s\n%s" % (runners, environment_lines))
        return 0
    output = os.environ.get("GITHUB_OUTPUT")
    environment = os.environ.get("GITHUB_ENV")
    if not output or not environment:
        raise CourseError("--github: $GITHUB_OUTPUT and $GITHUB_ENV are not set (not in a GitHub "
                          "Actions step?)")
    append(output, "runners=%s\n" % runners)
    append(environment, environment_lines)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        append(os.environ["GITHUB_STEP_SUMMARY"], summary_markdown(result))
    counted = [report for _, report in made if report["max_score"]]
    say("course: reported %d exercise(s) to the autograding reporter: %d/%d points (runners %s)" %
        (len(made), sum(r["tests"][0]["score"] for r in counted),
         sum(r["max_score"] for r in counted), runners))
    return 0


def register(subparsers, grade_parser) -> Dict:
    del grade_parser
    report = subparsers.add_parser(
        "classroom-report",
        help="a result file in the form of GitHub Classroom's autograding reporter",
        description="Turns a result file of ./course grade --submission into one autograding "
                    "runner per exercise for classroom-resources/autograding-grading-reporter "
                    "(docs/classroom.md, 'GitHub Classroom').")
    report.add_argument("result", metavar="RESULT", help="result.json")
    mode = report.add_mutually_exclusive_group()
    mode.add_argument("--github", action="store_true",
                      help="write 'runners' to $GITHUB_OUTPUT, <RUNNER>_RESULTS to $GITHUB_ENV "
                           "and a table to $GITHUB_STEP_SUMMARY")
    mode.add_argument("--json", action="store_true", help="print the reports decoded")
    return {"classroom-report": command_classroom_report}
