#!/usr/bin/env python3
"""The GPU matrix (issue 16 point 4): every hardware-dependent check against published GPUs.

No GPU runs here: a simple model decides, from published figures, whether each required check can
be met on each GPU. Data: tests/gpu_matrix.json (the requirements and the figures
published_peaks.cpp lacks) and tests/support/published_peaks.cpp (compute capability, SMs, FP32
rate and DRAM bandwidth, read from its table so that each figure has one source).

    python3 tools/gpu_matrix.py           writes docs/gpu-matrix.md
    python3 tools/gpu_matrix.py --check   fails if a check is unreachable or the page is stale

The model (each rule says why it is enough, and what it leaves out):
- Memory: a past-2^31 case needs its outputs (n floats each, n = 2^31 + 1000003), 6 MiB per
  mapped input and the spare the code keeps; the GPU offers its published GB (10^9 bytes) less
  0.5 GiB for the CUDA context and the driver.
- A share of something measured in the same run (a copy, the grader's cuBLAS call): reachable
  when the thing exists on the GPU and the share leaves 5 points for noise and clock changes.
- TF32 checks: the GPU needs TF32 tensor cores (a published dense TF32 rate); without them the
  check must be declared not applicable, never required.
- A bound around the grader's own FMA kernel: it must contain 1.0 with 5% to spare each side.
- The L2-resident transpose: side = sqrt(L2 x fraction / 8 bytes), rounded down to 32, at least
  256; its input and output must fit in the L2.
"""

import argparse
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATRIX_JSON = os.path.join(ROOT, "tests", "gpu_matrix.json")
PUBLISHED_PEAKS_CPP = os.path.join(ROOT, "tests", "support", "published_peaks.cpp")
PAGE = os.path.join(ROOT, "docs", "gpu-matrix.md")

GIB = 2**30
LARGE_CASE_ELEMENTS = 2**31 + 1000003  # kPast2To31Elements, tests/support/large_arrays.hpp
MAPPED_INPUT_BYTES = 6 * 2**20  # kPatternPeriod floats: one chunk behind a whole input
CONTEXT_RESERVE_BYTES = GIB // 2  # CUDA context and driver, before the free-memory check
NOISE_POINTS = 5.0  # points of a share left for noise and clock changes (a 70 W card)
FMA_MARGIN = 0.05  # room each side of 1.0 in the bounds around the grader's FMA kernel
L2_MIN_SIDE = 256  # l2_resident_side() in tests/chapter3/grade_transpose.cpp

# Each share-of-copy requirement: the exercise's check needs only a copy, which every GPU has.
# Each TF32 share: needs TF32 tensor cores, and is declared not applicable without them
# (chapter4_grading::tf32_tensor_cores_or_not_applicable).
NOT_APPLICABLE_WITHOUT_TF32 = {"kCublasTf32Share_4_5", "kCublasTf32Share_4_6"}

PEAKS_ROW = re.compile(
    r'\{\{"(?P<name>[^"]+)",\s*(?P<major>\d+),\s*(?P<minor>\d+),\s*(?P<sms>\d+),\s*\d+,\s*\d+,'
    r"\s*\d+\},\s*(?P<fp32>[\d.]+),\s*(?P<bandwidth>[\d.]+)\}"
)


def read_published_peaks(path=PUBLISHED_PEAKS_CPP):
    """published_peaks.cpp's table: name -> cc, SMs, FP32 TFLOP/s, GB/s."""
    with open(path, encoding="utf-8") as source:
        text = source.read()
    rows = {}
    for match in PEAKS_ROW.finditer(text):
        rows[match["name"]] = {
            "cc": "%s.%s" % (match["major"], match["minor"]),
            "sms": int(match["sms"]),
            "fp32_tflops": float(match["fp32"]),
            "bandwidth_gbps": float(match["bandwidth"]),
        }
    if not rows:
        raise ValueError("no GPU rows found in %s: has the table's layout changed?" % path)
    return rows


def load(matrix_path=MATRIX_JSON, peaks_path=PUBLISHED_PEAKS_CPP):
    """The matrix's data, each GPU completed with its published_peaks.cpp row."""
    with open(matrix_path, encoding="utf-8") as source:
        data = json.load(source)
    peaks = read_published_peaks(peaks_path)
    for gpu in data["gpus"]:
        row = peaks.get(gpu["published_peaks_name"])
        if row is None:
            raise ValueError(
                "%s: %r is not a row of %s; name a row of that table"
                % (gpu["name"], gpu["published_peaks_name"], peaks_path)
            )
        gpu.update(row)
    return data


def value(data, name):
    return data["requirements"][name]["value"]


def has_tf32(gpu):
    return gpu.get("tf32_dense_tflops") is not None


def checks(data, gpu):
    """(exercise, check, verdict, why) for one GPU; verdict is 'yes', 'n/a' or 'NO'."""
    rows = []
    usable = gpu["memory_gb"] * 1e9 - CONTEXT_RESERVE_BYTES
    spare = value(data, "kLargeCaseSpareGiB") * GIB
    for exercise, arrays in sorted(data["large_cases"].items()):
        if exercise == "about":
            continue
        needed = (
            arrays["outputs"] * LARGE_CASE_ELEMENTS * 4
            + arrays["mapped_inputs"] * MAPPED_INPUT_BYTES
            + arrays.get("full_inputs", 0) * LARGE_CASE_ELEMENTS * 4
            + spare
        )
        fits = needed <= usable
        rows.append(
            (
                exercise,
                "past-2^31 case fits in memory",
                "yes" if fits else "NO",
                "needs %.1f GiB, %.1f GiB usable" % (needed / GIB, usable / GIB),
            )
        )
    for name, requirement in sorted(data["requirements"].items()):
        required = requirement["value"]
        exercise = requirement["exercise"]
        if name.startswith("kShareOfCopy") or name in NOT_APPLICABLE_WITHOUT_TF32:
            what = "%g%% of %s" % (required, "a copy" if name.startswith("kShare") else "cuBLAS TF32")
            if name in NOT_APPLICABLE_WITHOUT_TF32 and not has_tf32(gpu):
                declared = requirement.get("not_applicable_without_tf32", True)
                rows.append(
                    (
                        exercise,
                        what,
                        "n/a" if declared else "NO",
                        "no TF32 tensor cores"
                        + ("" if declared else ", but the check is required"),
                    )
                )
                continue
            reachable = required <= 100.0 - NOISE_POINTS
            rows.append(
                (
                    exercise,
                    what,
                    "yes" if reachable else "NO",
                    "same-run measurement; at most %g%% leaves room for noise" % (100 - NOISE_POINTS),
                )
            )
        elif name == "kTf32OverFp32_4_5":
            # Today's rule is relative to cuBLAS TF32; a ratio to the FP32 rate depends on the GPU.
            if not has_tf32(gpu):
                rows.append((exercise, "TF32 >= %gx FP32" % required, "NO", "no TF32 tensor cores"))
                continue
            ratio = gpu["tf32_dense_tflops"] / gpu["fp32_tflops"]
            rows.append(
                (
                    exercise,
                    "TF32 >= %gx FP32" % required,
                    "yes" if ratio >= required else "NO",
                    "published TF32 over FP32: %.2fx" % ratio,
                )
            )
        elif name == "kPeakBelowGraderAtLeast_5_3":
            ok = required <= 1.0 - FMA_MARGIN
            rows.append(
                (exercise, "peak >= %gx grader's FMA kernel" % required, "yes" if ok else "NO",
                 "the grader's kernel itself must pass")
            )
        elif name == "kPeakAboveGraderAtMost_5_3":
            ok = required >= 1.0 + FMA_MARGIN
            rows.append(
                (exercise, "peak <= %gx grader's FMA kernel" % required, "yes" if ok else "NO",
                 "the grader's kernel itself must pass")
            )
        elif name == "kL2ResidentFraction_3_2":
            l2_bytes = gpu["l2_mib"] * 2**20
            side = int(math.sqrt(l2_bytes * required / 8.0))
            side = max(side - side % 32, L2_MIN_SIDE)
            footprint = 2 * 4 * side * side
            fits = footprint <= l2_bytes
            rows.append(
                (
                    exercise,
                    "L2-resident transpose (%g of L2)" % required,
                    "yes" if fits else "NO",
                    "side %d: %.1f of %g MiB" % (side, footprint / 2**20, gpu["l2_mib"]),
                )
            )
        elif name == "kLargeCaseSpareGiB":
            continue  # used by the memory rows above
        else:
            raise ValueError("%s: no rule of the model for this requirement" % name)
    return rows


def failures(data):
    """'GPU, exercise: why' for every unreachable check."""
    found = []
    for gpu in data["gpus"]:
        for exercise, what, verdict, why in checks(data, gpu):
            if verdict == "NO":
                found.append("%s, %s: %s cannot be met (%s)" % (gpu["name"], exercise, what, why))
    return found


def render(data):
    lines = [
        "# The GPU matrix",
        "",
        "Generated by `python3 tools/gpu_matrix.py` from `tests/gpu_matrix.json` and",
        "`tests/support/published_peaks.cpp`; `python3 tools/gpu_matrix.py --check` (run by",
        "`tools/tests/test_gpu_matrix.py`) fails when a check is unreachable or this page is stale.",
        "Nothing here ran on these GPUs: it is the published figures against the model described",
        "at the top of `tools/gpu_matrix.py`. yes: reachable; n/a: declared not applicable there.",
        "",
        "| GPU | cc | memory | SMs | FP32 TFLOP/s | TF32 dense TFLOP/s | L2 | DRAM GB/s | source |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for gpu in data["gpus"]:
        tf32 = gpu["tf32_dense_tflops"]
        lines.append(
            "| %s | %s | %d GB | %d | %g | %s | %g MiB | %g | %s |"
            % (gpu["name"], gpu["cc"], gpu["memory_gb"], gpu["sms"], gpu["fp32_tflops"],
               "none" if tf32 is None else "%g" % tf32, gpu["l2_mib"], gpu["bandwidth_gbps"],
               gpu["source"])
        )
    lines += ["", "Copy engines: not established for these GPUs (no check depends on them).", ""]
    names = [gpu["name"] for gpu in data["gpus"]]
    lines.append("| exercise | check | why | " + " | ".join(names) + " |")
    lines.append("|---|---|---|" + "---|" * len(names))
    per_gpu = [checks(data, gpu) for gpu in data["gpus"]]
    for index, (exercise, what, _, _) in enumerate(per_gpu[0]):
        whys = {rows[index][3] for rows in per_gpu}
        # A reason shared by every GPU is said once; one that depends on the GPU, in its cell.
        common = whys.pop() if len(whys) == 1 else ""
        cells = []
        for rows in per_gpu:
            _, _, verdict, why = rows[index]
            cells.append(verdict if common else "%s (%s)" % (verdict, why))
        lines.append("| %s | %s | %s | %s |" % (exercise, what, common, " | ".join(cells)))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail on an unreachable check or a stale docs/gpu-matrix.md")
    args = parser.parse_args(argv)
    data = load()
    page = render(data)
    problems = failures(data)
    if args.check:
        try:
            with open(PAGE, encoding="utf-8") as current:
                stale = current.read() != page
        except FileNotFoundError:
            stale = True
        if stale:
            problems.append("docs/gpu-matrix.md is stale: run python3 tools/gpu_matrix.py")
        for problem in problems:
            print("gpu matrix: " + problem, file=sys.stderr)
        return 1 if problems else 0
    with open(PAGE, "w", encoding="utf-8") as out:
        out.write(page)
    for problem in problems:
        print("gpu matrix: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
