"""Unit tests of benchmarks/peers.py's parts that need no GPU: python3 -m unittest discover -s
benchmarks/tests"""

import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peers  # noqa: E402


class RunEntryTest(unittest.TestCase):
    def test_rates_and_share_of_the_copy(self):
        entry = peers.run_entry("BM_torch_sum", "2^28 floats", 0.5, 1e9, 2.5e8, 4e12)
        self.assertEqual(entry["name"], "BM_torch_sum/manual_time")
        self.assertAlmostEqual(entry["real_time"], 500.0)
        self.assertEqual(entry["time_unit"], "us")
        self.assertAlmostEqual(entry["bytes_per_second"], 2e12)
        self.assertAlmostEqual(entry["items_per_second"], 5e11)
        self.assertAlmostEqual(entry["pct_of_copy"], 50.0)
        self.assertNotIn("error_occurred", entry)

    def test_an_error_is_a_run_without_rates(self):
        entry = peers.run_entry("BM_torch_bincount", "2^28 bytes", None, 1e9, 1e9, 4e12,
                                "RuntimeError: not implemented for 'Byte'")
        self.assertTrue(entry["error_occurred"])
        self.assertIn("not implemented", entry["error_message"])
        self.assertNotIn("bytes_per_second", entry)


class FakeEvent:
    clock = 0.0

    def __init__(self, enable_timing=False):
        self.at = None

    def record(self):
        FakeEvent.clock += 1.0
        self.at = FakeEvent.clock

    def synchronize(self):
        pass

    def elapsed_time(self, other):
        return other.at - self.at


class TimerTest(unittest.TestCase):
    def test_warm_up_then_the_median_of_the_repetitions(self):
        calls = []
        torch = mock.Mock()
        torch.cuda.Event = FakeEvent
        timer = peers.Timer(torch, warmup=2, repetitions=5)
        self.assertEqual(timer.median_ms(lambda: calls.append(1)), 1.0)
        self.assertEqual(len(calls), 7)
        torch.cuda.synchronize.assert_called()


class WithoutTorchTest(unittest.TestCase):
    def test_not_measured_without_pytorch(self):
        with mock.patch.dict(sys.modules, {"torch": None}), \
                tempfile.TemporaryDirectory() as directory:
            out = os.path.join(directory, "peers-3.json")
            self.assertEqual(peers.main(["--chapter", "3", "--out", out]), peers.NOT_MEASURED)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
