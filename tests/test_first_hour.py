"""Issue 12, a newcomer's first hour: each mistake of the issue, made from the command line (a
real `w2v` process), gets a message about the real mistake; nothing silently gives a non-result.

Item 1 (README examples) is tests/test_readme.py; item 2 (two quick Ctrl-C) is in test_resume.
"""

import gzip
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest

from w2v import synthetic
from w2v.cli import build_parser, command_parser
from w2v.training import checkpoint
from w2v.vectors import KeyedVectors

WORDS = ["the", "horse", "cow", "pig", "violin", "cello", "harp", "france", "paris", "germany",
         "berlin", "good", "bad"]
COMMANDS = ("train", "neighbors", "analogy", "eval", "plot", "plot-loss", "sentiment",
            "corpora", "download", "phrases")
TRAINING_LOG = '{"config": {"dim": 8}, "epochs": [{"epoch": 1, "loss": 2.5, "words_per_sec": 9}]}'


def w2v(*argv, cwd=None):
    """`w2v ARGV` as a process: (exit code, stdout, stderr)."""
    result = subprocess.run([sys.executable, "-m", "w2v", *map(str, argv)], capture_output=True,
                            text=True, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def one_line(err, command, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"w2v {command}: "), err
    assert "Traceback" not in err, err
    for fragment in fragments:
        assert str(fragment) in lines[0], f"{fragment!r} not in {lines[0]!r}"


@pytest.fixture
def vectors(tmp_path):
    """A vectors file of words of the default corpus, its training log beside it."""
    rng = np.random.default_rng(0)
    path = tmp_path / "vectors.bin"
    KeyedVectors(WORDS, rng.standard_normal((len(WORDS), 8)).astype(np.float32)).save(path)
    (tmp_path / "vectors.bin.json").write_text(TRAINING_LOG)
    return path


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(f"{line}\n" for line in synthetic.generate_corpus(300, seed=1))
    return path


# ----- item 3: the wrong kind of file ------------------------------------------------------------


def test_a_vectors_file_given_as_corpus_is_named_even_with_errors_replace(tmp_path, vectors):
    for extra in ([], ["--errors", "replace"]):
        code, _, err = w2v("train", vectors, "-o", tmp_path / "out.bin", *extra)
        assert code == 1
        one_line(err, "train", f"{vectors} is a word2vec vectors file, not a text corpus",
                 f"to query them: w2v neighbors {vectors} WORD")
    assert not (tmp_path / "out.bin").exists()


def test_a_corpus_or_a_training_log_given_as_vectors_is_named(vectors, corpus):
    code, _, err = w2v("neighbors", corpus, "horse")
    assert code == 1
    one_line(err, "neighbors", f"{corpus} is plain text, not a vectors file",
             f"to train vectors on it: w2v train {corpus}")
    code, _, err = w2v("neighbors", f"{vectors}.json", "horse")
    assert code == 1
    one_line(err, "neighbors", f"{vectors}.json is a w2v training log, in JSON, not a vectors file",
             f"the vectors are in {vectors}")


@pytest.mark.parametrize("suffix", [".model", ".kv"])
def test_a_gensim_pickle_is_read_as_vectors_and_named_as_a_corpus(tmp_path, suffix):
    gensim_models = pytest.importorskip("gensim.models")
    model = gensim_models.Word2Vec([["horse", "cow", "pig"]] * 20, vector_size=4, min_count=1)
    path = tmp_path / f"g{suffix}"
    (model if suffix == ".model" else model.wv).save(str(path))
    code, out, _ = w2v("neighbors", path, "horse")
    assert code == 0 and "nearest to 'horse'" in out  # read through gensim (issue 13)
    code, _, err = w2v("train", path, "-o", tmp_path / "v.bin")
    assert code == 1
    one_line(err, "train", f"{path} is a gensim model saved with pickle")


def test_checkpoints_and_finished_npz_files_are_told_apart(tmp_path, vectors):
    saved = tmp_path / "v.bin.checkpoint.npz"
    checkpoint.save(saved, checkpoint.Checkpoint(
        {"dim": 2}, "/corpus.txt", ["a", "b"], np.array([3, 1]), np.ones((2, 2), np.float32),
        np.zeros((2, 2), np.float32), {"epoch": 0, "batch": 1}))
    code, _, err = w2v("neighbors", saved, "a")
    assert code == 1
    one_line(err, "neighbors", f"{saved} is a w2v training checkpoint, not a vectors file",
             f"w2v train --resume {saved}")
    code, _, err = w2v("train", saved)
    assert code == 1
    one_line(err, "train", "is a w2v training checkpoint, not a text corpus", "--resume")
    finished = tmp_path / "v.npz"
    KeyedVectors.load(vectors).save(finished)
    code, _, err = w2v("train", "--resume", finished)
    assert code == 1
    one_line(err, "train", f"{finished} is a .npz file of word vectors, not a w2v checkpoint")


# ----- item 4: no silent non-results -------------------------------------------------------------


def test_a_run_that_trains_nothing_is_an_error_and_almost_nothing_a_warning(tmp_path):
    one_word_lines = tmp_path / "words.txt"
    one_word_lines.write_text("horse\ncow\n" * 20)
    code, out, err = w2v("train", one_word_lines, "-o", tmp_path / "v.bin", "--min-count", "1",
                         "--quiet")
    assert code == 1 and not (tmp_path / "v.bin").exists()
    one_line(err, "train", "nothing was trained: 0 training pairs in 5 epochs",
             "no line holds two vocabulary words")

    nine_lines = tmp_path / "nine.txt"  # the issue's: --sample drops nearly every word
    nine_lines.write_text("a quick brown fox\njumps over the lazy dog\nthe dog sleeps\nthe fox "
                          "runs\na dog and a fox\nthe end\nhello world\nthe cat\nthe fox\n")
    code, out, err = w2v("train", nine_lines, "-o", tmp_path / "v.bin", "--min-count", "1",
                         "--quiet")
    assert code == 0 and "wrote" in out
    one_line(err, "train", "warning: the vectors are barely trained", "subsampling, --sample",
             "--sample 0 keeps them all")


def test_a_folder_corpus_reads_its_text_files_and_names_what_it_skips(tmp_path, vectors, corpus):
    folder = tmp_path / "corpora"
    folder.mkdir()
    for path in (vectors, f"{vectors}.json", corpus):
        os.rename(path, folder / os.path.basename(path))
    (folder / "notes.txt").write_text("horse cow pig\n" * 50)
    (folder / "image.dat").write_bytes(bytes(range(256)) * 4)
    code, out, err = w2v("train", folder, "-o", tmp_path / "out.txt", "--min-count", "1",
                         "--epochs", "1", "--dim", "8", "--quiet")
    assert code == 0, err
    one_line(err, "train", f"warning: corpus directory {folder}: reading corpus.txt.gz, notes.txt;"
             " skipping what is not text: image.dat (binary data), vectors.bin (a word2vec "
             "vectors file), vectors.bin.json (a w2v training log, in JSON)")
    words = KeyedVectors.load(tmp_path / "out.txt").words
    assert "horse" in words and '"epochs":' not in words and "{" not in words


# ----- item 5: the command line's shape ----------------------------------------------------------


def test_vectors_may_come_after_an_option_taking_several_values(tmp_path, vectors):
    pairs = tmp_path / "ws.tsv"
    pairs.write_text("horse cow 9\nviolin cello 8\nhorse violin 1\n")
    code, out, err = w2v("eval", "--similarity", pairs, vectors)
    assert code == 0 and "ws.tsv" in out, err
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "test"):
        (data / f"{split}.csv").write_text("label,text\n1,good horse\n0,bad cow\n" * 5)
    code, out, err = w2v("sentiment", "--data", data / "train.csv", data / "test.csv", vectors,
                         "--out", tmp_path / "r", "--lambdas", "1", "--no-baselines", "--quiet")
    assert code == 0 and "report:" in out, err
    code, _, err = w2v("sentiment", "--data", data / "train.csv", data / "test.csv",
                       "--out", tmp_path / "r")  # VECTORS forgotten: not taken from --data
    assert code == 2
    one_line(err, "sentiment", "the following arguments are required: VECTORS")


def test_unknown_options_name_the_subcommand_and_the_closest_option(vectors):
    code, _, err = w2v("train", "--epohcs", "3")
    assert code == 2
    one_line(err, "train", "unrecognized arguments: --epohcs (did you mean --epochs?)",
             "(see w2v train --help)")
    code, _, err = w2v("neighbors", vectors, "horse", "--bogus")
    assert code == 2
    one_line(err, "neighbors", "unrecognized arguments: --bogus")


def test_every_help_ends_with_examples_that_parse_and_every_argument_is_explained(
        vectors, monkeypatch):
    monkeypatch.chdir(vectors.parent)  # the examples' vectors.bin
    parser = build_parser()
    for command in COMMANDS:
        sub = command_parser(parser, command)
        for action in sub._actions:
            assert action.help, f"w2v {command}: {action.option_strings or action.metavar}"
        help_text = sub.format_help()
        examples = help_text[help_text.index("\nexamples:\n"):].strip().splitlines()[1:]
        assert 2 <= len(examples) <= 3 and help_text.rstrip().endswith(examples[-1]), command
        for example in examples:
            argv = shlex.split(example, comments=True)
            assert argv[0] == "w2v", example
            parser.parse_args(argv[1:])  # exits (a test failure) if it does not parse
    assert "(default)" in command_parser(parser, "plot").format_help()  # --method's default
    code, out, _ = w2v("plot", "--help")
    assert code == 0 and out.rstrip().splitlines()[-2].startswith("  w2v plot vectors.bin")


def test_plot_writes_the_format_its_extension_names(tmp_path, vectors):
    for name, magic in (("p.jpg", b"\xff\xd8\xff"), ("p.png", b"\x89PNG"), ("p.pdf", b"%PDF")):
        code, _, err = w2v("plot", vectors, "-o", tmp_path / name, "--top", "5")
        assert code == 0, err
        assert (tmp_path / name).read_bytes().startswith(magic), name
    code, _, err = w2v("plot", vectors, "-o", tmp_path / "p.bmpx", "--top", "5")
    assert code == 2
    one_line(err, "plot", "cannot tell the picture format of", ".png, .jpg")


@pytest.mark.parametrize("top", ["1", "100000"])
def test_plot_top_has_a_readable_rule(tmp_path, vectors, top):
    code, _, err = w2v("plot", vectors, "-o", tmp_path / "p.png", "--top", top)
    assert code == 2 and not (tmp_path / "p.png").exists()
    one_line(err, "plot", "a picture takes 2 to 200 words (more labels do not fit a readable "
             f"one), got --top {top}")


def test_close_spellings_are_suggested(vectors):
    code, out, err = w2v("neighbors", vectors, "hrose", "pari", "Violin", "cow", "-k", "2")
    assert code == 0 and "nearest to 'cow'" in out
    one_line(err, "neighbors", "'hrose', 'pari', 'Violin' are not in the vocabulary (13 words) "
             "(did you mean 'horse' or 'paris' or 'violin'?); skipped")


def test_missing_output_folders_are_created_by_every_command(tmp_path, vectors, corpus):
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "test"):
        (data / f"{split}.tsv").write_text("pos\tgood horse\nneg\tbad cow\n" * 5)
    runs = [
        ("train", corpus, "-o", tmp_path / "a" / "b" / "v.bin", "--min-count", "1", "--epochs",
         "1", "--dim", "8", "--quiet"),
        ("plot", vectors, "-o", tmp_path / "c" / "d" / "p.png", "--top", "5"),
        ("plot-loss", f"{vectors}.json", "-o", tmp_path / "e" / "loss.svg"),
        ("sentiment", vectors, "--data", data, "--out", tmp_path / "f" / "g", "--lambdas", "1",
         "--no-baselines", "--quiet"),
    ]
    for argv in runs:
        code, _, err = w2v(*argv)
        assert code == 0, err
    for written in ("a/b/v.bin", "c/d/p.png", "e/loss.svg", "f/g/sweep.csv"):
        assert (tmp_path / written).is_file(), written


# ----- item 6: no garbage from a text file with NaN ---------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_a_non_finite_value_in_a_text_file_names_its_line(tmp_path, value):
    path = tmp_path / "nanvec.txt"  # the file: read as binary, it "worked"
    path.write_text(f"2 3\nthe {value} 0.2 0.3\ncat 0.1 0.2 0.3\n")
    code, out, err = w2v("neighbors", path, "the")
    assert code == 1 and out == ""
    one_line(err, "neighbors", f"{path}, line 2: the vector of 'the' holds NaN or infinite values")


def test_the_binary_reader_rejects_text_it_cannot_have_written(tmp_path):
    from w2v.errors import W2VError

    path = tmp_path / "nanvec.bin"
    path.write_text("2 3\nthe 0.1 0.2 0.3\ncat 0.1 0.2 0.3\n")  # binary records line up with it
    with pytest.raises(W2VError, match="the vectors are text, not binary floats"):
        KeyedVectors.load(path, format="bin")
    assert KeyedVectors.load(path).words == ["the", "cat"]  # what it is: word2vec text


# ----- item 7: pictures and skips that explain themselves ----------------------------------------


@pytest.mark.parametrize("classes, names", [
    (("0", "1", "2", "3", "4"), ["very negative", "negative", "neutral", "positive",
                                 "very positive"]),
    (("0", "1"), ["negative", "positive"]),
    (("neg", "pos"), ["neg", "pos"]),
])
def test_sentiment_plots_name_the_classes(classes, names):
    from w2v.present.plots import plot_confusion_matrix, plot_roc_curves
    from w2v.sentiment.datasets import Dataset
    from w2v.sentiment.readers import Split
    from w2v.sentiment.tokenizer import Tokenizer
    from w2v.sentiment.sweep import run_sentiment
    from expected_warnings import FEW_TEST_SENTENCES, warns_exactly

    class Vectors:
        words = [f"w{i}" for i in range(len(classes))]
        vectors = np.eye(len(classes), dtype=np.float32)

    labels = list(classes) * 6
    sentences = [f"w{classes.index(label)}" for label in labels]
    splits = [Split(name, f"{name}.tsv", "tsv", sentences, labels, list(range(1, len(labels) + 1)))
              for name in ("train", "dev", "test")]
    with warns_exactly(FEW_TEST_SENTENCES):  # 6 test sentences a class
        result = run_sentiment(Vectors(), Dataset(*splits, classes=classes), Tokenizer(),
                               lambdas=[1.0], baselines=False, progress=False)
    axes = plot_confusion_matrix(result).axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == names
    assert [t.get_text() for t in axes.get_yticklabels()] == names
    legend = [line.get_label() for line in plot_roc_curves(result).axes[0].get_lines()]
    assert [label.split(" (AUC")[0] for label in legend if "AUC" in label] == names


def test_the_loss_plot_says_epoch_one_includes_the_compile(tmp_path, vectors):
    from w2v.present.plots import load_training_log, plot_training_log

    figure = plot_training_log(load_training_log(f"{vectors}.json"))
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert any("compile" in text for text in texts)


def test_pytest_prints_the_reason_of_every_skip(tmp_path):
    test = tmp_path / "test_skipping.py"
    test.write_text("import pytest\n\ndef test_x():\n    pytest.skip('needs $W2V_SHARED_DATA')\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-m", "pytest", str(test), "-c",
                             os.path.join(root, "pyproject.toml"), "-p", "no:cacheprovider"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert "SKIPPED [1]" in result.stdout and "needs $W2V_SHARED_DATA" in result.stdout
