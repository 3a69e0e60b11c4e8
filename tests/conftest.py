"""Fixtures shared by several test files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def quick_start(tmp_path_factory):
    """A folder holding the quick start's output, vectors.bin and vectors.bin.json (`w2v train
    -o vectors.bin` on the embedded default corpus), trained once per test run."""
    folder = tmp_path_factory.mktemp("readme")
    path = os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "w2v", "train", "-o", "vectors.bin"],
                            cwd=folder, env={**os.environ, "PYTHONPATH": path},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="session")
def planted_corpus(tmp_path_factory):
    """planted_corpus(lines, seed): the path (str) of a synthetic corpus with planted
    structure (`w2v.synthetic`), written once per test run."""
    from w2v import synthetic

    written = {}

    def path_of(lines, seed):
        if (lines, seed) not in written:
            path = tmp_path_factory.mktemp("planted") / f"planted-{lines}-{seed}.txt"
            path.write_text("".join(f"{line}\n" for line in
                                    synthetic.generate_corpus(lines, seed=seed)))
            written[lines, seed] = str(path)
        return written[lines, seed]

    return path_of
