"""Unit tests of the object-file gate (tools/course_inspect.py): tiny C++ files compiled with g++
(and one CUDA file with nvcc, where there is one) into objects, each rule shown to fire on what it
forbids and to stay quiet on what the course's own files do. No GPU, no build of the course.
python3 -m unittest discover -s tools/tests"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course  # noqa: E402
import course_inspect  # noqa: E402
from fixtures import write  # noqa: E402

HAVE_GNU = all(shutil.which(tool) for tool in ("g++", "objdump", "c++filt"))
NVCC = shutil.which("nvcc") or (
    "/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None)
CUDA_INCLUDE = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(NVCC))), "include") \
    if NVCC else None

INTERFACE = """\
    #pragma once
    namespace chapter9 {
    float add(float a, float b);
    }  // namespace chapter9
"""

# name -> C++ source. Each compiles on its own with g++ -c; none is ever run.
SOURCES = {
    # What exercise files do: the chapter's functions, helpers of one's own (file-local, global,
    # in a namespace of one's own), the standard library, printing, reading the environment,
    # static objects with destructors, a function-local static, inline course:: helpers.
    "clean": """
        #include <cstdio>
        #include <cstdlib>
        #include <stdexcept>
        #include <string>
        #include <vector>
        #include "chapter9.hpp"
        namespace course { inline int twice(int x) { return 2 * x; } }
        namespace { float helper(float x) { return x * 2.0f; } }
        float global_helper(float x) { return x + 1.0f; }
        namespace mine { float scale(float x) { return x * 3.0f; } }
        static std::vector<float> table(16, 1.0f);
        int calls_so_far = 0;  // a global variable: C++ gives it a plain, unmangled name
        namespace chapter9 {
        float add(float a, float b) {
          static std::string label = "add";
          if (std::getenv("CHAPTER9_VERBOSE")) std::printf("%s\\n", label.c_str());
          if (a != a) throw std::invalid_argument("a is NaN");
          ++calls_so_far;
          return helper(a) + global_helper(b) + mine::scale(table[0]) + course::twice(1);
        }
        }  // namespace chapter9
    """,
    "exit_in_static_initialiser": """
        #include <cstdlib>
        float peak() { return 1.0f; }
        namespace { struct Cheat { Cheat() { std::exit(0); } } cheat; }
    """,
    "runs_before_the_grader": """
        #include <cstdio>
        // A constructor with a priority runs before the grader's own (priority 101), where it
        // could take the verdict channel; .preinit_array runs before every constructor.
        __attribute__((constructor(101))) static void early() { std::puts("first"); }
        static void before_all() { std::puts("before all"); }
        __attribute__((section(".preinit_array"), used)) static void (*preinit)() = before_all;
    """,
    "plain_constructor": """
        #include <cstdio>
        #include <vector>
        static std::vector<int> table(3);  // a static initialiser: runs after the grader's
        __attribute__((constructor)) static void later() { std::puts("after the grader's"); }
        int size() { return static_cast<int>(table.size()); }
    """,
    "exit_family": """
        #include <cstdlib>
        #include <unistd.h>
        #include <pthread.h>
        static void bye() {}
        void quit(int how) {
          if (how == 0) std::quick_exit(0);
          if (how == 1) _exit(0);
          if (how == 2) std::_Exit(0);
          if (how == 3) std::atexit(bye);
          if (how == 4) std::at_quick_exit(bye);
          if (how == 5) pthread_exit(nullptr);
        }
    """,
    "exit_through_a_pointer": """
        #include <cstdlib>
        void (*later_on)(int) = std::exit;  // called by the file's code some time later
    """,
    "exit_one_by_hand": """
        #include <cstdlib>
        // The shape of nvcc's host body for a __device__ function, written by hand: exit(1) ends
        // the process with a failure, so the gate lets it be.
        void device_only() { volatile int one = 1; std::exit(one); }
    """,
    "processes": """
        #include <cstdlib>
        #include <unistd.h>
        #include <csignal>
        void start(char* const* argv) {
          if (fork() == 0) { setsid(); execv("/bin/sh", argv); }
          std::system("touch /tmp/x");
          kill(getppid(), SIGKILL);
        }
    """,
    "files_and_descriptors": """
        #include <cstdio>
        #include <fcntl.h>
        #include <unistd.h>
        void forge() {
          std::FILE* note = std::fopen("note.txt", "w");
          std::fputs("PASS", note);
          int fd = open("junit.xml", O_WRONLY);
          write(fd, "x", 1);
          dup2(fd, 1);
        }
    """,
    "file_streams": """
        #include <filesystem>
        #include <fstream>
        void forge() {
          std::ofstream out("course-junit.xml");
          out << "<testsuite failures=\\"0\\"/>";
          std::filesystem::remove("notes.txt");
        }
    """,
    "environment": """
        #include <cstdlib>
        #include <unistd.h>
        void change() { setenv("COURSE_NOTE_FILE", "/tmp/x", 1); putenv(const_cast<char*>("A=1")); }
        char** where() { return environ; }
    """,
    "loading": """
        #include <dlfcn.h>
        void* find() { return dlsym(dlopen("libcudart.so", RTLD_NOW), "cudaEventElapsedTime"); }
    """,
    "signals_and_maps": """
        #include <csignal>
        #include <sys/mman.h>
        static void handler(int) {}
        void set_up() {
          std::signal(SIGSEGV, handler);
          void* page = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
          mprotect(page, 4096, PROT_READ | PROT_EXEC);
        }
    """,
    "syscalls": """
        #include <sys/prctl.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        long raw() { prctl(PR_SET_DUMPABLE, 0); return syscall(SYS_getpid); }
    """,
    "syscall_instruction": """
        long bare_exit() {
          long result;
          asm volatile("syscall" : "=a"(result) : "a"(60), "D"(0) : "rcx", "r11", "memory");
          return result;
        }
    """,
    "device_reset": """
        extern "C" int cudaDeviceReset();
        void clean_up() { cudaDeviceReset(); }
    """,
    "grader_internals": """
        namespace Catch { struct ResultBuilder { static void pass(); }; }
        namespace course { namespace grading { void launch_recorder_off(); } }
        namespace chapter9_grading { void reference(); }
        void cheat() {
          Catch::ResultBuilder::pass();
          course::grading::launch_recorder_off();
          chapter9_grading::reference();
        }
    """,
    "cupti": """
        extern "C" int cuptiActivityEnable(int kind);
        extern "C" int cuptiActivityDisable(int kind) { (void)kind; return 0; }
        int turn_on() { return cuptiActivityEnable(10); }
    """,
    "replaces_c_functions": """
        #include <ctime>
        struct CUevent_st;
        extern "C" int cudaEventElapsedTime(float* ms, CUevent_st*, CUevent_st*) {
          *ms = 0.001f;
          return 0;
        }
        extern "C" int clock_gettime(clockid_t, struct timespec* now) {
          now->tv_sec = 0;
          now->tv_nsec = 0;
          return 0;
        }
        extern "C" __attribute__((weak)) int gettimeofday(struct timeval*, void*) { return 0; }
        #include <cstdio>
        std::FILE* stdout_copy = nullptr;
        extern "C" { std::FILE* stdout = nullptr; }
        // A symbol defined in assembly has no type: a function all the same.
        asm(".globl time\\n time: xor %eax, %eax\\n ret\\n");
    """,
    "replaces_cpp_functions": """
        #include <cstddef>
        #include <cstdlib>
        #include <new>
        #include <vector>
        namespace course {
        struct Tolerance { double atol, rtol; };
        struct Comparison { std::size_t count = 0; };
        Comparison compare_close(const std::vector<float>& actual, const std::vector<double>&,
                                 Tolerance) { return Comparison{actual.size()}; }
        }  // namespace course
        namespace std { int probe_of_the_gate() { return 1; } }
        namespace chapter9_grading { double reference(double x) { return x; } }
        void* operator new(std::size_t bytes) { return std::malloc(bytes); }
        int cudaMalloc(float** p, unsigned long) { *p = nullptr; return 0; }
    """,
    "impersonates_generated_names": """
        // nvcc's names for another file's kernel: its launch stub, its anonymous namespace.
        void __device_stub__Z22launch_recorder_probePi(int*) {}
        namespace _GLOBAL__N__0e51a4b4_24_launch_recorder_probe_cu_ad26ecfb {
        void course_launch_recorder_probe(int*) {}
        }
    """,
    "calls_cublas": """
        extern "C" int cublasCreate_v2(void** handle);
        extern "C" int cublasSgemm_v2(void*, int, int, int, int, int, const float*, const float*,
                                      int, const float*, int, const float*, float*, int);
        void sgemm_fast(int n, const float* a, const float* b, float* c) {
          void* handle = nullptr;
          const float one = 1.0f, zero = 0.0f;
          cublasCreate_v2(&handle);
          cublasSgemm_v2(handle, 0, 0, n, n, n, &one, b, n, a, n, &zero, c, n);
        }
    """,
    "calls_cub_and_thrust": """
        namespace cub { struct DeviceReduce { static int Sum(void*, unsigned long&, const float*,
                                                              float*, int); }; }
        namespace thrust { namespace cuda_cub { int par(); }
        template <class T> __attribute__((noinline)) int transform(T op) {
          return op(1) + cuda_cub::par();
        } }
        namespace { struct Twice { int operator()(int x) const { return 2 * x; } }; }
        int sum_fast(const float* x, float* result, int n) {
          unsigned long bytes = 0;
          return cub::DeviceReduce::Sum(nullptr, bytes, x, result, n);
        }
        int saxpy(int) { return thrust::transform(Twice{}); }
    """,
    "uses_nvtx": """
        #include <nvtx3/nvToolsExt.h>
        void stage() { nvtxRangePushA("stage"); nvtxRangePop(); }
    """,
    "cuda_file": """
        #include <cstdio>
        namespace { __device__ float twice(float x) { return 2 * x; } }
        __device__ float thrice(float x) { return 3 * x; }
        __global__ void scale(float* p) { p[0] = twice(p[0]) + thrice(p[1]); }
        extern "C" __global__ void scale_c(float* p) { p[0] = 0; }
        namespace chapter9 {
        float add(float a, float b) {
          scale<<<1, 1>>>(nullptr);
          scale_c<<<1, 1>>>(nullptr);
          return a + b;
        }
        }  // namespace chapter9
    """,
}
CUDA_SOURCES = ("cuda_file",)
NVTX_SOURCES = ("uses_nvtx",)

SCRATCH = None
OBJECTS = {}  # name -> object file, or the compiler's complaint


def _compile(name, scratch):
    cuda = name in CUDA_SOURCES
    source = write(scratch, name + (".cu" if cuda else ".cpp"), SOURCES[name])
    output = os.path.join(scratch, name + ".o")
    if cuda:
        command = [NVCC, "-O3", "-std=c++17", "-I", scratch, "-c", source, "-o", output]
    else:
        command = ["g++", "-O2", "-std=c++17", "-I", scratch, "-c", source, "-o", output]
        if name in NVTX_SOURCES:
            command[3:3] = ["-I", CUDA_INCLUDE or "/usr/local/cuda/include"]
        if name == "clean":
            command[1] = "-O0"  # keeps the inline course:: helper as a weak definition
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    return name, output if done.returncode == 0 else "FAILED: " + done.stdout


def setUpModule():
    global SCRATCH
    if not HAVE_GNU:
        return
    SCRATCH = tempfile.TemporaryDirectory(prefix="course-inspect-test-")
    write(SCRATCH.name, "chapter9.hpp", INTERFACE)
    names = [n for n in SOURCES if n not in CUDA_SOURCES or NVCC]
    if not (CUDA_INCLUDE and os.path.exists(os.path.join(CUDA_INCLUDE, "nvtx3"))):
        names = [n for n in names if n not in NVTX_SOURCES]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        OBJECTS.update(dict(pool.map(lambda n: _compile(n, SCRATCH.name), names)))


def tearDownModule():
    if SCRATCH is not None:
        SCRATCH.cleanup()


def gate(name, source="chapters/09-demo/demo.cpp", forbid=()):
    """The gate's lines for the object compiled from SOURCES[name]."""
    built = OBJECTS.get(name)
    if built is None:
        raise unittest.SkipTest("%s needs a compiler this machine lacks" % name)
    if built.startswith("FAILED"):
        raise AssertionError("the test file %s did not compile:\n%s" % (name, built))
    return course_inspect.inspect([(built, source)], os.path.join(SCRATCH.name, "chapter9.hpp"),
                                  list(forbid))


@unittest.skipUnless(HAVE_GNU, "needs g++ and binutils (objdump, c++filt)")
class GateTest(unittest.TestCase):
    def assertFinds(self, lines, *patterns):
        for pattern in patterns:
            self.assertTrue(any(re.search(pattern, line) for line in lines),
                            "no line matches %r in:\n%s" % (pattern, "\n".join(lines)))

    def test_what_exercise_files_do_passes(self):
        self.assertEqual(gate("clean", forbid=["cublas", "cub", "thrust", "cutlass"]), [])

    def test_exit_in_a_static_initialiser(self):
        lines = gate("exit_in_static_initialiser", "chapters/01-vector-add/peak.cpp")
        self.assertEqual(lines, ["chapters/01-vector-add/peak.cpp calls exit: an exercise file "
                                 "may not end the grading process"])

    def test_code_that_runs_before_the_grader(self):
        lines = gate("runs_before_the_grader")
        self.assertFinds(lines, r"^chapters/09-demo/demo\.cpp runs code before the grader starts "
                                r"\(section \.init_array\.00101, \.preinit_array: ")

    def test_plain_constructors_and_static_initialisers_pass(self):
        self.assertEqual(gate("plain_constructor"), [])

    def test_the_whole_exit_family(self):
        lines = gate("exit_family")
        for name in ("quick_exit", "_exit", "_Exit", "atexit", "at_quick_exit", "pthread_exit"):
            self.assertFinds(lines, r"^chapters/09-demo/demo\.cpp calls %s: an exercise file may "
                                    r"not end the grading process$" % name)

    def test_exit_through_a_function_pointer(self):
        self.assertEqual(gate("exit_through_a_pointer"),
                         ["chapters/09-demo/demo.cpp calls exit: an exercise file may not end "
                          "the grading process"])

    def test_exit_one_shaped_like_nvcc_output_is_let_be(self):
        # exit(1) fails the test anyway; exit(0) (above) never passes.
        self.assertEqual(gate("exit_one_by_hand"), [])

    def test_processes(self):
        lines = gate("processes")
        for name in ("fork", "setsid", "execv", "system", "kill"):
            self.assertFinds(lines, r"calls %s: an exercise file may not (start or control "
                                    r"processes|send or handle signals)" % name)

    def test_files_and_descriptors(self):
        lines = gate("files_and_descriptors")
        for name in ("fopen", "open", "write", "dup2"):
            self.assertFinds(lines, r"calls %s: an exercise file may not open, write or remove "
                                    r"files" % name)
        self.assertFalse(any("fputs" in line for line in lines), lines)

    def test_file_streams_and_filesystem(self):
        lines = gate("file_streams")
        self.assertFinds(lines, r"uses std::basic_ofstream.*: an exercise file may not open",
                         r"uses std::filesystem::.*remove.*: an exercise file may not open")

    def test_environment(self):
        lines = gate("environment")
        for name in ("setenv", "putenv", "environ"):
            self.assertFinds(lines, r"(calls|uses) %s: an exercise file may not change the "
                                    r"environment" % name)

    def test_loading_code(self):
        lines = gate("loading")
        self.assertFinds(lines, r"calls dlopen: an exercise file may not load code",
                         r"calls dlsym: an exercise file may not load code")

    def test_signals_and_memory_maps(self):
        lines = gate("signals_and_maps")
        self.assertFinds(lines, r"calls signal: an exercise file may not send or handle signals",
                         r"calls mmap: an exercise file may not map memory",
                         r"calls mprotect: an exercise file may not map memory")

    def test_raw_system_calls(self):
        lines = gate("syscalls")
        self.assertFinds(lines, r"calls syscall: an exercise file may not make raw system calls",
                         r"calls prctl: an exercise file may not make raw system calls")

    def test_syscall_instruction_in_host_code(self):
        lines = gate("syscall_instruction")
        self.assertEqual(lines, ["chapters/09-demo/demo.cpp makes a raw system call (syscall) in "
                                 "bare_exit: an exercise file may not make raw system calls"])

    def test_device_reset(self):
        self.assertEqual(gate("device_reset"),
                         ["chapters/09-demo/demo.cpp calls cudaDeviceReset: an exercise file may "
                          "not reset the device: the grader's memory, timers and launch recorder "
                          "live on it"])

    def test_test_framework_and_grader_internals(self):
        lines = gate("grader_internals")
        self.assertFinds(lines, r"uses Catch::ResultBuilder::pass: an exercise file may not use "
                                r"the test framework's internals",
                         r"uses course::grading::launch_recorder_off: an exercise file may not "
                         r"use the grader's own code",
                         r"uses chapter9_grading::reference: .* the grader's own code")

    def test_cupti_called_and_defined(self):
        lines = gate("cupti")
        self.assertFinds(lines, r"calls cuptiActivityEnable: an exercise file may not use CUPTI",
                         r"defines cuptiActivityDisable with C linkage: it would replace CUPTI's")

    def test_c_functions_replaced(self):
        lines = gate("replaces_c_functions")
        self.assertFinds(lines, r"defines cudaEventElapsedTime with C linkage: it would replace "
                                r"the CUDA runtime's",
                         r"defines clock_gettime with C linkage: it would replace the C "
                         r"library's",
                         r"defines gettimeofday with C linkage",  # weak, and still it wins
                         r"defines the variable stdout: the name belongs to the C library's",
                         r"defines time with C linkage")
        self.assertFalse(any("stdout_copy" in line for line in lines), lines)

    def test_cpp_functions_replaced(self):
        lines = gate("replaces_cpp_functions")
        self.assertFinds(lines, r"defines course::compare_close: it would replace the course "
                                r"library's \(common/\) function of that name in the grader "
                                r"\(an exercise file defines its own functions and those of "
                                r"namespace chapter9, none of namespace course\)",
                         r"defines std::probe_of_the_gate: it would replace the C\+\+ standard "
                         r"library's",
                         r"defines chapter9_grading::reference: it would replace the grader's",
                         r"defines the global operator new: it would replace",
                         r"defines cudaMalloc: the name belongs to the CUDA libraries")

    def test_generated_names_of_another_file(self):
        lines = gate("impersonates_generated_names")
        self.assertFinds(lines, r"defines __device_stub__Z22launch_recorder_probePi, nvcc's "
                                r"launch stub of a kernel it does not define",
                         r"defines .*course_launch_recorder_probe in the anonymous namespace of "
                         r"another file \(launch_recorder_probe_cu\)")

    def test_interface_header_cannot_open_a_protected_namespace(self):
        header = write(SCRATCH.name, "sneaky/chapter9.hpp", """\
            #pragma once
            namespace course { class Stream; }
            namespace chapter9 { float add(float a, float b); }
        """)
        lines = course_inspect.inspect([(OBJECTS["replaces_cpp_functions"], "demo.cpp")], header,
                                       [])
        self.assertFinds(lines, r"defines course::compare_close: .*namespace chapter9, none of "
                                r"namespace course")

    def test_cublas_forbidden(self):
        lines = gate("calls_cublas", "chapters/04-matmul/matmul_fast.cu", ["cublas", "cub"])
        self.assertEqual(lines, ["chapters/04-matmul/matmul_fast.cu calls cublasSgemm_v2 and "
                                 "cublasCreate_v2 (cuBLAS): exercise 4.4 asks for a kernel of "
                                 "your own"])
        # The exercise comes from the declarations: the folder and file the student sees, or
        # the chapter's number (a known-wrong variant's generated copy).
        lines = gate("calls_cublas", "build/tests/wrong/chapter4/x/matmul_fast.cu", ["cublas"])
        self.assertFinds(lines, r"exercise 4\.4 asks for a kernel of your own$")
        lines = gate("calls_cublas", "somewhere/else.cu", ["cublas"])
        self.assertFinds(lines, r"calls .*\(cuBLAS\): the exercise graded here asks for a kernel "
                                r"of your own$")

    def test_libraries_only_where_forbidden(self):
        self.assertEqual(gate("calls_cublas"), [])
        self.assertEqual(gate("calls_cub_and_thrust"), [])

    def test_cub_and_thrust_each_where_called(self):
        lines = gate("calls_cub_and_thrust", "chapters/03-memory/reduction.cu", ["cub", "thrust"])
        self.assertEqual(len(lines), 2, lines)
        self.assertFinds(lines, r"^chapters/03-memory/reduction\.cu calls cub::DeviceReduce::Sum "
                                r"\(CUB\): exercise 3\.3 asks for a kernel of your own$",
                         # thrust::transform<(anonymous)::Twice> is a local symbol: it counts.
                         r"calls thrust::transform \(Thrust\)")
        # thrust::cuda_cub:: is Thrust's, not CUB's.
        only_cub = gate("calls_cub_and_thrust", forbid=["cub"])
        self.assertEqual(len(only_cub), 1, only_cub)
        self.assertIn("cub::DeviceReduce::Sum", only_cub[0])

    def test_nvtx_header_code_passes(self):
        self.assertEqual(gate("uses_nvtx"), [])

    @unittest.skipUnless(NVCC, "needs nvcc")
    def test_cuda_file(self):
        # nvcc's registration calls atexit, a __device__ function's host body calls exit(1):
        # both pass. A kernel with C linkage has a C name of its own, which could be a C
        # library's: it does not.
        self.assertEqual(gate("cuda_file", "chapters/09-demo/cuda_file.cu",
                              ["cublas", "cub", "thrust"]),
                         ['chapters/09-demo/cuda_file.cu defines scale_c with C linkage: it would '
                          'replace the C library\'s (or the grader\'s) function or variable of '
                          'that name for the whole grader (an exercise file defines C++ '
                          'functions only: no extern "C")'])


@unittest.skipUnless(HAVE_GNU, "needs g++ and binutils (objdump, c++filt)")
class BadInputTest(unittest.TestCase):
    def test_missing_interface_header(self):
        with self.assertRaisesRegex(course_inspect.InspectError, "does not exist"):
            course_inspect.inspect([], "/nonexistent/chapter9.hpp", [])

    def test_unknown_family(self):
        with self.assertRaisesRegex(course_inspect.InspectError, "unknown library family "
                                    "cublass .*cublas, cub, thrust, cutlass"):
            course_inspect.inspect([], os.path.join(SCRATCH.name, "chapter9.hpp"), ["cublass"])

    def test_an_object_that_cannot_be_read_is_not_graded(self):
        junk = write(SCRATCH.name, "junk.o", "not an object\n")
        lines = course_inspect.inspect([(junk, "chapters/09-demo/demo.cpp")],
                                       os.path.join(SCRATCH.name, "chapter9.hpp"), [])
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^chapters/09-demo/demo\.cpp: its object file .*junk\.o could "
                                   r"not be inspected \(.*\): it cannot be graded$")

    def test_link_time_optimisation_bytecode_is_not_graded(self):
        source = write(SCRATCH.name, "lto.cpp", "int forty_two() { return 42; }\n")
        output = os.path.join(SCRATCH.name, "lto.o")
        subprocess.run(["g++", "-flto", "-c", source, "-o", output], check=True)
        lines = course_inspect.inspect([(output, "demo.cpp")],
                                       os.path.join(SCRATCH.name, "chapter9.hpp"), [])
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("link-time-optimisation bytecode", lines[0])

    def test_command_line(self):
        header = os.path.join(SCRATCH.name, "chapter9.hpp")
        script = course_inspect.__file__

        def run(*arguments):
            return subprocess.run([sys.executable, script] + list(arguments),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True, check=False)

        clean = run("--interface", header, "--forbid", "cublas,cub",
                    "--object", OBJECTS["clean"] + "=chapters/09-demo/demo.cpp")
        self.assertEqual((clean.returncode, clean.stdout), (0, ""))
        cheat = run("--interface", header, "--object",
                    OBJECTS["exit_in_static_initialiser"] + "=chapters/01-vector-add/peak.cpp")
        self.assertEqual(cheat.returncode, 1)
        self.assertEqual(cheat.stdout, "chapters/01-vector-add/peak.cpp calls exit: an exercise "
                                       "file may not end the grading process\n")
        missing = run("--interface", header, "--object", "/nonexistent.o=x.cpp")
        self.assertEqual(missing.returncode, 2)
        self.assertIn("the object file /nonexistent.o does not exist", missing.stderr)
        no_source = run("--interface", header, "--object", OBJECTS["clean"])
        self.assertEqual(no_source.returncode, 2)
        self.assertIn("--object takes OBJECT=SOURCE", no_source.stderr)
        bad_family = run("--interface", header, "--forbid", "blas",
                         "--object", OBJECTS["clean"] + "=x.cpp")
        self.assertEqual(bad_family.returncode, 2)
        self.assertIn("unknown library family blas", bad_family.stderr)


class NamesTest(unittest.TestCase):
    def test_scope_of_mangled_names(self):
        cases = {
            "_ZN6course13compare_closeERKSt6vectorIfSaIfEERKS0_IdSaIdEENS_9ToleranceE":
                ["course", "compare_close"],
            "_ZNSt6chrono3_V212steady_clock3nowEv": ["std", "chrono", "_V2", "steady_clock",
                                                     "now"],
            "_ZTVN6course1XE": ["course", "X"],
            "_ZZN6course3fooEvE1x": ["course", "foo"],
            "_ZGVZN6course3fooEvE1x": ["course", "foo"],
            "_ZThn8_N6course1X1fEv": ["course", "X", "f"],
            "_Znwm": ["", "operator new"],
            "_ZdlPv": ["", "operator delete"],
            "_Z20cudaEventElapsedTimePfP10CUevent_stS1_": ["", "cudaEventElapsedTime"],
            "_ZN5Catch10getCurrentEv": ["Catch", "getCurrent"],
            "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE6appendEPKc":
                ["std", "__cxx11", "basic_string"],
            "_ZNK8chapter41XclEv": ["chapter4", "X"],
        }
        for mangled, scope in cases.items():
            self.assertEqual(course_inspect.scope_of(mangled)[:len(scope)], scope, mangled)

    def test_short_names(self):
        def short(demangled):
            symbol = course_inspect.Symbol("_Zx", "global", False, ".text", 0, 0, "F")
            symbol.demangled = demangled
            return course_inspect.short_name(symbol)

        self.assertEqual(short("cudaError cub::CUB_300001_SM_750::DeviceReduce::Sum<float*, "
                               "float*, int>(void*, unsigned long&, float*, float*, int, "
                               "CUstream_st*)"), "cub::DeviceReduce::Sum")
        self.assertEqual(short("course::Comparison::summary[abi:cxx11]() const"),
                         "course::Comparison::summary")
        self.assertEqual(short("(anonymous namespace)::Cheat::Cheat()"),
                         "(anonymous namespace)::Cheat::Cheat")
        self.assertEqual(short("chapter4::X::operator()(int) const"), "chapter4::X::operator()")
        self.assertEqual(short("operator new(unsigned long)"), "operator new")
        self.assertEqual(short("vtable for course::X"), "vtable for course::X")


class DeclarationTest(unittest.TestCase):
    def test_forbid_families_agree_everywhere(self):
        with open(os.path.join(course.ROOT, "cmake", "CourseDeclaration.cmake"),
                  encoding="utf-8") as handle:
            cmake = re.search(r"set\(COURSE_FORBID_FAMILIES ([^)]*)\)", handle.read())
        self.assertIsNotNone(cmake)
        self.assertEqual(sorted(cmake.group(1).split()), sorted(course_inspect.FAMILIES))
        self.assertEqual(sorted(course.FORBID_FAMILIES), sorted(course_inspect.FAMILIES))

    def test_read_declaration_takes_forbid(self):
        with tempfile.TemporaryDirectory() as root:
            text = ("chapter: 7\ndirectory: 07-demo\ntitle: Demo\n\nexercise: 7.1\ntitle: One\n"
                    "file: one.cu\ngraders: grade_one.cpp\ntests: correctness\n"
                    "forbid: cublas, cub thrust\npoints: 5\n\nexercise: 7.2\ntitle: Two\n"
                    "file: two.cu\ngraders: grade_two.cpp\ntests: correctness\npoints: 5\n")
            chapter = course.read_declaration(write(root, "tests/chapter7/exercises.txt", text))
            self.assertEqual(chapter.exercises[0].forbid, ["cublas", "cub", "thrust"])
            self.assertEqual(chapter.exercises[1].forbid, [])
            path = write(root, "tests/chapter8/exercises.txt",
                         text.replace("chapter: 7", "chapter: 8").replace("cub thrust", "blas"))
            with self.assertRaisesRegex(course.CourseError, r"exercises\.txt:10: 'forbid:' names "
                                                            r"library families, .* not 'blas'"):
                course.read_declaration(path)

    def test_the_course_forbids_libraries_where_a_lesson_asks_for_a_kernel(self):
        forbid = {e.id: e.forbid for c in course.read_chapters() for e in c.exercises}
        for kernel_exercise in ("1.2", "1.5", "2.1", "3.2", "3.3", "4.4", "4.6", "5.3"):
            self.assertTrue({"cublas", "cub", "thrust"} <= set(forbid[kernel_exercise]),
                            kernel_exercise)
        for library_exercise in ("2.5", "4.5"):  # Thrust, and cuBLAS, are the lesson
            self.assertEqual(forbid[library_exercise], [], library_exercise)


if __name__ == "__main__":
    unittest.main()
