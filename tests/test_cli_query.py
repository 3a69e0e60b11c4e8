"""`w2v neighbors`, `w2v analogy`, `w2v eval` in-process: tables, exit codes, one-line errors;
and an end-to-end run: `w2v train` on real text, then `w2v eval` with the shared benchmarks."""

import json
import lzma
import os
import re

import numpy as np
import pytest

from w2v.cli import main
from w2v.vectors import KeyedVectors

from test_evaluate import HAND_QUESTIONS, hand_vectors
from test_vectors import BAD_FILES, HAND_VECTORS, HAND_WORDS


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "hand.bin"
    KeyedVectors(HAND_WORDS, HAND_VECTORS).save(path)
    return str(path)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ----- neighbors and analogy ----------------------------------------------------------------------


def test_neighbors_prints_a_table_per_word(vectors_file, capsys):
    code, out, err = run(capsys, "neighbors", vectors_file, "king", "car", "-k", "2")
    assert code == 0 and err == ""
    king, car = out.split("\n\n")
    assert king.splitlines()[0] == "nearest to 'king'"
    assert [line.split()[1] for line in king.splitlines()[2:]] == ["woman", "queen"]
    assert king.splitlines()[2].split()[2] == f"{(2.1 / np.sqrt(2 * 2.21)):.4f}"
    assert [line.split()[1] for line in car.splitlines()[2:]][0] in {
        "king",
        "queen",
        "man",
        "woman",
    }


def test_neighbors_names_unknown_words_and_answers_the_rest(vectors_file, capsys):
    code, out, err = run(capsys, "neighbors", vectors_file, "nope", "king", "Queen")
    assert code == 0
    assert (
        "'nope', 'Queen' are not in the vocabulary (6 words) (did you mean 'queen'?); skipped"
        in err
    )
    assert "nearest to 'king'" in out and "nope" not in out
    code, out, err = run(capsys, "neighbors", vectors_file, "nope")
    assert code == 1 and out == ""
    assert err.strip() == "w2v neighbors: error: 'nope' is not in the vocabulary (6 words)"


def test_analogy(vectors_file, capsys):
    code, out, err = run(capsys, "analogy", vectors_file, "man", "king", "woman", "-k", "3")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("man : king :: woman : ?") and "3CosAdd" in lines[0]
    assert lines[2].split()[:2] == ["1", "queen"] and len(lines) == 5
    code, out, _ = run(
        capsys, "analogy", vectors_file, "man", "king", "woman", "--cosmul", "-k", "1"
    )
    assert code == 0 and "3CosMul" in out and out.splitlines()[2].split()[1] == "queen"
    code, out, err = run(capsys, "analogy", vectors_file, "man", "kingdom", "womanhood")
    assert code == 1 and out == ""
    assert (
        "cannot answer 'man : kingdom :: womanhood : ?': 'kingdom', 'womanhood' are not in" in err
    )


def test_query_option_errors(vectors_file, capsys):
    code, _, err = run(capsys, "neighbors", vectors_file, "king", "-k", "0")
    assert code == 2 and "-k must be >= 1, got 0" in err
    code, _, err = run(capsys, "analogy", vectors_file, "a", "b", "c", "--restrict-vocab", "-3")
    assert code == 2 and "--restrict-vocab must be >= 1, got -3" in err


BAD_FILE_CASES = [
    "truncated text line",
    "header promises more",
    "wrong dimension on a line",
    "duplicate word",
    "nan",
    "not utf-8 word",
    "truncated binary",
    "binary header promises more",
    "corrupt gzip",
]


@pytest.mark.parametrize("case", BAD_FILE_CASES)
def test_bad_vectors_file_gives_one_line_and_exit_1(tmp_path, capsys, case):
    data, message = BAD_FILES[case]
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    for argv in (
        ["neighbors", path, "the"],
        ["eval", path, "--similarity", path],
        ["plot", path, "-o", tmp_path / "x.png"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"w2v {argv[0]}: error: {path}")
        assert re.search(message, err), err


def test_missing_file_and_directory_exit_1(tmp_path, capsys):
    code, _, err = run(capsys, "neighbors", tmp_path / "none.bin", "the")
    assert (
        code == 1
        and err.strip()
        == f"w2v neighbors: error: vectors file {tmp_path / 'none.bin'} does not exist"
    )
    code, _, err = run(capsys, "analogy", tmp_path, "a", "b", "c")
    assert (
        code == 1
        and err.strip() == f"w2v analogy: error: {tmp_path} is a directory, expected a vectors file"
    )


# ----- eval ---------------------------------------------------------------------------------------


@pytest.fixture
def eval_files(tmp_path):
    vectors = tmp_path / "hand.txt"
    hand_vectors().save(vectors)
    questions = tmp_path / "questions.txt"
    questions.write_text(HAND_QUESTIONS)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "# w1\tw2\tscore\nathens\tgreece\t9\nathens\tparis\t1.5\ncat\tdog\t4\nx\ty\t1\n"
    )
    return str(vectors), str(questions), str(pairs)


def test_eval_tables(eval_files, capsys):
    vectors, questions, pairs = eval_files
    code, out, err = run(
        capsys,
        "eval",
        vectors,
        "--analogies",
        questions,
        "--similarity",
        pairs,
        "--restrict-vocab",
        13,
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"vectors: {vectors} (14 words, dimension 10)"
    assert f"analogies: {questions} (3CosAdd over the 13 most frequent words)" in lines
    rows = (["capital-common-countries"], ["gram8-plural"], ["total"])
    table = {fields[0]: fields[1:] for fields in map(str.split, lines) if fields[:1] in rows}
    assert table["capital-common-countries"] == ["3", "4", "75.0%", "1"]
    assert table["gram8-plural"] == ["2", "2", "100.0%", "1"]
    assert table["total"] == ["5", "6", "83.3%", "2"]
    assert (
        "8 questions: 6 answered, 2 (25.0%) not scored because a word is not among the 13 "
        "most frequent words" in out
    )
    assert "1 lines skipped: not a header and not four words" in out
    pair_line = next(line for line in lines if line.startswith(pairs))
    assert pair_line.split()[1:4] == ["4", "3", "1"]


def test_eval_json(eval_files, capsys):
    vectors, questions, pairs = eval_files
    code, out, _ = run(
        capsys, "eval", vectors, "--analogies", questions, "--similarity", pairs, pairs, "--json"
    )
    report = json.loads(out)
    assert code == 0 and report["words"] == 14 and report["dim"] == 10
    analogies = report["analogies"][0]
    assert analogies["restrict_vocab"] == 14 and analogies["total"]["answered"] == 7
    assert [s["name"] for s in analogies["sections"]] == [
        "capital-common-countries",
        "gram8-plural",
        "empty-section",
    ]
    assert analogies["sections"][2]["accuracy"] is None
    assert len(report["similarity"]) == 2 and report["similarity"][0]["used"] == 3


def test_eval_errors(eval_files, capsys, tmp_path):
    vectors, questions, _ = eval_files
    code, _, err = run(capsys, "eval", vectors)
    assert (
        code == 2 and "nothing to evaluate: give --analogies FILE and/or --similarity FILE" in err
    )
    code, _, err = run(capsys, "eval", vectors, "--analogies", tmp_path / "none.txt")
    assert code == 1 and "benchmark file" in err and "does not exist" in err
    code, _, err = run(capsys, "eval", vectors, "--analogies", questions, "--restrict-vocab", 0)
    assert code == 2 and "--restrict-vocab must be >= 1, got 0" in err


# ----- end to end: train on real text, evaluate on the shared benchmarks --------------------------


def shared_data(*parts):
    root = os.environ.get("W2V_SHARED_DATA")
    if not root:
        pytest.skip(
            "W2V_SHARED_DATA is not set: it names the folder of shared corpora and benchmarks"
        )
    path = os.path.join(root, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} is missing (see the PROVENANCE.md files in W2V_SHARED_DATA)")
    return path


def test_train_then_eval_on_google_analogies_and_wordsim353(tmp_path, capsys):
    corpus_xz = shared_data("corpora", "mix17m.txt.xz")
    questions = shared_data("google-analogy", "questions-words.txt")
    wordsim = shared_data("wordsim353", "wordsim353.tsv")
    corpus = tmp_path / "slice.txt"
    with lzma.open(corpus_xz, "rb") as source:  # the first ~560k tokens: a few seconds of training
        corpus.write_bytes(source.read(3_000_000).rsplit(b"\n", 1)[0] + b"\n")
    vectors = tmp_path / "vectors.bin"
    code, _, err = run(
        capsys,
        "train",
        corpus,
        "-o",
        vectors,
        "--epochs",
        2,
        "--min-count",
        5,
        "--seed",
        1,
        "--threads",
        1,
        "--quiet",
    )
    assert code == 0, err

    code, out, err = run(
        capsys, "eval", vectors, "--analogies", questions, "--similarity", wordsim, "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    analogies, pairs = report["analogies"][0], report["similarity"][0]
    assert analogies["total"]["questions"] == 19544 and analogies["total"]["answered"] > 1000
    assert analogies["total"]["correct"] > 0, "trained vectors should solve a few analogies"
    assert pairs["used"] > 200 and pairs["spearman"] is not None

    # gensim on the same file; its one-question-at-a-time loop is slow, so over 4,000 words
    gensim_models = pytest.importorskip("gensim.models")
    reference = gensim_models.KeyedVectors.load_word2vec_format(str(vectors), binary=True)
    code, out, _ = run(
        capsys, "eval", vectors, "--analogies", questions, "--restrict-vocab", 4000, "--json"
    )
    restricted = json.loads(out)["analogies"][0]
    score, sections = reference.evaluate_word_analogies(questions, restrict_vocab=4000)
    assert restricted["total"]["correct"] == len(sections[-1]["correct"]) > 0
    assert restricted["total"]["accuracy"] == score
    for ours, theirs in zip(restricted["sections"], sections):
        assert ours["correct"] == len(theirs["correct"]), ours["name"]
    pearson, spearman, _ = reference.evaluate_word_pairs(wordsim)
    assert pairs["spearman"] == pytest.approx(spearman[0], abs=1e-9)
    assert pairs["pearson"] == pytest.approx(pearson[0], abs=1e-6)

    code, out, _ = run(capsys, "neighbors", vectors, "king", "-k", 3)
    assert code == 0 and len(out.splitlines()) == 5
    log = str(vectors) + ".json"
    if os.path.exists(log):  # the training log beside the vectors
        code, _, err = run(capsys, "plot-loss", log, "-o", tmp_path / "loss.png")
        assert code == 0, err
