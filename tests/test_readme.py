"""Every example of README.md and of the documentation's pages (docs/**/*.md) runs: each command
block and Python snippet is run in a temporary folder holding the quick start's output (`w2v train
-o vectors.bin` on the default corpus, trained once per test run: conftest.py's
`quick_start`, shared with other tests), so an example that breaks fails the tests. The pages'
blocks run in the order of their files (README.md first, then docs/ by path): each block must
stand alone, but for the quick start's files.

Blocks run:
- ```bash (or sh, shell) blocks: as a bash script, `set -euo pipefail`;
- ```console blocks, and unmarked ``` blocks with `$ ` lines: the lines that begin with `$ ` are
  the commands (a trailing backslash continues one onto the next line); the others are output;
- ```python blocks: with the Python running the tests.
`w2v` and `python` in them are this checkout's, run with the Python running the tests.

What a block shows is checked: the output lines of a console block (the lines that are not
commands) against the commands' stdout, token by token; and in a Python block, a line
`EXPRESSION  # LITERAL ...` whose comment starts with a Python literal (`# 'violin'`, `# 0.96
(...)`) against the expression's value. Numbers must be equal unless a mark allows a tolerance.

Marks, an HTML comment on the line before the block's opening fence:
    <!-- readme-test: skip: REASON -->
the block is not run (for what a test cannot do: install, download from the network, run for
minutes on a real corpus, need a Dask scheduler); its `w2v` commands are only parsed and its
Python compiled. A block that uses $W2V_SHARED_DATA is skipped with that reason when the
variable is unset.
    <!-- readme-test: numbers within TOL -->
the numbers it shows may differ by TOL (training with several threads is not bit-reproducible);
in a ranking (`RANK WORD SCORE` lines), a word may differ where the page shows another score
within TOL of its own: threads reorder near ties.

An example must run without a warning (an unknown word left out of a plot is a broken example).
No command of the pages may write into a file the repository tracks (the commands run elsewhere, but
the same lines pasted into a checkout would overwrite it).
"""

import ast
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from w2v.cli import build_parser

REPOSITORY = Path(__file__).resolve().parent.parent
README = REPOSITORY / "README.md"
PAGES = [README] + sorted(path for path in (REPOSITORY / "docs").rglob("*.md")
                          if "_build" not in path.relative_to(REPOSITORY / "docs").parts)
COMMAND_LANGUAGES = {"bash", "sh", "shell", "console"}
SKIP_MARK = re.compile(r"<!--\s*readme-test:\s*skip:\s*(.+?)\s*-->")
WITHIN_MARK = re.compile(r"<!--\s*readme-test:\s*numbers within\s+([0-9.]+)\s*-->")
RANKING_ROW = re.compile(r"^\s*\d+\s+\S+\s+-?[0-9.]+\s*$")
OUTPUT_OPTIONS = {"-o", "--output", "--out", "--dir", "--save-model", "--checkpoint"}


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    language: str  # "bash", "console", "python", ... ("" if none)
    text: str
    skip: str = None  # the reason given by a skip mark
    tolerance: float = 0.0  # of the numbers it shows, from a `numbers within` mark
    page: str = "README.md"  # the file it is in, relative to the repository

    @property
    def where(self):
        return f"{self.page} line {self.line}"

    @property
    def kind(self):
        """"shell", "python", or None for a block that is not an example to run."""
        if self.language in COMMAND_LANGUAGES or (
                self.language == "" and any(line.startswith("$ ") for line in self.lines)):
            return "shell"
        return "python" if self.language == "python" else None

    @property
    def lines(self):
        return self.text.splitlines()

    def script(self):
        """The commands of a shell block, as a script."""
        if self.language != "" and self.language != "console":
            return self.text
        commands, continued = [], False
        for line in self.lines:
            if line.startswith("$ ") or continued:
                commands.append(line[2:] if line.startswith("$ ") else line)
                continued = line.rstrip().endswith("\\")
        return "\n".join(commands) + "\n"

    def output(self):
        """The output lines a console block shows (none for a bash block)."""
        if self.language != "" and self.language != "console":
            return []
        shown, continued = [], False
        for line in self.lines:
            if not (line.startswith("$ ") or continued):
                shown.append(line)
            continued = (line.startswith("$ ") or continued) and line.rstrip().endswith("\\")
        return shown


def readme_blocks(text, page="README.md"):
    """The fenced blocks of a Markdown text, with the skip mark on the line before each."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^```\s*(\S*)", lines[i])  # MyST: ```{directive} argument
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        mark = SKIP_MARK.search(lines[i - 1]) if i > 0 else None
        within = WITHIN_MARK.search(lines[i - 1]) if i > 0 else None
        blocks.append(Block(i + 1, fence.group(1).lower(), "\n".join(lines[i + 1:end]) + "\n",
                            mark.group(1) if mark else None,
                            float(within.group(1)) if within else 0.0, page))
        i = end + 1
    return blocks


BLOCKS = [block for path in PAGES for block in readme_blocks(
    path.read_text(encoding="utf-8"), path.relative_to(REPOSITORY).as_posix())]
EXAMPLES = [block for block in BLOCKS if block.kind and not block.skip]
SKIPPED = [block for block in BLOCKS if block.kind and block.skip]


def number(token):
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def output_differences(shown, printed, tolerance):
    """The lines of `printed` that do not match `shown`, token by token (see the docstring)."""
    printed = printed.splitlines()
    if len(printed) != len(shown):
        return [f"{len(shown)} lines shown, {len(printed)} printed:\n" + "\n".join(printed)]
    table, tables = 0, []  # which ranking each line belongs to (0: none)
    for i, line in enumerate(shown):
        starts = RANKING_ROW.match(line) and not (i and RANKING_ROW.match(shown[i - 1]))
        table += bool(starts)
        tables.append(table if RANKING_ROW.match(line) else 0)
    differences = []
    for expected, got, table in zip(shown, printed, tables):
        want, have = expected.split(), got.split()
        tied = table and sum(abs(number(line.split()[-1]) - number(want[-1])) <= tolerance
                             for line, other in zip(shown, tables) if other == table) > 1
        same = len(want) == len(have) and all(
            abs(number(a) - number(b)) <= tolerance if number(a) is not None
            and number(b) is not None else a == b or (tied and i == 1)
            for i, (a, b) in enumerate(zip(want, have)))
        if not same:
            differences.append(f"shown {expected!r}, printed {got!r}")
    return differences


CHECK = """
def __readme_check(value, shown, line, tolerance={tolerance}):
    ok = (abs(value - shown) <= tolerance if isinstance(shown, float) else value == shown)
    assert ok, f"{page} line {{line}}: shows {{shown!r}}, got {{value!r}}"
"""


def with_checks(block):
    """The Python block, each `EXPRESSION  # LITERAL ...` line asserting its value."""
    source = block.text.splitlines()
    comments = {token.start[0]: token.string for token in
                tokenize.generate_tokens(io.StringIO(block.text).readline)
                if token.type == tokenize.COMMENT}
    for statement in ast.parse(block.text).body:
        line = statement.lineno
        if not isinstance(statement, ast.Expr) or line != statement.end_lineno \
                or line not in comments:
            continue
        first = comments[line][1:].split()[0] if comments[line][1:].split() else ""
        try:
            shown = ast.literal_eval(first)
        except (ValueError, SyntaxError):
            continue
        expression = ast.get_source_segment(block.text, statement.value)
        source[line - 1] = (f"__readme_check({expression}, {shown!r}, "
                            f"{block.line + line})")
    return CHECK.format(tolerance=block.tolerance, page=block.page) + "\n".join(source) + "\n"


def run_shell(script, folder):
    prelude = ('set -euo pipefail\n'
               'w2v() { "$W2V_TEST_PYTHON" -m w2v "$@"; }\n'
               'python() { "$W2V_TEST_PYTHON" "$@"; }\n')
    return subprocess.run(["bash", "-c", prelude + script], cwd=folder, env=_environment(),
                          capture_output=True, text=True, timeout=600)


def _environment():
    path = os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "W2V_TEST_PYTHON": sys.executable,
            "MPLBACKEND": "Agg"}


@pytest.mark.parametrize("block", EXAMPLES, ids=[
    f"{b.page.removeprefix('docs/')}:line{b.line}-{b.language or 'console'}" for b in EXAMPLES])
def test_readme_example_runs(block, quick_start):
    if "W2V_SHARED_DATA" in block.text and not os.environ.get("W2V_SHARED_DATA"):
        pytest.skip(f"{block.where}: needs $W2V_SHARED_DATA (the real datasets)")
    if block.kind == "python":
        result = subprocess.run([sys.executable, "-c", with_checks(block)], cwd=quick_start,
                                env=_environment(), capture_output=True, text=True, timeout=600)
    else:
        result = run_shell(block.script(), quick_start)
    assert result.returncode == 0, (
        f"{block.where}: exit {result.returncode}\n{block.text}\n{result.stderr}")
    # an example that works only in part (words left out of a plot, a barely trained run) is
    # not an example
    assert "warning:" not in result.stderr, f"{block.where}: {result.stderr}"
    if block.output():
        differences = output_differences(block.output(), result.stdout, block.tolerance)
        assert not differences, f"{block.where}:\n" + "\n".join(differences)


def test_examples_not_run_are_valid_commands_and_python():
    """A skip-marked block is not run, but its `w2v` commands parse and its Python compiles."""
    parser = build_parser()
    for block in SKIPPED:
        if block.kind == "python":
            compile(block.text, block.where, "exec")
            continue
        words = [word for line in block.script().replace("\\\n", " ").splitlines()
                 for word in shlex.split(line, comments=True) + [";"]]
        commands, current = [], []
        for word in words:
            if word in ("&&", "||", "|", ";", ">"):
                commands.append(current)
                current = []
            else:
                current.append(word)
        for command in commands:
            if command[:1] == ["w2v"]:
                try:
                    parser.parse_args(command[1:])
                except SystemExit:
                    pytest.fail(f"{block.where}: {shlex.join(command)} does not parse")


def test_readme_has_examples_of_every_kind():
    assert {block.kind for block in EXAMPLES} == {"shell", "python"}
    assert sum(bool(block.output()) for block in EXAMPLES) >= 2, "outputs shown and checked"
    assert any("__readme_check" in with_checks(block).split("\n", 4)[-1] for block in EXAMPLES
               if block.kind == "python")
    assert any("w2v neighbors vectors.bin" in block.text for block in EXAMPLES)


def test_no_command_hides_in_a_block_that_is_not_run():
    for block in BLOCKS:
        if block.kind is None:
            commands = [line for line in block.lines if re.match(r"(\$ )?w2v ", line)]
            assert not commands, f"{block.where}: {commands} in a ```" \
                                 f"{block.language} block: make it ```bash or ```console"


def test_no_readme_command_writes_into_a_tracked_file():
    tracked = set(subprocess.run(["git", "ls-files"], cwd=REPOSITORY, capture_output=True,
                                 text=True).stdout.splitlines())
    if not tracked:
        pytest.skip("not a git checkout")
    for block in EXAMPLES:
        if block.kind != "shell":
            continue
        words = shlex.split(block.script().replace("\\\n", " "), comments=True)
        outputs = [value for option, value in zip(words, words[1:]) if option in OUTPUT_OPTIONS]
        written = [o for o in outputs if os.path.normpath(o) in tracked]
        assert not written, f"{block.where} writes into tracked {written}"


def test_readme_is_a_short_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move text into docs/"


LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_link_between_the_pages_reaches_a_file():
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address, or a heading of the same page (Sphinx checks those)
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{page.relative_to(REPOSITORY)} links to missing {target}"
