"""Issue 27, the second hour: the frictions a new user met, each driven from the command line
(in process) or the Python call a user would type. The gensim items are in
test_gensim_continue.py (continuing a gensim model), test_engines.py (gensim callbacks) and
test_gensim_parity.py (KeyedVectors' methods)."""

import collections
import gzip
import io

import numpy as np
import pytest

from w2v import synthetic
from w2v.cli import main
from w2v.vectors import KeyedVectors

WORDS = ["the", "horse", "cow", "pig", "violin", "cello", "harp", "france", "paris"]


def one_line_error(capsys, command, *fragments):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"w2v {command}: error: "), err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    return err


@pytest.fixture
def vectors(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "vectors.bin"
    KeyedVectors(WORDS, rng.standard_normal((len(WORDS), 8)).astype(np.float32)).save(path)
    return path


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(400, seed=1)))
    return path


TINY = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--threads", "1", "--quiet"]


# ----- 1: compressed output, as --help promises -----------------------------------------------


def test_train_writes_compressed_vectors(corpus, tmp_path, capsys):
    output = tmp_path / "gz.txt.gz"
    assert main(["train", str(corpus), "-o", str(output), *TINY]) == 0, capsys.readouterr().err
    with gzip.open(output, "rt") as handle:
        assert handle.readline().split()[1] == "8"
    assert "horse" in KeyedVectors.load(output)


def test_train_refuses_an_output_it_cannot_write_before_training(corpus, tmp_path, capsys):
    assert main(["train", str(corpus), "-o", str(tmp_path / "x.json"), *TINY]) == 2
    one_line_error(capsys, "train", "--output must end with one of .bin", ".gz/.bz2/.xz")
    assert main(["train", str(corpus), "-o", str(tmp_path / "x.npz.gz"), *TINY]) == 2
    one_line_error(capsys, "train", "not compressed further; drop the .gz suffix")
    assert not list(tmp_path.glob("x.*"))


# ----- 8: did you mean, for commands and choices; neighbours ----------------------------------


@pytest.mark.parametrize("argv, meant", [
    (["nieghbors", "v.bin", "horse"], "did you mean neighbors?"),
    (["trian"], "did you mean train?"),
    (["train", "--arch", "skip-gram"], "did you mean skipgram?"),
])
def test_a_misspelt_command_or_choice_gets_the_closest(argv, meant, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert meant in err and len(err.strip().splitlines()) == 1, err


def test_neighbours_is_neighbors(vectors, capsys):
    assert main(["neighbours", str(vectors), "horse", "-k", "2"]) == 0
    british = capsys.readouterr().out
    assert main(["neighbors", str(vectors), "horse", "-k", "2"]) == 0
    assert capsys.readouterr().out == british and "horse" in british


# ----- 9: the wrong kind of file is named -------------------------------------------------------


def test_sentiment_data_that_is_vectors_is_named(vectors, tmp_path, capsys):
    assert main(["sentiment", str(vectors), "--data", str(vectors), "--out",
                 str(tmp_path / "r")]) == 1
    one_line_error(capsys, "sentiment", "vectors.bin is a word2vec vectors file, not a file of "
                   "labelled sentences")


def test_plot_loss_of_vectors_is_named(vectors, tmp_path, capsys):
    assert main(["plot-loss", str(vectors), "-o", str(tmp_path / "loss.png")]) == 1
    one_line_error(capsys, "plot-loss", "vectors.bin is a word2vec vectors file, expected a "
                   "JSON training log")


# ----- 14: small inconsistencies ----------------------------------------------------------------


def test_an_empty_corpus_is_refused_naming_it(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert main(["train", str(empty), "-o", str(tmp_path / "e.bin"), "--quiet"]) == 1
    one_line_error(capsys, "train", f"found no words in the corpus {empty}: it is empty")


def test_phrases_refuse_an_empty_corpus_as_train_does(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["phrases", str(empty), "--top", "3"]) == 1
    one_line_error(capsys, "phrases", f"found no words in the corpus {empty}")


def test_a_failed_download_leaves_no_empty_folder(tmp_path, monkeypatch, capsys):
    from w2v import catalogue
    from w2v.errors import W2VError

    def offline(entry, folder, progress):
        raise W2VError(f"cannot download {entry.name}: offline")

    monkeypatch.setattr(catalogue, "fetch_verified", offline)
    assert main(["download", "google-analogy", "--dir", str(tmp_path / "dl" / "sub")]) == 1
    one_line_error(capsys, "download", "offline")
    assert not (tmp_path / "dl").exists()
    assert main(["download", "text9"]) == 2
    one_line_error(capsys, "download", "unknown dataset 'text9' (did you mean text8?)")


def test_a_size_out_of_range_names_the_flag(vectors, tmp_path, capsys):
    assert main(["plot", str(vectors), "-o", str(tmp_path / "p.png"), "--size", "10x10"]) == 2
    one_line_error(capsys, "plot", "--size must be between 50 and 10000 pixels")


# ----- 16: similarity, neighbours of standard input, a corpus's vocabulary ----------------------


def stdin(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def test_similarity_prints_the_cosine_of_each_pair(vectors, capsys):
    kv = KeyedVectors.load(vectors)
    assert main(["similarity", str(vectors), "horse", "cow", "violin", "cello"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [float(line.split()[-1]) for line in lines] == pytest.approx(
        [kv.similarity("horse", "cow"), kv.similarity("violin", "cello")], abs=1e-4)
    assert main(["similarity", str(vectors), "horse", "hrose"]) == 1
    one_line_error(capsys, "similarity", "did you mean 'horse'?")


def test_neighbors_of_dash_answers_each_line_of_standard_input(vectors, monkeypatch, capsys):
    kv = KeyedVectors.load(vectors)
    stdin(monkeypatch, "horse\n\nnosuchword\nparis france\n")
    assert main(["neighbors", str(vectors), "-", "-k", "2"]) == 0
    captured = capsys.readouterr()
    tables = captured.out.split("\n\n")
    assert len(tables) == 2 and "nosuchword" in captured.err
    expected = [w for w, _ in kv.most_similar(["paris", "france"], topn=2)]
    assert [line.split()[1] for line in tables[1].splitlines()[2:]] == expected
    stdin(monkeypatch, "nosuchword\n")
    assert main(["neighbors", str(vectors), "-"]) == 1


def test_vocab_counts_a_corpus_without_training(corpus, monkeypatch, capsys):
    counted = collections.Counter(corpus.read_text().split())
    assert main(["vocab", str(corpus), "--min-count", "3"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    expected = sorted(((w, c) for w, c in counted.items() if c >= 3), key=lambda p: (-p[1], p[0]))
    assert [(w, int(c)) for w, c in lines] == expected
    stdin(monkeypatch, "b a b\nc b\n")
    assert main(["vocab", "-", "--head", "2"]) == 0
    assert capsys.readouterr().out == "b 3\na 1\n"


def test_a_compressed_npz_names_the_compression_suffix(tmp_path):
    from w2v.errors import UsageError

    kv = KeyedVectors(["a", "b"], np.ones((2, 3), np.float32))
    with pytest.raises(UsageError, match=r"not compressed further; drop the \.gz suffix"):
        kv.save(str(tmp_path / "py.npz.gz"))
    assert not list(tmp_path.iterdir())


# ----- 6: text vectors with decimal commas are refused, naming the line -----------------------


@pytest.mark.parametrize("name, lines, bad_line", [
    ("comma.txt", ["the 0.1 0.2 0.3", "cat 0,1 0,2 0,3"], 3),  # the file
    ("comma.bin", ["the 0.1 0.2 0.3", "cat 0,1 0,2 0,3"], 3),  # the extension says binary
    ("commas.txt", ["the 0,1 0,2 0,3", "cat 0,1 0,2 0,3"], 2),  # no line reads as text
])
def test_decimal_commas_are_not_read_as_binary_floats(tmp_path, capsys, name, lines, bad_line):
    path = tmp_path / name
    path.write_text("2 3\n" + "".join(f"{line}\n" for line in lines))
    assert main(["neighbors", str(path), "the"]) == 1
    one_line_error(capsys, "neighbors", f"{path}, line {bad_line}: '0,1' is not a number")


# ----- 15: the eval example without $W2V_SHARED_DATA ------------------------------------------


QUESTIONS = ": capital-common-countries\nfrance paris germany berlin\n"


def test_eval_without_the_shared_data_names_the_download(vectors, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("W2V_SHARED_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    # the README's command with the variable unset: the shell expands it to nothing
    argv = ["eval", str(vectors), "--analogies", "/google-analogy/questions-words.txt",
            "--similarity", "/wordsim353/wordsim353.tsv"]
    assert main(argv) == 1
    one_line_error(capsys, "eval", "/google-analogy/questions-words.txt does not exist "
                   "($W2V_SHARED_DATA is not set)",
                   "w2v download google-analogy --dir google-analogy")
    assert main(["eval", str(vectors), "--similarity", "data/wordsim353/wordsim353.tsv"]) == 1
    one_line_error(capsys, "eval", "fetched to data/wordsim353/combined.csv by: "
                   "w2v download wordsim353 --dir data")
    assert main(["eval", str(vectors), "--analogies", "mine.txt"]) == 1  # not a known benchmark
    assert one_line_error(capsys, "eval").endswith("benchmark file mine.txt does not exist")


def test_the_download_the_error_names_writes_the_file_asked_for(vectors, tmp_path, monkeypatch,
                                                                 capsys):
    from w2v import catalogue

    def offline_copy(entry, folder, progress):  # what the network would bring
        (folder / entry.filename).write_text(QUESTIONS)
        return folder / entry.filename

    monkeypatch.setattr(catalogue, "fetch_verified", offline_copy)
    monkeypatch.chdir(tmp_path)
    wanted = "data/google-analogy/questions-words.txt"
    assert main(["eval", str(vectors), "--analogies", wanted]) == 1
    command = capsys.readouterr().err.split(" by: ")[1].split()
    assert command[:3] == ["w2v", "download", "google-analogy"]
    assert main(command[1:]) == 0
    assert capsys.readouterr().out.strip() == wanted
    assert main(["eval", str(vectors), "--analogies", wanted, "--json"]) == 0


def test_the_docs_eval_snippet_without_the_shared_data_says_what_it_needs(vectors,
                                                                            monkeypatch):
    from pathlib import Path

    from w2v.errors import W2VError

    page = Path(__file__).resolve().parent.parent / "docs" / "guide" / "coming-from.md"
    readme = page.read_text(encoding="utf-8")
    snippet = next(block.split("```")[0] for block in readme.split("```python\n")[1:]
                   if "kv.evaluate_word_analogies(f" in block)
    monkeypatch.delenv("W2V_SHARED_DATA", raising=False)
    monkeypatch.chdir(vectors.parent)
    with pytest.raises(W2VError) as raised:  # not a KeyError
        exec(snippet, {})
    message = str(raised.value)
    assert "\n" not in message and "questions-words.txt does not exist" in message
    assert "w2v.catalogue.download('google-analogy', folder=" in message


def test_word_pairs_read_the_downloads_comma_separated_file(vectors, tmp_path):
    pairs = tmp_path / "combined.csv"  # wordsim353.zip's combined.csv
    pairs.write_text("Word 1,Word 2,Human (mean)\nhorse,cow,8\nhorse,violin,1\nparis,france,9\n")
    pearson, spearman, oov = KeyedVectors.load(vectors).evaluate_word_pairs(pairs)
    assert oov == 0 and not np.isnan(spearman[0])
