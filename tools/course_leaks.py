"""The leak check: no function body of a reference solution appears in anything a student gets.

    python3 tools/course_leaks.py                 the release this tree would ship (./course
                                                  release's files, read from the tree)
    python3 tools/course_leaks.py --release DIR   a release already written (./course release)
    ./course leaks [--release DIR]                the same, as a command of the course

Every function body (lambdas included) of every C++/CUDA file in solutions/ is compared with
every file the release ships that can hold code: C++/CUDA sources, and Markdown and text files
(lessons, hints: their code blocks and inline code are read as code, the prose around them never
forms a long enough run to match). A body is reported when its tokens appear as one contiguous
run in a shipped file: the solution's file and line, the shipped file and line.

What counts as the same body (normalisation): comments, whitespace and preprocessor lines do not
count; names and numbers may differ as long as they differ consistently (the run matches the body
with its names and numbers renamed one to one: `value += __shfl_down_sync(kFullMask, value,
offset)` and `v += __shfl_down_sync(0xFFFFFFFFu, v, o)` are the same), while keywords, CUDA's
built-ins, operators and string literals must be equal. Not reported:
  - bodies shorter than --min-tokens tokens (`return a + b;` is 5): too common to mean anything;
  - bodies that the exercise's own skeleton (chapters/<same path>) holds: given on purpose.

Exit status 0 when nothing leaks, 1 when something does, 2 when the check cannot run. Python 3.8+,
standard library only.
"""

import argparse
import os
import re
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

# Below this many tokens a body is ordinary code (an accessor, one call, a bounds check), not an
# answer. The smallest answers that matter are longer: 3.3's warp reduction is 29 tokens.
DEFAULT_MIN_TOKENS = 20
SOURCE_EXTENSIONS = (".c", ".cc", ".cpp", ".cxx", ".cu", ".cuh", ".h", ".hh", ".hpp", ".hxx",
                     ".inl")
TEXT_EXTENSIONS = (".md", ".txt")

KEYWORDS = frozenset("""
    alignas alignof and asm auto bool break case catch char char16_t char32_t char8_t class
    concept const const_cast consteval constexpr constinit continue co_await co_return co_yield
    decltype default delete do double dynamic_cast else enum explicit export extern false float
    for friend goto if inline int long mutable namespace new noexcept not nullptr operator or
    private protected public register reinterpret_cast requires return short signed sizeof static
    static_assert static_cast struct switch template this thread_local throw true try typedef
    typeid typename union unsigned using virtual void volatile wchar_t while
    __global__ __device__ __host__ __shared__ __constant__ __managed__ __restrict__
    __forceinline__ __noinline__ __launch_bounds__ threadIdx blockIdx blockDim gridDim warpSize
""".split())
# A '{' after "name(...)" is a function body unless the name is one of these.
NOT_FUNCTIONS = frozenset("if for while switch catch sizeof alignof decltype noexcept return "
                          "__launch_bounds__ alignas static_assert".split())
# What may stand between a function's ')' and its '{'.
SPECIFIERS = frozenset("const volatile noexcept override final mutable constexpr".split())

TOKEN = re.compile(r"""
    (?P<newline>\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>R"(?P<delimiter>[^()\\\s"]{0,16})\(.*?\)(?P=delimiter)")
  | (?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
  | (?P<char>(?:u8|[uUL])?'(?:[^'\\\n]|\\.){1,8}')
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[\w.]|'(?=\w))*)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<punct><<=|\.\.\.|->\*|::|->|\+\+|--|<<|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\#\#|.)
""", re.X | re.S)


class Token(NamedTuple):
    text: str   # normalised: numbers in lower case without digit separators
    operand: bool  # a name or a number: may be renamed, consistently
    line: int


def tokenize(text: str) -> List[Token]:
    """C++/CUDA tokens of `text`: no comments, no whitespace, no preprocessor lines. '>>' is two
    '>' (a shift and the end of two template argument lists are then alike), so is '>>='."""
    tokens: List[Token] = []
    position, line, line_start = 0, 1, True
    length = len(text)
    while position < length:
        if line_start:
            # A preprocessor line (#include, #pragma unroll, ...), with its continuations.
            stripped = position
            while stripped < length and text[stripped] in " \t":
                stripped += 1
            if stripped < length and text[stripped] == "#":
                end = stripped
                while True:
                    end = text.find("\n", end)
                    if end < 0:
                        end = length
                        break
                    if text[end - 1] != "\\":
                        break
                    end += 1
                line += text.count("\n", position, end)
                position = end
                continue
        match = TOKEN.match(text, position)
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "newline":
            line += 1
            line_start = True
        elif kind in ("space", "comment", "raw", "string", "char"):
            if kind not in ("space", "comment"):
                tokens.append(Token(value, False, line))
                line_start = False
            line += value.count("\n")
        else:
            line_start = False
            if kind == "number":
                tokens.append(Token(value.lower().replace("'", ""), True, line))
            elif kind == "name":
                tokens.append(Token(value, value not in KEYWORDS, line))
            else:
                tokens.append(Token(value, False, line))
        position = match.end()
    return tokens


class Body(NamedTuple):
    path: str       # relative to the root, '/'-separated
    line: int       # of its '{'
    name: str       # the function's name ("lambda" for a lambda)
    tokens: List[Token]  # between the braces


def _matching_open(tokens: Sequence[Token], close: int, opening: str, closing: str) -> int:
    depth = 0
    for index in range(close, -1, -1):
        if tokens[index].text == closing:
            depth += 1
        elif tokens[index].text == opening:
            depth -= 1
            if depth == 0:
                return index
    return -1


def _function_name(tokens: Sequence[Token], brace: int) -> Optional[str]:
    """The name of the function whose body opens at tokens[brace], or None when that '{' opens
    something else (a class, a namespace, an if, an initialiser)."""
    index = brace - 1
    # Specifiers and a trailing return type between ')' and '{'.
    while index >= 0:
        text = tokens[index].text
        if text in SPECIFIERS or text in ("&", "&&"):
            index -= 1
        elif text == ")" and index >= 1:
            opening = _matching_open(tokens, index, "(", ")")
            if opening >= 1 and tokens[opening - 1].text in ("noexcept", "throw"):
                index = opening - 2  # noexcept(...) or throw()
                continue
            break
        else:
            # "-> type": walk back over the type to the arrow.
            arrow = index
            while arrow >= 0 and (tokens[arrow].operand or tokens[arrow].text in (
                    "::", "<", ">", "*", "&", ",", "const") or tokens[arrow].text in KEYWORDS) \
                    and tokens[arrow].text != "->" and brace - arrow < 24:
                arrow -= 1
            if arrow >= 0 and tokens[arrow].text == "->" and arrow < index:
                index = arrow - 1
                continue
            return None
    if index < 0 or tokens[index].text != ")":
        return None
    opening = _matching_open(tokens, index, "(", ")")
    if opening < 1:
        return None
    before = tokens[opening - 1]
    if before.text == "]":
        return "lambda"
    if before.text == ">":  # operator>, or a template's name: f<T>(...)
        start = _matching_open(tokens, opening - 1, "<", ">")
        if start >= 1 and tokens[start - 1].operand:
            return tokens[start - 1].text
        return None
    if not before.operand and before.text not in ("operator",):
        if opening >= 2 and tokens[opening - 2].text == "operator":
            return "operator" + before.text
        return None
    if before.text in NOT_FUNCTIONS:
        return None
    return before.text


def function_bodies(path: str, tokens: Sequence[Token]) -> List[Body]:
    """Every function body of a tokenised file, lambdas and functions inside classes included."""
    bodies = []
    stack: List[int] = []
    for index, token in enumerate(tokens):
        if token.text == "{":
            stack.append(index)
        elif token.text == "}" and stack:
            start = stack.pop()
            name = _function_name(tokens, start)
            if name is not None:
                bodies.append(Body(path, tokens[start].line, name, list(tokens[start + 1:index])))
    bodies.sort(key=lambda body: body.line)
    return bodies


def _shape(token: Token) -> str:
    return "\0" if token.operand else token.text


def _canonical(tokens: Sequence[Token]) -> Tuple:
    """Operands numbered by first appearance: equal for two runs that differ only by a one-to-one
    renaming of names and numbers."""
    numbers: Dict[str, int] = {}
    return tuple(numbers.setdefault(t.text, len(numbers)) if t.operand else t.text
                 for t in tokens)


KEY_LENGTH = 8  # tokens of a body's start that select where to look


class CodeIndex:
    """Shipped files' tokens, indexed by the shape of every run of KEY_LENGTH tokens."""

    def __init__(self) -> None:
        self.files: List[Tuple[str, List[Token], List[str]]] = []
        self.starts: Dict[Tuple[str, ...], List[Tuple[int, int]]] = {}

    def add(self, path: str, tokens: List[Token]) -> None:
        shapes = [_shape(t) for t in tokens]
        number = len(self.files)
        self.files.append((path, tokens, shapes))
        for start in range(len(tokens) - KEY_LENGTH + 1):
            self.starts.setdefault(tuple(shapes[start:start + KEY_LENGTH]), []).append(
                (number, start))

    def find(self, body: Sequence[Token]) -> List[Tuple[str, int]]:
        """Where the body appears as a contiguous run: (path, line) of each place."""
        shapes = [_shape(t) for t in body]
        canonical = _canonical(body)
        found = []
        if len(body) >= KEY_LENGTH:
            candidates = self.starts.get(tuple(shapes[:KEY_LENGTH]), ())
        else:  # shorter than the index's keys: every place
            candidates = [(number, start) for number, (_, tokens, _) in enumerate(self.files)
                          for start in range(len(tokens) - len(body) + 1)]
        for number, start in candidates:
            path, tokens, file_shapes = self.files[number]
            end = start + len(body)
            if file_shapes[start:end] == shapes and _canonical(tokens[start:end]) == canonical:
                found.append((path, tokens[start].line))
        return found


class Leak(NamedTuple):
    body: Body
    shipped_path: str
    shipped_line: int

    def describe(self) -> str:
        return "%s:%d: the body of %s (%d tokens) appears in %s:%d" % (
            self.body.path, self.body.line, self.body.name, len(self.body.tokens),
            self.shipped_path, self.shipped_line)


class Report(NamedTuple):
    leaks: List[Leak]
    compared: int        # bodies long enough, compared with the shipped files
    given: int           # of those, held by their skeleton: not reported
    short: int           # bodies below the minimum length
    solution_files: int
    shipped_files: int

    def summary(self) -> str:
        return ("compared %d function bodies of %d solution files with %d shipped files (%d "
                "given in their skeleton, %d under the minimum length not compared): %s" % (
                    self.compared, self.solution_files, self.shipped_files, self.given,
                    self.short, "%d leak%s" % (len(self.leaks), "" if len(self.leaks) == 1 else "s")
                    if self.leaks else "no solution code in the release"))


def can_hold_code(path: str) -> bool:
    return path.endswith(SOURCE_EXTENSIONS + TEXT_EXTENSIONS)


def check(solutions: Dict[str, str], shipped: Dict[str, str],
          min_tokens: int = DEFAULT_MIN_TOKENS) -> Report:
    """`solutions`: solution files (paths "solutions/NN-topic/file") and their text; `shipped`:
    what the release ships (relative paths, "chapters/NN-topic/file" for the skeletons)."""
    index = CodeIndex()
    skeletons: Dict[str, CodeIndex] = {}
    shipped_count = 0
    for path in sorted(shipped):
        if not can_hold_code(path):
            continue
        shipped_count += 1
        tokens = tokenize(shipped[path])
        index.add(path, tokens)
        if path.startswith("chapters/"):
            skeleton = CodeIndex()
            skeleton.add(path, tokens)
            skeletons[path] = skeleton
    leaks: List[Leak] = []
    compared = given = short = files = 0
    for path in sorted(solutions):
        if not path.endswith(SOURCE_EXTENSIONS):
            continue
        files += 1
        skeleton = skeletons.get("chapters/" + path.split("/", 1)[1]) if "/" in path else None
        for body in function_bodies(path, tokenize(solutions[path])):
            if len(body.tokens) < min_tokens:
                short += 1
                continue
            compared += 1
            if skeleton is not None and skeleton.find(body.tokens):
                given += 1
                continue
            for shipped_path, shipped_line in index.find(body.tokens):
                leaks.append(Leak(body, shipped_path, shipped_line))
    return Report(leaks, compared, given, short, files, shipped_count)


# ---- reading the trees ---------------------------------------------------------------------------


def read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def solution_files(root: str) -> Dict[str, str]:
    found = {}
    top = os.path.join(root, "solutions")
    for folder, directories, names in os.walk(top):
        directories.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if relative.endswith(SOURCE_EXTENSIONS) and not os.path.islink(path):
                text = read_text(path)
                if text is not None:
                    found[relative] = text
    return found


def released_files(directory: str) -> Dict[str, str]:
    """The files of a written release that can hold code (not its .git or build folders)."""
    found = {}
    for folder, directories, names in os.walk(directory):
        relative_folder = os.path.relpath(folder, directory).replace(os.sep, "/")
        directories[:] = sorted(d for d in directories if not (
            d == ".git" or (relative_folder == "." and d == "build")))
        for name in sorted(names):
            path = os.path.join(folder, name)
            relative = name if relative_folder == "." else relative_folder + "/" + name
            if can_hold_code(relative) and not os.path.islink(path):
                text = read_text(path)
                if text is not None:
                    found[relative] = text
    return found


def files_to_release(root: str) -> Dict[str, str]:
    """What ./course release would ship from `root`, as it would ship it. Keep in step with
    course_classroom.command_release: its files, the results pages without their known-wrong
    variants; README.md is replaced there by a generated one with no code."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import course_classroom  # the release's own rules: one definition of what ships

    found = {}
    for relative in course_classroom.release_files(root):
        if relative == "README.md" or not can_hold_code(relative):
            continue
        text = read_text(os.path.join(root, *relative.split("/")))
        if text is None:
            continue
        if relative.startswith("docs/results/") and relative.endswith(".md"):
            text = course_classroom.strip_wrong_variants(text)
        found[relative] = text
    return found


def run(root: str, release: Optional[str] = None, min_tokens: int = DEFAULT_MIN_TOKENS) -> int:
    """The check, printed: 0 when nothing leaks, 1 when something does, 2 when it cannot run."""
    if not os.path.isdir(os.path.join(root, "solutions")):
        print("course_leaks: %s has no solutions/ folder: nothing to compare (run it in the "
              "instructor's tree)" % root, file=sys.stderr)
        return 2
    if release is not None and not os.path.isdir(release):
        print("course_leaks: %s is not a folder (give the folder ./course release wrote)"
              % release, file=sys.stderr)
        return 2
    shipped = released_files(release) if release is not None else files_to_release(root)
    report = check(solution_files(root), shipped, min_tokens)
    for leak in report.leaks:
        print("LEAK: " + leak.describe())
    print("course_leaks: " + report.summary())
    if report.leaks:
        print("course_leaks: a student would receive the code above: give the grader a reference "
              "of its own (data, another method, higher precision) or reword the lesson")
    return 1 if report.leaks else 0


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--release", metavar="DIR",
                        help="a release written by ./course release (default: the files that "
                             "./course release would ship from this course)")
    parser.add_argument("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS, metavar="N",
                        help="shorter bodies are not compared (default: %(default)s)")


def register(subparsers, grade_parser) -> Dict:
    """./course leaks: the same check as a command of the course (tools/course.py)."""
    parser = subparsers.add_parser(
        "leaks", help="instructors: check that no solution code is in what ./course release "
                      "ships (--release DIR: in a written release)")
    add_options(parser)

    def command_leaks(arguments: argparse.Namespace) -> int:
        if arguments.min_tokens < 1:
            parser.error("--min-tokens must be at least 1")
        import course
        return run(course.ROOT, arguments.release, arguments.min_tokens)

    return {"leaks": command_leaks}


def main(arguments: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course_leaks.py",
        description="Reports every function body of solutions/ that appears in a file the "
                    "student release ships.")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.realpath(__file__))), help="the course (with solutions/); default: this one")
    add_options(parser)
    options = parser.parse_args(arguments)
    if options.min_tokens < 1:
        parser.error("--min-tokens must be at least 1")
    return run(options.root, options.release, options.min_tokens)


if __name__ == "__main__":
    sys.exit(main())
