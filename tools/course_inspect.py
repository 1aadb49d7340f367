"""The object-file gate: a static look at a student's compiled exercise files before a grader runs.

A grader executable links the student's objects, so the student's code runs inside the grading
process: a static initialiser runs before the first test, a same-named symbol replaces the
grader's helper or a library function, and a library call can stand in for the kernel that the
exercise asks for. This module reads the objects with binutils (objdump, c++filt), runs none of
their code, and names every such thing it finds, one line each:

    chapters/01-vector-add/peak.cpp calls exit: an exercise file may not end the grading process

The course's supervisor (tools/course_supervise.py) calls inspect() before every grader run and
refuses to run the grader when a line comes back. By hand:

    python3 tools/course_inspect.py --interface chapters/04-matmul/chapter4.hpp --forbid cublas \\
        --object build/.../matmul_fast.cu.o=chapters/04-matmul/matmul_fast.cu

exits 1 when it finds something (the lines on stdout), 2 on bad input, 0 otherwise.

The rules (every solution and every skeleton passes them; tools/tests/test_course_inspect.py
proves each one fires and does not misfire):
  1. References (undefined symbols) on a deny list: ending the process (exit, quick_exit, _exit,
     atexit, pthread_exit...), starting or controlling processes (fork, exec*, system, setsid,
     kill...), files and file descriptors (open, fopen, write, dup2, std::ofstream,
     std::filesystem...), setting the environment, loading code (dlopen, dlsym, the CUDA
     driver's entry points), signals, mapping memory, raw system calls (syscall, ptrace, prctl),
     resetting the device, CUPTI, the test framework (Catch::) and the grader's own code
     (course::grading::, chapterN_grading::). A reference from data (a function pointer) counts.
     The code that nvcc and the CUDA headers generate is told apart by where the reference comes
     from: nvcc's registration function may call atexit, NVTX3's loader (weak, hidden) may call
     dlopen and dlsym, and the host body nvcc writes for a __device__ function may call exit(1).
  2. Definitions: no C-linkage function (a C name replaces the C library's, the CUDA runtime's,
     CUPTI's or cuBLAS's function for the whole grader: with a shared runtime, even a weak one
     wins), no variable with a C library's or a reserved name, no strong C++ definition in the
     course library's, the grader's, the test framework's or a standard or CUDA library's
     namespace, nor a global operator new or delete, nor nvcc's names for another file's kernels
     (a launch stub without its kernel, another file's anonymous namespace). The chapter's own
     namespace (the interface header's) is the student's.
  3. No raw system-call instruction (syscall, sysenter, int $0x80) in host code.
  4. Forbidden libraries (an exercise's `forbid:` line): cublas (a cublas* function, or the
     course's cuBLAS helpers), cub, thrust, cutlass (any symbol of that namespace, local ones
     included: a template instantiated with a file's own type is local), reported where the
     file's own code calls them.
  An object it cannot read (or link-time-optimisation bytecode) is a problem too: it fails closed.

What it cannot see (the threat model in docs/classroom.md): device code (a kernel's body is in the
fatbinary, not in the host object), deliberate memory corruption through pointers (overwriting
the grader's data, the C library's FILE structures, a return address), functions reached through
an address computed without naming them, instructions hidden from a linear disassembly (a jump
into the middle of another instruction), an inline function or template defined twice with
different bodies (weak definitions, NVTX3's loader included: the linker keeps one), what the
file prints (forged text on stdout), and what the grader itself does with the student's results.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class InspectError(Exception):
    """The gate could not do its work (a missing tool, a missing header, an unknown library
    family): a problem of the set-up, not of the student's code. The caller must not grade."""


# ---- what is not allowed -----------------------------------------------------------------------

ENDS_PROCESS = "an exercise file may not end the grading process"
PROCESSES = "an exercise file may not start or control processes"
FILES = ("an exercise file may not open, write or remove files, nor write to file descriptors: "
         "the grader alone writes results")
ENVIRONMENT = "an exercise file may not change the environment"
LOADING = "an exercise file may not load code at run time"
SIGNALS = "an exercise file may not send or handle signals"
MEMORY_MAPS = "an exercise file may not map memory or change its protection"
SYSCALLS = "an exercise file may not make raw system calls"
PROFILER = "an exercise file may not use CUPTI or the profiler: the grader's launch recorder does"
FRAMEWORK = "an exercise file may not use the test framework's internals"
DEVICE_RESET = ("an exercise file may not reset the device: the grader's memory, timers and "
                "launch recorder live on it")
GRADER = "an exercise file may not use the grader's own code"

_DENIED_NAMES = {
    ENDS_PROCESS: """exit _exit _Exit quick_exit at_quick_exit atexit on_exit pthread_exit thrd_exit
        pthread_cancel __cxa_finalize __libc_start_main""",
    PROCESSES: """fork vfork _Fork __fork clone clone3 __clone execl execle execlp execv execve
        execvp execvpe execveat fexecve posix_spawn posix_spawnp system popen pclose daemon setsid
        setpgid setpgrp unshare setns chroot pidfd_open pidfd_send_signal process_vm_readv
        process_vm_writev forkpty openpty login_tty setuid setgid seteuid setegid setreuid
        setregid setresuid setresgid prlimit prlimit64 setrlimit setrlimit64""",
    FILES: """open open64 openat openat64 __open_2 __open64_2 __openat_2 __openat64_2 creat creat64
        fopen fopen64 freopen freopen64 fdopen fclose close close_range closefrom write writev
        pwrite pwrite64 pwritev pwritev2 __write_chk dprintf vdprintf __dprintf_chk
        __vdprintf_chk send sendto sendmsg sendmmsg socket socketpair connect bind listen accept
        accept4 pipe pipe2 dup dup2 dup3 fcntl fcntl64 ioctl rename renameat renameat2 unlink
        unlinkat remove truncate truncate64 ftruncate ftruncate64 mkdir mkdirat rmdir link linkat
        symlink symlinkat chmod fchmod fchmodat chown fchown fchownat lchown utime utimes futimes
        futimens utimensat lutimes mkstemp mkstemp64 mkstemps mkostemp mkostemps mkdtemp tmpfile
        tmpfile64 tmpnam tempnam sendfile sendfile64 splice tee vmsplice copy_file_range
        fallocate posix_fallocate chdir fchdir mount umount umount2 mknod mkfifo
        posix_openpt""",
    ENVIRONMENT: "setenv putenv unsetenv clearenv environ __environ _environ",
    LOADING: """dlopen dlmopen dlsym dlvsym dladdr dladdr1 dlinfo dlclose dl_iterate_phdr
        __libc_dlopen_mode __libc_dlsym _r_debug _DYNAMIC getauxval cudaGetDriverEntryPoint
        cudaGetDriverEntryPointByVersion cuGetProcAddress cuGetProcAddress_v2 cudaGetExportTable
        cuGetExportTable""",
    SIGNALS: """signal sigaction __sigaction sigset bsd_signal sysv_signal __sysv_signal raise kill
        killpg tgkill tkill pthread_kill sigqueue pthread_sigqueue sigprocmask pthread_sigmask
        alarm ualarm setitimer timer_create""",
    MEMORY_MAPS: """mmap mmap64 munmap mremap mprotect pkey_mprotect memfd_create shm_open shmget
        shmat madvise""",
    SYSCALLS: "syscall ptrace prctl personality",
    DEVICE_RESET: """cudaDeviceReset cudaThreadExit cuDevicePrimaryCtxReset
        cuDevicePrimaryCtxReset_v2""",
}
DENIED_REFERENCES: Dict[str, str] = {
    name: reason for reason, names in _DENIED_NAMES.items() for name in names.split()}
# Name prefixes, for families too large to list.
DENIED_REFERENCE_PREFIXES = (("cupti", PROFILER), ("_dl_", LOADING))
# Demangled C++ names (any part of them): file streams, file-system calls, the test framework and
# the grader's own namespaces. Matched on the whole demangled name, so that a template argument
# counts too (std::vector<Catch::X>).
DENIED_CPP_REFERENCES = (
    (re.compile(r"\bbasic_(?:file|of|if|f)stream\b|\bbasic_filebuf\b|\b__basic_file\b|"
                r"\bstdio_(?:sync_)?filebuf\b|\bstd::(?:experimental::)?filesystem::"), FILES),
    (re.compile(r"(?<![\w:])Catch::"), FRAMEWORK),
    (re.compile(r"(?<![\w:])course::grading::|(?<![\w:])\w*_grading::|"
                r"(?<![\w:])roofline_probe::"), GRADER),
)

# Who may reference a denied name: code that nvcc or a CUDA header writes into every object.
#   nvcc's registration function (static, one per .cu file) registers the fatbinary's removal;
#   NVTX3's loader functions (weak, hidden, in every file that includes nvtx3, CCCL among them)
#   look for an injection library named by an environment variable;
#   the host body nvcc gives a __device__ function calls exit(1) (checked by its instructions).
NVCC_REGISTRATION = re.compile(r"^_ZL\d+__sti____cudaRegisterAllv$|"
                               r"^_ZL\d+__nv_cudaEntityRegisterCallbackPPv$")
GENERATED_CALLERS = (
    # (who, the denied names it may refer to, whether it must be a header's weak hidden code)
    (re.compile(r"^_ZL\d+__sti____cudaRegisterAllv$"), {"atexit"}, False),
    (re.compile(r"^nvtx\w*_impl_init_v3$|^nvtxInitializeInjectionLibrary_v3$"),
     {"dlopen", "dlsym", "dlclose", "getenv"}, True),
)

# C-linkage names an object may define: the compiler's own. No function: nvcc writes none with a
# C name (an extern "C" kernel's stub is the one exception, and its kernel is reported); data:
# the personality routine's reference, and nvcc's fatbinary wrappers and host references (-rdc).
GENERATED_C_FUNCTIONS = re.compile(r"^__device_stub__\w+$")
GENERATED_C_VARIABLES = re.compile(
    r"^(?:DW\.ref\.__gxx_personality_v0|__fatbinwrap_\w+|__nv_\w+|hostRef\w+)$")
# NVTX3's header-only implementation: weak and hidden, never strong.
NVTX_HEADER_DEFINITIONS = re.compile(r"^nvtx\w*_v3$|^InitializeInjectionNvtx\w*$")

# Namespaces whose functions an exercise file must not define (strongly): the course library
# (common/, its course::grading part included), the graders', the test framework's, and the
# standard and CUDA libraries'.
PROTECTED_NAMESPACES = (
    (re.compile(r"^course$"), "the course library's (common/)"),
    (re.compile(r"^\w*_grading$|^roofline_probe$"), "the grader's"),
    (re.compile(r"^Catch$"), "the test framework's"),
    (re.compile(r"^(?:std|__gnu_cxx|__cxxabiv1|__gnu_debug)$"), "the C++ standard library's"),
    (re.compile(r"^(?:thrust|cub|cuda|nvcuda|nvtx3|cooperative_groups|cutlass|cute)$"),
     "a CUDA library's"),
    (re.compile(r"^(?:testing|benchmark)$"), "a test library's"),
)
# Variables of the C library (and every name reserved to the implementation: _X..., __x...).
LIBRARY_VARIABLE = re.compile(
    r"^(?:_[A-Z_]\w*|std(?:in|out|err)|_?_?environ|opt(?:arg|ind|err|opt)|timezone|daylight|"
    r"tzname|program_invocation_(?:short_)?name|signgam|h_errno|errno)$")
# Global-namespace C++ names that belong to the CUDA libraries (their C++ overloads, templates).
LIBRARY_NAME = re.compile(r"^(?:cuda|cu[A-Z]|cupti|cublas|nvtx)")

# The library families of a declaration's `forbid:` line.
FAMILIES = {
    "cublas": "cuBLAS",
    "cub": "CUB",
    "thrust": "Thrust",
    "cutlass": "CUTLASS",
}
_FAMILY_PATTERNS = {
    "cub": re.compile(r"(?<![\w])cub::"),
    "thrust": re.compile(r"(?<![\w])thrust::"),
    "cutlass": re.compile(r"(?<![\w])(?:cutlass|cute)::"),
}
# cuBLAS: its C functions, and the course library's helpers around them (course/cublas.hpp).
_CUBLAS_C = re.compile(r"^cublas")
_CUBLAS_COURSE = re.compile(r"^course::(?:\w+::)*\w*[Cc]ublas\w*")

SYSCALL_INSTRUCTIONS = re.compile(r"^(?:syscall|sysenter|int\s+\$0x80)\b")


# ---- reading an object -------------------------------------------------------------------------


class Symbol:
    """One entry of an object's symbol table."""

    def __init__(self, name: str, binding: str, hidden: bool, section: str, value: int,
                 size: int, kind: str) -> None:
        self.name = name  # as stored (mangled)
        self.binding = binding  # local, global, weak or unique
        self.hidden = hidden
        self.section = section  # "*UND*" when undefined
        self.value = value
        self.size = size
        self.kind = kind  # "F" function, "O" object, "" other
        self.demangled = name

    @property
    def defined(self) -> bool:
        return self.section not in ("*UND*", "*ABS*")

    @property
    def cpp(self) -> bool:
        return self.name.startswith("_Z")


class ObjectFile:
    """What the gate needs of one object: its symbols, which function refers to which symbol
    (from the relocations and the calls resolved in place), and each function's instructions."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.symbols: List[Symbol] = []
        self.sections: Set[str] = set()  # sections that hold relocations (every init array does)
        # symbol name -> [(section, name of the function holding the reference, or None)]
        self.references: Dict[str, List[Tuple[str, Optional[str]]]] = {}
        self.instructions: Dict[str, List[str]] = {}  # function -> instructions, in order


_SYMBOL_LINE = re.compile(r"^([0-9a-fA-F]+) (.{7}) (\S+)\s+([0-9a-fA-F]+) (.*)$")
_RELOCATIONS_FOR = re.compile(r"^RELOCATION RECORDS FOR \[(.*)\]:$")
_RELOCATION_LINE = re.compile(r"^([0-9a-fA-F]+)\s+(R_\w+)\s+(.+?)(?:[+-]0x[0-9a-fA-F]+)?$")
_FUNCTION_START = re.compile(r"^[0-9a-fA-F]+ <(.+)>:$")
_INSTRUCTION_LINE = re.compile(r"^\s*[0-9a-fA-F]+:\s+(.*)$")
_SECTION_START = re.compile(r"^Disassembly of section (.*):$")
_LOCAL_CALL = re.compile(r"^(?:call|jmp)\w*\s+[0-9a-fA-F]+ <([^>+]+)>$")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise InspectError("%s was not found on PATH: the object-file gate needs GNU binutils "
                           "(objdump, c++filt). Install them: sudo apt-get install binutils" % name)
    return path


def _start(arguments: Sequence[str]) -> "subprocess.Popen[str]":
    return subprocess.Popen(list(arguments), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)


def _finish(process: "subprocess.Popen[str]", what: str,
            *others: "subprocess.Popen[str]") -> str:
    """The output of `process`; on a failure, `others` (started alongside) are ended too."""
    output, error = process.communicate()
    if process.returncode != 0:
        for other in others:
            other.kill()
            other.communicate()
        raise OSError(((error or "").strip() or "%s failed" % what).splitlines()[-1])
    return output


def read_object(path: str) -> ObjectFile:
    """Reads one object with objdump (its symbols and relocations, and its code, at the same
    time). Raises OSError when objdump cannot read it."""
    found = ObjectFile(path)
    objdump = _tool("objdump")
    tables = _start([objdump, "-t", "-r", "-w", path])
    code = _start([objdump, "-d", "-r", "-w", "--no-show-raw-insn", path])
    table = _finish(tables, "objdump -t -r", code)
    listing = _finish(code, "objdump -d")
    section = None
    relocations: List[Tuple[str, int, str]] = []
    for line in table.splitlines():
        match = _SYMBOL_LINE.match(line)
        if match and section is None:
            flags, sect, rest = match.group(2), match.group(3), match.group(5)
            if flags[5] in "dD" or flags[6] == "f":  # debugging and file-name symbols
                continue
            hidden = False
            for marker in (".hidden ", ".internal ", ".protected "):
                if rest.startswith(marker):
                    hidden = marker != ".protected "
                    rest = rest[len(marker):]
            binding = {"l": "local", "g": "global", "u": "unique", "!": "global"}.get(flags[0], "")
            if flags[1] == "w":
                binding = "weak"
            elif not binding:
                binding = "global"  # an undefined reference shows no flag
            kind = flags[6].strip()
            found.symbols.append(Symbol(rest, binding, hidden, sect, int(match.group(1), 16),
                                        int(match.group(4), 16), kind))
            continue
        heading = _RELOCATIONS_FOR.match(line)
        if heading:
            section = heading.group(1)
            found.sections.add(section)
            continue
        if section is not None and not section.startswith(".debug"):  # -g: never runs
            match = _RELOCATION_LINE.match(line.strip())
            if match and match.group(1) != "OFFSET":
                relocations.append((section, int(match.group(1), 16), match.group(3)))

    function = None
    section = ""
    local_calls: List[Tuple[str, str, str]] = []  # (section, caller, callee) resolved in place
    for line in listing.splitlines():
        heading = _SECTION_START.match(line)
        if heading:
            section = heading.group(1)
            function = None
            continue
        start = _FUNCTION_START.match(line)
        if start:
            function = start.group(1)
            found.instructions.setdefault(function, [])
            continue
        instruction = _INSTRUCTION_LINE.match(line)
        if instruction and function is not None:
            # With -w, a relocation shares the instruction's line ("\t9c: R_X86_64_PLT32\texit");
            # without one, a call's target is already resolved: a local function of the file.
            text, _, relocated = instruction.group(1).partition("\t")
            text = text.strip()
            found.instructions[function].append(text)
            callee = _LOCAL_CALL.match(text)
            if callee and "R_" not in relocated and callee.group(1) != function:
                local_calls.append((section, function, callee.group(1)))

    # Which function holds each relocation: the function symbol of that section that covers it.
    functions: Dict[str, List[Symbol]] = {}
    for symbol in found.symbols:
        if symbol.kind == "F" and symbol.defined:
            functions.setdefault(symbol.section, []).append(symbol)
    for section_name, offset, target in relocations:
        holder = None
        for symbol in functions.get(section_name, []):
            if symbol.value <= offset < symbol.value + max(symbol.size, 1):
                holder = symbol.name
                break
        found.references.setdefault(target, []).append((section_name, holder))
    for section_name, caller, callee in local_calls:
        found.references.setdefault(callee, []).append((section_name, caller))
    return found


def demangle(names: Iterable[str]) -> Dict[str, str]:
    """Mangled name -> demangled, with one c++filt for all of them."""
    wanted = sorted({name for name in names if name.startswith("_Z")})
    if not wanted:
        return {}
    completed = subprocess.run([_tool("c++filt")], input="\n".join(wanted) + "\n",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, check=False)
    lines = completed.stdout.splitlines()
    if completed.returncode != 0 or len(lines) != len(wanted):
        raise InspectError("c++filt failed: %s" % (completed.stderr.strip() or "unexpected output"))
    return dict(zip(wanted, lines))


# ---- names -------------------------------------------------------------------------------------

_STD_ABBREVIATIONS = ("St", "Sa", "Sb", "Ss", "Si", "So", "Sd")


def _source_name(text: str, at: int) -> Tuple[Optional[str], int]:
    match = re.match(r"\d+", text[at:])
    if not match:
        return None, at
    length = int(match.group(0))
    start = at + len(match.group(0))
    return text[start:start + length], start + length


def scope_of(mangled: str) -> List[str]:
    """The leading components of a C++ symbol's qualified name, from its mangled form:
    _ZN6course7grading3fooEv -> ["course", "grading", "foo"]; a name in the global namespace
    gives ["", name]; a global operator gives ["", "operator new"] etc. Special names (vtables,
    guard variables, thunks) and local entities give the scope of what they belong to."""
    text = mangled[2:]
    while True:  # special names: what they are for follows
        if text[:2] in ("TV", "TT", "TI", "TS", "TH", "TW", "GV", "GR", "GA"):
            text = text[2:]
        elif text[:3] == "GTt":
            text = text[3:]
        elif text[:2] in ("Th", "Tv", "Tc"):
            kind, text = text[1], text[2:]
            offsets = {"h": 1, "v": 2, "c": 4}[kind]
            for _ in range(offsets):
                text = text.lstrip("hv")
                text = re.sub(r"^n?\d+_", "", text, count=1)
        else:
            break
    if text.startswith("L"):
        text = text[1:]
    if text.startswith("Z"):  # a local entity: the function it lives in decides
        return scope_of("_Z" + text[1:])
    operators = {"nw": "operator new", "na": "operator new[]", "dl": "operator delete",
                 "da": "operator delete[]"}
    if text[:2] in operators:
        return ["", operators[text[:2]]]
    components: List[str] = []
    at = 0
    if text.startswith("N"):
        at = 1
        while at < len(text) and text[at] in "rVKRO":
            at += 1
        if text[at:at + 2] in _STD_ABBREVIATIONS:
            components.append("std")
            at += 2
        while at < len(text):
            name, at = _source_name(text, at)
            if name is None:
                break
            components.append(name)
            while text[at:at + 1] == "B":  # ABI tags: [abi:cxx11]
                _, at = _source_name(text, at + 1)
        return components or [""]
    if text[:2] in _STD_ABBREVIATIONS:
        components.append("std")
        name, _ = _source_name(text, 2)
        if name:
            components.append(name)
        return components
    name, _ = _source_name(text, 0)
    return ["", name or text]


# Versioned inline namespaces (CUB_300001_SM_750::, THRUST_300001_SM_750_NS::, libcu++'s __4::,
# libstdc++'s __cxx11::) and ABI tags say nothing to a student.
_INLINE_NAMESPACES = re.compile(r"\b(?:CUB|THRUST)_\d\w*::|\b__\d+::|\b__cxx11::|\[abi:\w+\]")


def short_name(symbol: Symbol) -> str:
    """A readable name: qualified, without parameters, template arguments or the libraries'
    versioned inline namespaces. std::vector<float> course::foo<float>(int) -> course::foo."""
    if not symbol.cpp:
        return symbol.demangled
    text = symbol.demangled.replace("(anonymous namespace)", "{anonymous}")
    text = _INLINE_NAMESPACES.sub("", text)
    prefix = ""
    special = re.match(r"^(?:vtable|typeinfo name|typeinfo|VTT|guard variable|construction vtable|"
                       r"TLS init function|TLS wrapper function|(?:non-)?virtual thunk|"
                       r"covariant return thunk|reference temporary #\d+) (?:for|to) ", text)
    if special:
        prefix, text = special.group(0), text[special.end():]
    flat = []
    depth = 0
    for index, char in enumerate(text):
        after_operator = re.search(r"operator[<>-]?$", text[:index]) is not None
        if char == "<" and not after_operator:
            depth += 1
        elif char == ">" and depth > 0 and not after_operator:
            depth -= 1
        elif depth == 0:
            flat.append(char)
    text = "".join(flat)
    cut = len(text)
    for index, char in enumerate(text):
        if char == "(" and not text[:index].endswith("operator"):
            cut = index
            break
    text = text[:cut].strip()
    operator = text.find("operator")
    if operator >= 0:
        text = text[text.rfind(" ", 0, operator) + 1:]
    elif " " in text:
        text = text[text.rfind(" ") + 1:]  # a template's return type comes first
    return prefix + text.replace("{anonymous}", "(anonymous namespace)")


# ---- the declarations: which exercise a file belongs to ----------------------------------------


class _Exercise:
    def __init__(self, ident: str, file: str, forbid: List[str]) -> None:
        self.id = ident
        self.file = file
        self.forbid = forbid


def _read_declarations(root: str) -> Dict[Tuple[str, str], _Exercise]:
    """(chapter directory or "chapter<N>", file name) -> its exercise, from the declarations;
    empty when they cannot be read (the messages then say "this exercise")."""
    found: Dict[Tuple[str, str], _Exercise] = {}
    tests = os.path.join(root, "tests")
    try:
        names = sorted(os.listdir(tests))
    except OSError:
        return found
    for name in names:
        path = os.path.join(tests, name, "exercises.txt")
        if not re.match(r"^chapter\d+$", name) or not os.path.isfile(path):
            continue
        directory = ""
        exercises: List[_Exercise] = []
        with open(path, encoding="utf-8") as handle:
            for raw in handle:
                match = re.match(r"^\s*([a-z]+):[ \t]*(.*?)\s*$", raw)
                if not match:
                    continue
                key, value = match.group(1), match.group(2)
                if key == "directory":
                    directory = value
                elif key == "exercise":
                    exercises.append(_Exercise(value, "", []))
                elif exercises and key == "file":
                    exercises[-1].file = value
                elif exercises and key == "forbid":
                    exercises[-1].forbid = [w for w in re.split(r"[\s,]+", value) if w]
        for exercise in exercises:
            found[(directory, exercise.file)] = exercise
            found[(name, exercise.file)] = exercise
    return found


def _exercise_of(source: str, declarations: Dict[Tuple[str, str], _Exercise]) -> \
        Optional[_Exercise]:
    parts = re.split(r"[\\/]+", source)
    for directory in reversed(parts[:-1]):
        exercise = declarations.get((directory, parts[-1]))
        if exercise:
            return exercise
    return None


def _interface_namespaces(path: str) -> Set[str]:
    if not os.path.isfile(path):
        raise InspectError("the interface header %s does not exist: pass the chapter's "
                           "chapterN.hpp (chapters/NN-topic/chapterN.hpp)" % path)
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    # A forward declaration in a protected namespace (namespace course { class Stream; }) does
    # not make that namespace the student's.
    names = {name for name in re.findall(r"^\s*namespace\s+([A-Za-z_]\w*)", text, re.MULTILINE)
             if not any(pattern.match(name) for pattern, _ in PROTECTED_NAMESPACES)}
    if not names:
        raise InspectError("the interface header %s declares no namespace: a chapter's "
                           "interface is in namespace chapterN" % path)
    return names


# ---- the rules ---------------------------------------------------------------------------------


def _denied_reason(symbol: Symbol) -> Optional[str]:
    if not symbol.cpp:
        reason = DENIED_REFERENCES.get(symbol.name)
        if reason:
            return reason
        for prefix, reason in DENIED_REFERENCE_PREFIXES:
            if symbol.name.startswith(prefix):
                return reason
        return None
    for pattern, reason in DENIED_CPP_REFERENCES:
        if pattern.search(symbol.demangled):
            return reason
    return None


def _is_device_function_body(instructions: List[str]) -> bool:
    """True for the host body nvcc writes for a __device__ function: it stores 1, loads it into
    the first argument and calls exit, and does nothing else (a process that ends with 1 fails
    its test anyway)."""
    calls = [i for i in instructions if i.startswith("call")]
    if len(calls) != 1 or not any(re.match(r"^movl?\s+\$0x1,", i) for i in instructions):
        return False
    for instruction in instructions:
        immediate = re.search(r"\$(0x[0-9a-f]+|\d+)", instruction)
        if immediate and immediate.group(1) not in ("0x1", "1") and "%rsp" not in instruction:
            return False
    return True


def _generated_caller(objfile: ObjectFile, by_name: Dict[str, Symbol], target: str,
                      holder: Optional[str]) -> bool:
    if holder is None:
        return False  # a reference from data: a function pointer the file keeps
    for pattern, allowed, header_code in GENERATED_CALLERS:
        if pattern.match(holder) and target in allowed:
            symbol = by_name.get(holder)
            return not header_code or (symbol is not None and symbol.binding == "weak"
                                       and symbol.hidden)
    if target == "exit":
        return _is_device_function_body(objfile.instructions.get(holder, []))
    return False


def _check_references(source: str, objfile: ObjectFile, by_name: Dict[str, Symbol]) -> List[str]:
    problems = []
    for symbol in objfile.symbols:
        if symbol.defined:
            continue
        reason = _denied_reason(symbol)
        if not reason:
            continue
        uses = objfile.references.get(symbol.name, [])
        if uses and all(_generated_caller(objfile, by_name, symbol.name, holder)
                        for _, holder in uses):
            continue
        verb = "calls" if symbol.kind != "O" and symbol.name not in (
            "environ", "__environ", "_environ", "_r_debug", "_DYNAMIC") else "uses"
        if symbol.cpp:
            verb = "uses"
        problems.append("%s %s %s: %s" % (source, verb, short_name(symbol), reason))
    return problems


def _check_definitions(source: str, objfile: ObjectFile, interface: Set[str]) -> List[str]:
    problems = []
    for symbol in objfile.symbols:
        if not symbol.defined or symbol.binding == "local":
            continue
        name = symbol.name
        if not symbol.cpp:
            if symbol.kind == "O" and GENERATED_C_VARIABLES.match(name):
                continue
            if symbol.kind != "O" and GENERATED_C_FUNCTIONS.match(name) and \
                    _stub_of_own_kernel(name, objfile):
                continue
            if NVTX_HEADER_DEFINITIONS.match(name) and symbol.binding == "weak" and symbol.hidden:
                continue
            if symbol.kind == "O":
                # A variable: C++ does not mangle the names of global-namespace variables, so
                # only a name that a library's variable has (or may have) is refused.
                if LIBRARY_VARIABLE.match(name) or LIBRARY_NAME.match(name):
                    problems.append("%s defines the variable %s: the name belongs to %s "
                                    "variable, which it would replace for the whole grader; give "
                                    "yours another name" % (source, name, _c_owner(name)))
                continue
            owner = _c_owner(name)
            problems.append("%s defines %s with C linkage: it would replace %s function or "
                            "variable of that name for the whole grader (an exercise file "
                            "defines C++ functions only: no extern \"C\")" % (source, name, owner))
            continue
        if symbol.binding != "global":
            continue  # weak and unique: inline functions and templates of the headers it uses
        scope = scope_of(name)
        if scope[0] in interface:
            continue
        if scope[0].startswith("_GLOBAL__N"):
            # nvcc gives a kernel in an anonymous namespace a global (hidden) symbol, named
            # after its file: one named after another file's would replace that file's kernel.
            owner_file = _anonymous_namespace_file(scope[0])
            if owner_file is not None and owner_file != re.sub(r"\W", "_",
                                                               os.path.basename(source)):
                problems.append("%s defines %s in the anonymous namespace of another file (%s): "
                                "it would replace that file's function in the grader"
                                % (source, short_name(symbol), owner_file))
            continue
        if scope[0] == "":
            entity = scope[1] if len(scope) > 1 else ""
            if entity.startswith("__device_stub__"):
                if not _stub_of_own_kernel(entity, objfile):
                    problems.append("%s defines %s, nvcc's launch stub of a kernel it does not "
                                    "define: it would replace another file's kernel launch in "
                                    "the grader" % (source, short_name(symbol)))
                continue
            if entity.startswith("operator new") or entity.startswith("operator delete"):
                problems.append("%s defines the global %s: it would replace the one the grader "
                                "allocates with" % (source, entity))
            elif LIBRARY_NAME.match(entity):
                problems.append("%s defines %s: the name belongs to the CUDA libraries (CUDA "
                                "runtime, CUPTI, cuBLAS, NVTX); give your function another name"
                                % (source, short_name(symbol)))
            continue
        for pattern, owner in PROTECTED_NAMESPACES:
            if pattern.match(scope[0]):
                problems.append("%s defines %s: it would replace %s function of that name in "
                                "the grader (an exercise file defines its own functions and "
                                "those of namespace %s, none of namespace %s)"
                                % (source, short_name(symbol), owner,
                                   " or ".join(sorted(interface)), scope[0]))
                break
    return problems


def _stub_of_own_kernel(stub: str, objfile: ObjectFile) -> bool:
    """True when `stub` (nvcc's launch stub, __device_stub__<kernel>) belongs to a kernel that
    this object defines: not a stand-in for another file's."""
    kernel = stub[len("__device_stub__"):]
    names = {kernel}
    if kernel.startswith("Z"):
        kernel = "_" + kernel  # a kernel's mangled name, less its leading underscore
        names.add(kernel)
        scope = scope_of(kernel)
        if scope[0] == "" and len(scope) > 1:
            names.add(scope[1])  # an extern "C" kernel: its stub is mangled, its symbol not
    return any(symbol.name in names and symbol.defined for symbol in objfile.symbols)


def _anonymous_namespace_file(component: str) -> Optional[str]:
    """nvcc's name for a file's anonymous namespace, _GLOBAL__N__9cda0948_13_vector_add_cu_16d4e580,
    -> the file it stands for (vector_add_cu); None for another form (g++'s _GLOBAL__N_1)."""
    match = re.match(r"^_GLOBAL__N__[0-9a-fA-F]+_(\d+)_(.*)$", component)
    if not match:
        return None
    return match.group(2)[:int(match.group(1))]


def _c_owner(name: str) -> str:
    if name.startswith("cupti"):
        return "CUPTI's"
    if name.startswith("cublas"):
        return "cuBLAS's"
    if re.match(r"^(?:cuda|cu[A-Z]|__cuda)", name):
        return "the CUDA runtime's"
    if name.startswith("nvtx"):
        return "NVTX's"
    return "the C library's (or the grader's)"


# Code that runs before the grader's own first constructor (grading.cpp takes its verdict channel
# at priority 101, before any constructor without a priority): a constructor with a priority
# (.init_array.NNNNN, .ctors.NNNNN) or the executable's .preinit_array. Plain constructors and
# static initialisers (.init_array, what nvcc's registration uses) run after the grader's.
_EARLY_CONSTRUCTOR_SECTION = re.compile(r"^(\.preinit_array.*|\.init_array\.\d+|\.ctors\.\d+)$")


def _check_sections(source: str, objfile: ObjectFile) -> List[str]:
    early = sorted(s for s in objfile.sections if _EARLY_CONSTRUCTOR_SECTION.match(s))
    if not early:
        return []
    return ["%s runs code before the grader starts (section %s: a constructor with a priority, "
            "or .preinit_array): an exercise file may not run before the grader"
            % (source, ", ".join(early))]


def _check_instructions(source: str, objfile: ObjectFile, names: Dict[str, str]) -> List[str]:
    problems = []
    for function, instructions in objfile.instructions.items():
        for instruction in instructions:
            if SYSCALL_INSTRUCTIONS.match(instruction):
                shown = _short_function(function, names)
                problems.append("%s makes a raw system call (%s) in %s: %s"
                                % (source, instruction.split()[0], shown, SYSCALLS))
                break
    return problems


def _short_function(mangled: str, names: Dict[str, str]) -> str:
    symbol = Symbol(mangled, "global", False, ".text", 0, 0, "F")
    symbol.demangled = names.get(mangled, mangled)
    return short_name(symbol)


def _family_symbols(family: str, objfile: ObjectFile) -> List[Symbol]:
    if family == "cublas":
        return [s for s in objfile.symbols
                if (not s.cpp and _CUBLAS_C.match(s.name))
                or (s.cpp and _CUBLAS_COURSE.match(short_name(s)))]
    pattern = _FAMILY_PATTERNS[family]
    return [s for s in objfile.symbols if s.cpp and pattern.search(s.demangled)]


def _direct_uses(found: List[Symbol], objfile: ObjectFile) -> List[Symbol]:
    """The symbols of `found` that the file's own code refers to, not only a library's code (a
    reference from data, a function pointer, counts as the file's own)."""
    by_name = {symbol.name: symbol for symbol in objfile.symbols}
    direct = []
    for symbol in found:
        for _, holder in objfile.references.get(symbol.name, []):
            if holder and NVCC_REGISTRATION.match(holder):
                continue  # nvcc registers every __device__ variable a header defines
            owner = by_name.get(holder) if holder else None
            if owner is None or not _in_a_library(owner):
                direct.append(symbol)
                break
    return direct


def _in_a_library(symbol: Symbol) -> bool:
    if not symbol.cpp:
        return _CUBLAS_C.match(symbol.name) is not None or symbol.name.startswith("nvtx")
    return any(p.search(symbol.demangled) for p in _FAMILY_PATTERNS.values())


def _check_families(source: str, objfile: ObjectFile, forbid: List[str],
                    exercise: Optional[_Exercise]) -> List[str]:
    """One line per forbidden family the file uses. A family is reported where the file's own
    code calls it: CUB's reduction instantiates some of Thrust, and Thrust runs on CUB, and a
    student who called one should not read that they called the other. Where no family is
    called from the file's own code (everything inlined into a library's), all are reported."""
    found = {family: _family_symbols(family, objfile) for family in forbid}
    found = {family: symbols for family, symbols in found.items() if symbols}
    direct = {family: _direct_uses(symbols, objfile) for family, symbols in found.items()}
    if any(direct.values()):
        shown_by_family = {family: symbols for family, symbols in direct.items() if symbols}
    else:
        shown_by_family = found
    problems = []
    for family in forbid:
        shown = shown_by_family.get(family)
        if not shown:
            continue
        # The library's own functions first (cublasSgemm_v2 before course::CublasHandle, and
        # cub::DeviceReduce::Sum before nvtx3::domain::get<cub::...>), shortest first (the entry
        # point before the dispatch code it instantiates), vtables and the like last.
        own = ("cublas", "course::") if family == "cublas" else (family + "::",)
        if family == "cutlass":
            own = ("cutlass::", "cute::")
        names = sorted({short_name(s) for s in shown},
                       key=lambda n: (" " in n, not n.startswith(own), n.startswith("course::"),
                                      len(n), n))
        if len(names) > 3:
            names = names[:3] + ["%d more" % (len(names) - 3)]
        if exercise is not None and family in exercise.forbid:
            why = "exercise %s asks for a kernel of your own" % exercise.id
        else:
            why = "the exercise graded here asks for a kernel of your own"
        problems.append("%s calls %s (%s): %s" % (source, _join(names), FAMILIES[family], why))
    return problems


def _join(names: List[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# ---- the gate ----------------------------------------------------------------------------------


def inspect(objects: List[Tuple[str, str]], interface_header: str, forbid: List[str]) -> List[str]:
    """The problems found in `objects`, each a line that starts with its source.

    objects: (object file, the source as the student sees it, e.g.
    "chapters/04-matmul/matmul_fast.cu"); interface_header: the chapter's chapterN.hpp (its
    namespace is the student's to define in); forbid: library families the exercise may not use
    (cublas, cub, thrust, cutlass). An empty list means the objects may be graded.
    Raises InspectError when the gate itself cannot work (binutils missing, no such header, an
    unknown family): the caller must then not grade."""
    unknown = [family for family in forbid if family not in FAMILIES]
    if unknown:
        raise InspectError("unknown library family %s in forbid: the families are %s"
                           % (", ".join(unknown), ", ".join(FAMILIES)))
    interface = _interface_namespaces(interface_header)
    declarations = _read_declarations(ROOT)
    problems: List[str] = []
    _tool("objdump")  # a missing binutils is the set-up's problem, not the objects'

    def attempt(path: str) -> Tuple[Optional[ObjectFile], str]:
        try:
            return read_object(path), ""
        except OSError as error:
            return None, str(error)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, [path for path, _ in objects]))
    read: List[Tuple[str, ObjectFile]] = []
    for (path, source), (objfile, error) in zip(objects, results):
        if objfile is not None and any(s.name.startswith("__gnu_lto_") for s in objfile.symbols):
            objfile, error = None, "link-time-optimisation bytecode: no machine code to read"
        if objfile is None:
            problems.append("%s: its object file %s could not be inspected (%s): it cannot be "
                            "graded" % (source, path, error))
        else:
            read.append((source, objfile))
    names = demangle(s.name for _, objfile in read for s in objfile.symbols)
    names.update(demangle(f for _, objfile in read for f in objfile.instructions))
    for source, objfile in read:
        for symbol in objfile.symbols:
            symbol.demangled = names.get(symbol.name, symbol.name)
        by_name = {symbol.name: symbol for symbol in objfile.symbols}
        exercise = _exercise_of(source, declarations)
        found = []
        found += _check_references(source, objfile, by_name)
        found += _check_definitions(source, objfile, interface)
        found += _check_instructions(source, objfile, names)
        found += _check_sections(source, objfile)
        found += _check_families(source, objfile, forbid, exercise)
        for problem in found:
            if problem not in problems:
                problems.append(problem)
    return problems


def register(subparsers, grade_parser) -> Dict[str, object]:
    """The course command loads every tools/course_<topic>.py as a command module. The gate adds
    no command of its own: the supervisor (course_supervise.py) runs it before every grader."""
    del subparsers, grade_parser
    return {}


def parse_forbid(text: str) -> List[str]:
    """"cublas, cub thrust" -> ["cublas", "cub", "thrust"]."""
    return [word for word in re.split(r"[\s,]+", text) if word]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course_inspect.py",
        description="The object-file gate: names what a student's compiled exercise files may "
                    "not do (end the process, replace a grader's or a library's function, touch "
                    "files, start processes, load code, make raw system calls, call a library "
                    "the exercise forbids). Exit 1 when it finds something, 2 on bad input.")
    parser.add_argument("--interface", required=True, metavar="HEADER",
                        help="the chapter's interface header (chapters/NN-topic/chapterN.hpp)")
    parser.add_argument("--forbid", default="", metavar="FAMILIES",
                        help="library families the exercise may not use, e.g. 'cublas,cub,thrust'")
    parser.add_argument("--object", action="append", default=[], metavar="OBJECT=SOURCE",
                        help="an object file and the source the student sees, repeatable")
    arguments = parser.parse_args(argv)
    if not arguments.object:
        parser.error("no --object OBJECT=SOURCE given")
    objects = []
    for item in arguments.object:
        path, equals, source = item.partition("=")
        if not equals or not path or not source:
            parser.error("--object takes OBJECT=SOURCE, e.g. build/x.cu.o=chapters/01-vector-add/"
                         "vector_add.cu, not '%s'" % item)
        if not os.path.isfile(path):
            parser.error("the object file %s does not exist (build it first)" % path)
        objects.append((path, source))
    try:
        problems = inspect(objects, arguments.interface, parse_forbid(arguments.forbid))
    except InspectError as error:
        print("course_inspect: %s" % error, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
