"""Every example of README.md runs (issue 12): each command block and Python snippet is run in a
temporary folder holding the quick start's output (`w2v train -o vectors.bin` on the default
corpus, trained once per test session: conftest.py's `quick_start`, shared with other tests), so a README example that breaks fails the tests.

Blocks run:
- ```bash (or sh, shell) blocks: as a bash script, `set -euo pipefail`;
- ```console blocks, and unmarked ``` blocks with `$ ` lines: the lines that begin with `$ ` are
  the commands (a trailing backslash continues one onto the next line); the others are output;
- ```python blocks: with the Python running the tests.
`w2v` and `python` in them are this checkout's, run with the Python running the tests.

Marks, an HTML comment on the line before the block's opening fence:
    <!-- readme-test: skip: REASON -->
the block is not run and its test is skipped with REASON (for what a test cannot do: install,
download from the network, run for minutes on a real corpus, need a Dask scheduler). A block that
uses $W2V_SHARED_DATA is skipped with that reason when the variable is unset.

An example must run without a warning (an unknown word left out of a plot is a broken example).
No README command may write into a file the repository tracks (the commands run elsewhere, but
the same lines pasted into a checkout would overwrite it).
"""

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
README = REPOSITORY / "README.md"
COMMAND_LANGUAGES = {"bash", "sh", "shell", "console"}
SKIP_MARK = re.compile(r"<!--\s*readme-test:\s*skip:\s*(.+?)\s*-->")
OUTPUT_OPTIONS = {"-o", "--output", "--out", "--dir", "--save-model", "--checkpoint"}


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    language: str  # "bash", "console", "python", ... ("" if none)
    text: str
    skip: str = None  # the reason given by a skip mark

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


def readme_blocks(text):
    """The fenced blocks of a Markdown text, with the skip mark on the line before each."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^```\s*(\S*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        mark = SKIP_MARK.search(lines[i - 1]) if i > 0 else None
        blocks.append(Block(i + 1, fence.group(1).lower(), "\n".join(lines[i + 1:end]) + "\n",
                            mark.group(1) if mark else None))
        i = end + 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
EXAMPLES = [block for block in BLOCKS if block.kind]


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


@pytest.mark.parametrize("block", EXAMPLES, ids=[f"line{b.line}-{b.language or 'console'}"
                                                for b in EXAMPLES])
def test_readme_example_runs(block, quick_start):
    if block.skip:
        pytest.skip(f"README.md line {block.line}: {block.skip}")
    if "W2V_SHARED_DATA" in block.text and not os.environ.get("W2V_SHARED_DATA"):
        pytest.skip(f"README.md line {block.line}: needs $W2V_SHARED_DATA (the real datasets)")
    if block.kind == "python":
        result = subprocess.run([sys.executable, "-c", block.text], cwd=quick_start,
                                env=_environment(), capture_output=True, text=True, timeout=600)
    else:
        result = run_shell(block.script(), quick_start)
    assert result.returncode == 0, (
        f"README.md line {block.line}: exit {result.returncode}\n{block.text}\n{result.stderr}")
    # an example that works only in part (words left out of a plot, a barely trained run) is
    # not an example
    assert "warning:" not in result.stderr, f"README.md line {block.line}: {result.stderr}"


def test_readme_has_examples_of_every_kind():
    assert {block.kind for block in EXAMPLES} == {"shell", "python"}
    assert any("w2v neighbors vectors.bin" in block.text for block in EXAMPLES)


def test_no_command_hides_in_a_block_that_is_not_run():
    for block in BLOCKS:
        if block.kind is None:
            commands = [line for line in block.lines if re.match(r"(\$ )?w2v ", line)]
            assert not commands, f"README.md line {block.line}: {commands} in a ```" \
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
        assert not written, f"README.md line {block.line} writes into tracked {written}"
