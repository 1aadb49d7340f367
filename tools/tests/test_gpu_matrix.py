"""The GPU matrix (tools/gpu_matrix.py): every required check reachable on every GPU of
tests/gpu_matrix.json, docs/gpu-matrix.md in step, and the test bites on today's unreachable values."""

import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gpu_matrix  # noqa: E402


class GpuMatrixTest(unittest.TestCase):
    def setUp(self):
        self.data = gpu_matrix.load()

    def test_the_project_passes_its_own_check(self):
        # Unreachable checks and a stale page both fail here, naming GPU, exercise and why.
        self.assertEqual(gpu_matrix.failures(self.data), [])
        self.assertEqual(gpu_matrix.main(["--check"]), 0)

    def test_every_gpu_is_a_row_of_published_peaks(self):
        # cc, SMs, FP32 and bandwidth come from published_peaks.cpp only: one source per figure.
        names = {gpu["name"]: gpu for gpu in self.data["gpus"]}
        self.assertEqual(len(names), 7)
        self.assertEqual(names["RTX 4090"]["fp32_tflops"], 82.6)
        self.assertEqual(names["T4"]["cc"], "7.5")
        self.assertEqual(names["H200"]["sms"], 132)

    def test_tf32_at_least_3x_fp32_fails_on_an_rtx_4090(self):
        data = copy.deepcopy(self.data)
        del data["requirements"]["kCublasTf32Share_4_5"]
        data["requirements"]["kTf32OverFp32_4_5"] = {"value": 3.0, "exercise": "4.5", "what": "old"}
        found = gpu_matrix.failures(data)
        self.assertTrue(any(f.startswith("RTX 4090, 4.5:") and "1.00x" in f for f in found), found)
        # The T4 has no TF32 at all: a TF32-over-FP32 ratio cannot hold there either.
        self.assertTrue(any(f.startswith("T4, 4.5:") for f in found), found)
        self.assertFalse(any(f.startswith("A100 80GB, 4.5") for f in found), found)

    def test_three_full_8_gib_arrays_fail_on_a_t4(self):
        data = copy.deepcopy(self.data)
        data["large_cases"]["1.2"] = {"outputs": 1, "mapped_inputs": 0, "full_inputs": 2}
        found = gpu_matrix.failures(data)
        self.assertTrue(any(f.startswith("T4, 1.2:") and "26.0 GiB" in f for f in found), found)
        self.assertFalse(any(f.startswith("H100 SXM, 1.2") for f in found), found)

    def test_a_tf32_check_required_without_tf32_fails(self):
        data = copy.deepcopy(self.data)
        data["requirements"]["kCublasTf32Share_4_6"]["not_applicable_without_tf32"] = False
        found = gpu_matrix.failures(data)
        self.assertEqual([f for f in found if f.startswith("T4, 4.6:")], found)
        self.assertEqual(len(found), 1)

    def test_a_share_with_no_room_for_noise_fails(self):
        data = copy.deepcopy(self.data)
        data["requirements"]["kShareOfCopy_1_5"]["value"] = 98.0
        self.assertEqual(len(gpu_matrix.failures(data)), 7)

    def test_fma_bounds_that_exclude_the_grader_fail(self):
        data = copy.deepcopy(self.data)
        data["requirements"]["kPeakAboveGraderAtMost_5_3"]["value"] = 1.02
        self.assertEqual(len(gpu_matrix.failures(data)), 7)

    def test_an_l2_too_small_for_the_smallest_side_fails(self):
        data = copy.deepcopy(self.data)
        data["gpus"][0]["l2_mib"] = 0.25  # side 256 at least: 512 KiB, more than 256 KiB
        found = gpu_matrix.failures(data)
        self.assertTrue(any(f.startswith("T4, 3.2:") for f in found), found)

    def test_a_requirement_the_model_does_not_know_is_an_error(self):
        data = copy.deepcopy(self.data)
        data["requirements"]["kSomethingNew"] = {"value": 1, "exercise": "9.9", "what": "?"}
        with self.assertRaisesRegex(ValueError, "kSomethingNew"):
            gpu_matrix.failures(data)

    def test_every_requirement_is_used_by_a_grader(self):
        # The graders read the generated constants (tests/CMakeLists.txt -> gpu_requirements.hpp):
        # a requirement no grader uses would be checked here while the grader kept a literal.
        sources = ""
        tests_dir = os.path.join(gpu_matrix.ROOT, "tests")
        for folder, _, files in os.walk(tests_dir):
            for name in files:
                if name.endswith((".cpp", ".cu", ".hpp")):
                    with open(os.path.join(folder, name), encoding="utf-8") as source:
                        sources += source.read()
        requirements = list(self.data["requirements"]) + ["kSomethingNew"]
        unused = [name for name in requirements if name not in sources]
        # A requirement that no grader reads is found (kSomethingNew stands for one).
        self.assertIn("kSomethingNew", unused)
        unused.remove("kSomethingNew")
        self.assertEqual(unused, [], "requirements of tests/gpu_matrix.json that no grader reads")

    def test_a_stale_page_is_reported(self):
        data = copy.deepcopy(self.data)
        data["gpus"][0]["memory_gb"] = 15
        with open(gpu_matrix.PAGE, encoding="utf-8") as page:
            self.assertNotEqual(page.read(), gpu_matrix.render(data))


if __name__ == "__main__":
    unittest.main()
