#!/usr/bin/env python3
"""Measures the libraries the course's reference solutions are compared with (PyTorch, and CuPy
when it is installed) on the operations of a chapter, in the same run as the course's own
benchmarks, and writes the figures in Google Benchmark's JSON layout (peers-<N>.json) so that
benchmarks/figures.py shows them next to the course's:

    python3 benchmarks/peers.py --chapter 3 --out build/results/peers-3.json

Each operation is timed like the course times its kernels: CUDA events around one call, 3 calls
of warm-up, the median of 20. The arrays are the sizes the chapter's graders and benchmarks use,
far larger than the L2 cache. Every result is checked against a second computation before its
time counts (a peer that computes the wrong thing is an error, not a figure). Without PyTorch or a
GPU the script says so and exits with 4 ("not measured"), like the course's own programs.
"""

import argparse
import datetime
import json
import platform
import statistics
import sys
from typing import Callable, Dict, List, Optional

NOT_MEASURED = 4


class PeerError(Exception):
    """A peer that could not be measured: its message goes into the run's error_message."""


class Timer:
    """CUDA-event timing of a callable with warm-up and the median of repetitions."""

    def __init__(self, torch, warmup: int = 3, repetitions: int = 20) -> None:
        self.torch = torch
        self.warmup = warmup
        self.repetitions = repetitions

    def median_ms(self, work: Callable[[], object]) -> float:
        cuda = self.torch.cuda
        for _ in range(self.warmup):
            work()
        cuda.synchronize()
        times = []
        for _ in range(self.repetitions):
            start = cuda.Event(enable_timing=True)
            stop = cuda.Event(enable_timing=True)
            start.record()
            work()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        return statistics.median(times)


def run_entry(name: str, label: str, ms: Optional[float], bytes_moved: float, items: float,
              copy_bytes_per_second: Optional[float], error: str = "") -> dict:
    """One run in Google Benchmark's JSON layout (real_time in microseconds, rates per second)."""
    entry = {"name": name + "/manual_time", "run_name": name + "/manual_time",
             "run_type": "iteration", "repetitions": 1, "iterations": 1, "time_unit": "us",
             "label": label}
    if error or ms is None or ms <= 0:
        entry.update({"error_occurred": True, "error_message": error or "no time measured",
                      "real_time": 0.0, "cpu_time": 0.0})
        return entry
    seconds = ms * 1e-3
    entry.update({"real_time": ms * 1e3, "cpu_time": ms * 1e3})
    if bytes_moved:
        entry["bytes_per_second"] = bytes_moved / seconds
        if copy_bytes_per_second:
            entry["pct_of_copy"] = 100.0 * bytes_moved / seconds / copy_bytes_per_second
    if items:
        entry["items_per_second"] = items / seconds
    return entry


class Peers:
    """The operations of each chapter, measured with PyTorch (and CuPy where it is there)."""

    def __init__(self, torch, timer: Timer, cupy=None) -> None:
        self.torch = torch
        self.timer = timer
        self.cupy = cupy
        self.runs: List[dict] = []
        self.copy_bytes_per_second: Optional[float] = None

    def measure(self, name: str, label: str, bytes_moved: float, items: float,
                work: Callable[[], object], check: Callable[[], None]) -> None:
        try:
            ms = self.timer.median_ms(work)
            check()
        except Exception as error:  # a peer's failure is a row with its message, not a crash
            self.runs.append(run_entry(name, label, None, 0, 0, None,
                                       "%s: %s" % (type(error).__name__, error)))
            return
        self.runs.append(run_entry(name, label, ms, bytes_moved, items,
                                   self.copy_bytes_per_second))

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise PeerError("wrong result: " + message)

    # ---- the ceiling every chapter compares with ----------------------------------------------

    def copy(self) -> None:
        torch = self.torch
        n = 1 << 28
        source = torch.rand(n, device="cuda")
        destination = torch.empty_like(source)
        ms = self.timer.median_ms(lambda: destination.copy_(source))
        self.require(torch.equal(destination, source), "copy_ differs from its source")
        self.copy_bytes_per_second = 8.0 * n / (ms * 1e-3)
        self.runs.append(run_entry("BM_torch_copy", "2^28 floats", ms, 8.0 * n, n,
                                   self.copy_bytes_per_second))

    # ---- chapter 2 -----------------------------------------------------------------------------

    def chapter2(self) -> None:
        torch = self.torch
        n = 1 << 26
        x = torch.rand(n, device="cuda") * 2 - 1
        y = torch.rand(n, device="cuda") * 2 - 1
        y0 = y.clone()
        self.measure("BM_torch_saxpy", "2^26 floats", 12.0 * n, n,
                     lambda: y.add_(x, alpha=2.5),
                     lambda: self.require(bool(torch.isfinite(y).all()), "saxpy gave non-finite"))
        y.copy_(y0)
        expected = float(torch.linalg.vector_norm(x.double()))
        self.measure("BM_torch_vector_norm", "2^26 floats", 4.0 * n, n,
                     lambda: torch.linalg.vector_norm(x),
                     lambda: self.require(abs(float(torch.linalg.vector_norm(x)) - expected)
                                          <= 1e-4 * expected, "vector_norm differs"))

    # ---- chapter 3 -----------------------------------------------------------------------------

    def chapter3(self) -> None:
        torch = self.torch
        for rows, cols in ((8191, 8193), (8192, 8192)):
            a = torch.rand(rows, cols, device="cuda")
            b = torch.empty(cols, rows, device="cuda")
            self.measure("BM_torch_transpose/%d/%d" % (rows, cols),
                         "%d x %d floats" % (rows, cols), 8.0 * rows * cols, rows * cols,
                         lambda: b.copy_(a.t()),
                         lambda: self.require(torch.equal(b, a.t()), "B.copy_(A.t()) differs"))
            del a, b
        n = 1 << 28
        x = torch.rand(n, device="cuda") * 2 - 1
        expected = float(x.double().sum())
        scale = (n / 3.0) ** 0.5
        self.measure("BM_torch_sum", "2^28 floats", 4.0 * n, n, lambda: torch.sum(x),
                     lambda: self.require(abs(float(torch.sum(x)) - expected) <= 1e-3 * scale,
                                          "torch.sum differs from the double sum"))
        if self.cupy is not None:
            cx = self.cupy.asarray(x)
            self.measure("BM_cupy_sum", "2^28 floats", 4.0 * n, n, lambda: self.cupy.sum(cx),
                         lambda: self.require(abs(float(self.cupy.sum(cx)) - expected)
                                              <= 1e-3 * scale, "cupy.sum differs"))
            del cx
        del x
        data = torch.randint(0, 256, (n,), device="cuda", dtype=torch.uint8)
        counts = torch.bincount(data.long(), minlength=256)  # the check's reference, untimed
        self.measure("BM_torch_bincount", "2^28 bytes, uniform", float(n), n,
                     lambda: torch.bincount(data, minlength=256),
                     lambda: self.require(torch.equal(torch.bincount(data, minlength=256),
                                                      counts), "bincount differs"))
        del data
        m = 1 << 26
        pageable = torch.rand(m)
        pinned = pageable.pin_memory()
        device = torch.empty(m, device="cuda")
        for kind, host in (("pageable", pageable), ("pinned", pinned)):
            self.measure("BM_torch_upload/%s" % kind, "2^26 floats, %s" % kind, 4.0 * m, m,
                         lambda host=host: device.copy_(host),
                         lambda host=host: self.require(torch.equal(device.cpu(), host),
                                                        "upload differs"))

    # ---- chapter 4 -----------------------------------------------------------------------------

    def chapter4(self) -> None:
        torch = self.torch
        matmul = torch.backends.cuda.matmul
        for n in (1024, 2048, 4096, 8192):
            a = torch.rand(n, n, device="cuda") - 0.5
            b = torch.rand(n, n, device="cuda") - 0.5
            reference = (a[:64].double() @ b.double()).float()
            for precision, dtype, tf32 in (("fp32", torch.float32, False),
                                           ("tf32", torch.float32, True),
                                           ("fp16", torch.float16, False)):
                matmul.allow_tf32 = tf32
                left, right = a.to(dtype), b.to(dtype)
                tolerance = {"fp32": 1e-3, "tf32": 5e-2, "fp16": 5e-1}[precision]
                self.measure(
                    "BM_torch_matmul_%s/%d" % (precision, n), "%d^3, %s" % (n, precision),
                    0.0, 2.0 * n * n * n, lambda: left @ right,
                    lambda: self.require(
                        float(((left[:64] @ right).float() - reference).abs().max())
                        <= tolerance, "%s matmul differs from the FP64 product" % precision))
            matmul.allow_tf32 = False
            del a, b, reference


CHAPTERS = {2: "chapter2", 3: "chapter3", 4: "chapter4"}


def context(torch, cupy) -> Dict[str, object]:
    properties = torch.cuda.get_device_properties(0)
    libraries = "PyTorch %s" % torch.__version__
    if cupy is not None:
        libraries += ", CuPy %s" % cupy.__version__
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "executable": "benchmarks/peers.py", "host_name": platform.node(),
            "gpu_name": torch.cuda.get_device_name(0),
            "gpu_compute_capability": "%d.%d" % (properties.major, properties.minor),
            "gpu_sm_count": properties.multi_processor_count,
            "gpu_memory_mib": properties.total_memory // (1 << 20),
            "cuda_runtime": torch.version.cuda or "unknown",
            "course_exercises": "none: library peers", "peers": libraries}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Time PyTorch (and CuPy) on a chapter's "
                                                 "operations; Google Benchmark's JSON layout.")
    parser.add_argument("--chapter", type=int, required=True, choices=sorted(CHAPTERS))
    parser.add_argument("--out", required=True, help="the JSON file to write")
    arguments = parser.parse_args(argv)
    try:
        import torch
    except ImportError as error:
        print("peers: not measured: PyTorch cannot be imported (%s)" % error, file=sys.stderr)
        return NOT_MEASURED
    if not torch.cuda.is_available():
        print("peers: not measured: PyTorch sees no CUDA GPU", file=sys.stderr)
        return NOT_MEASURED
    try:
        import cupy
    except ImportError:
        cupy = None
    peers = Peers(torch, Timer(torch), cupy)
    peers.copy()
    getattr(peers, CHAPTERS[arguments.chapter])()
    with open(arguments.out, "w", encoding="utf-8") as f:
        json.dump({"context": context(torch, cupy), "benchmarks": peers.runs}, f, indent=1)
    errors = [run for run in peers.runs if run.get("error_occurred")]
    for run in peers.runs:
        print("peers: %-40s %s" % (run["name"], run.get("error_message") or
                                   "%.1f us" % run["real_time"]))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
