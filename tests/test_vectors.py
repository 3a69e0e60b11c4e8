"""KeyedVectors: lookups, exact answers on hand-made vectors, every file format, bad files."""

import gzip
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from w2v.errors import UsageError, W2VError
from w2v.vectors.keyed import KeyedVectors
from w2v.vectors.queries import top_indices

# Hand-made vectors whose answers can be worked out on paper: the royals and people lie in the
# x-y plane (king 45 degrees, queen 63.4, man 0, woman 47.7), apple and car on the z axis.
HAND_WORDS = ["king", "queen", "man", "woman", "apple", "car"]
HAND_VECTORS = np.array(
    [[1, 1, 0], [1, 2, 0], [1, 0, 0], [1, 1.1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float32
)


@pytest.fixture
def hand():
    return KeyedVectors(HAND_WORDS, HAND_VECTORS, counts=np.arange(6, 0, -1), config={"dim": 2})


def random_vectors(n=40, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)] + ["élan", "naïve", "日本"]
    vectors = rng.standard_normal((len(words), dim)).astype(np.float32)
    return KeyedVectors(words, vectors, counts=np.arange(len(words), 0, -1))


# ----- lookups and queries ------------------------------------------------------------------------


def test_lookup_basics(hand):
    assert len(hand) == 6 and hand.dim == 3 and "queen" in hand and "Queen" not in hand
    assert list(hand) == HAND_WORDS
    assert hand.index_of("man") == 2
    np.testing.assert_array_equal(hand["woman"], np.float32([1, 1.1, 0]))
    np.testing.assert_array_equal(hand[["car", "king"]], HAND_VECTORS[[5, 0]])
    assert hand.vectors.dtype == np.float32 and hand.vectors.flags.c_contiguous
    assert np.allclose(np.linalg.norm(hand.unit_vectors, axis=1), 1)
    assert hand.unit_vectors is hand.unit_vectors  # computed once


def test_unknown_word_errors_name_the_words_and_the_vocabulary_size(hand):
    with pytest.raises(W2VError, match=r"'prince' is not in the vocabulary \(6 words\)"):
        hand["prince"]
    with pytest.raises(W2VError, match=r"'x', 'y' are not in the vocabulary"):
        hand.most_similar(positive=["x", "king"], negative=["y"])
    with pytest.raises(W2VError, match=r"did you mean 'queen'\?"):
        hand.similarity("Queen", "king")


def test_nearest_neighbour_and_similarity_exact(hand):
    # angles from king: woman 2.7 degrees, queen 18.4, man 45, apple and car 90
    best = hand.most_similar("king", topn=3)
    assert [w for w, _ in best] == ["woman", "queen", "man"]
    expected = (1 + 1.1) / (np.sqrt(2) * np.sqrt(1 + 1.21))
    assert best[0][1] == pytest.approx(expected, abs=1e-6)
    assert hand.similarity("king", "man") == pytest.approx(np.sqrt(0.5), abs=1e-6)
    assert all(word != "king" for word, _ in hand.most_similar("king", topn=10))
    assert len(hand.most_similar("king", topn=10)) == 5


def test_analogy_3cosadd_and_3cosmul_exact(hand):
    # man : king :: woman : ?  ->  unit(king) - unit(man) + unit(woman) = (0.38, 1.45, 0): queen;
    # 3CosMul: queen 0.974 * 0.981 / 0.724 = 1.32 beats apple and car, 0.5 * 0.5 / 0.5
    assert hand.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    assert (
        hand.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
        == "queen"
    )


def test_most_similar_options(hand):
    scores = hand.most_similar("king", topn=None)
    assert scores.shape == (6,) and scores[0] == pytest.approx(1, abs=1e-6)
    assert [w for w, _ in hand.most_similar("king", topn=5, restrict_vocab=3)] == ["queen", "man"]
    by_vector = hand.most_similar(positive=[np.array([1.0, 1.0, 0.0])], topn=1)
    assert by_vector[0][0] == "king"  # raw vectors are not excluded
    assert hand.most_similar("king", topn=0) == []  # as gensim
    for bad in (-1, 1.5, True):
        with pytest.raises(UsageError, match="topn"):
            hand.most_similar("king", topn=bad)
    with pytest.raises(UsageError, match="restrict_vocab"):
        hand.most_similar("king", restrict_vocab=0)
    with pytest.raises(UsageError, match="at least one"):
        hand.most_similar()


def test_doesnt_match_and_mean_vector(hand):
    assert hand.doesnt_match(["king", "queen", "woman", "car"]) == "car"
    np.testing.assert_allclose(hand.mean_vector(["king", "man"]), [1, 0.5, 0])
    unit_mean = hand.mean_vector(["queen", "car"], unit=True)
    np.testing.assert_allclose(
        unit_mean, (HAND_VECTORS[1] / np.sqrt(5) + [0, 0, -1]) / 2, rtol=1e-6
    )
    assert hand.mean_vector(["king", "nope"], ignore_unknown=True).tolist() == [1, 1, 0]
    with pytest.raises(W2VError, match="'nope'"):
        hand.mean_vector(["king", "nope"])
    with pytest.raises(W2VError, match="'nope'"):
        hand.mean_vector(["nope"], ignore_unknown=True)


def test_gensim_names_exact(hand):
    assert hand.index_to_key is hand.words and hand.vector_size == 3
    assert hand.get_index("man") == 2 and hand.get_index("nope", -1) == -1
    assert hand.get_vecattr("queen", "count") == 5
    np.testing.assert_allclose(hand.get_vector("queen", norm=True), np.float32([1, 2, 0]) / 5**0.5)
    assert hand.get_normed_vectors() is hand.unit_vectors
    # angles from king: woman 2.7 degrees, queen 18.4, man 45, apple and car 90
    np.testing.assert_allclose(hand.distances("man", ["king", "apple"]), [1 - 0.5**0.5, 1],
                               atol=1e-6)
    np.testing.assert_allclose(hand.distances(np.float32([0, 0, 2]))[4:], [0, 2], atol=1e-6)
    assert hand.distance("apple", "car") == pytest.approx(2, abs=1e-6)
    assert hand.closer_than("king", "man") == ["queen", "woman"]
    assert hand.rank("king", "man") == 3 and hand.rank("king", "woman") == 1
    assert hand.n_similarity(["king", "man"], ["queen"]) == pytest.approx(
        (1 + 1) / (1.25**0.5 * 5**0.5), abs=1e-6)  # mean (1, 0.5, 0) against (1, 2, 0)
    assert [w for w, _ in hand.similar_by_word("king", topn=2)] == ["woman", "queen"]
    assert hand.similar_by_vector([0, 0, 1], topn=1)[0][0] == "apple"


def test_get_mean_vector_follows_gensim(hand):
    np.testing.assert_allclose(hand.get_mean_vector(["king", "man"], pre_normalize=False),
                               [1, 0.5, 0])
    np.testing.assert_allclose(  # divided by the sum of the absolute weights
        hand.get_mean_vector(["king", "man"], [1, -3], pre_normalize=False), [-0.5, 0.25, 0])
    np.testing.assert_allclose(hand.get_mean_vector(["apple", np.float32([0, 3, 0])]),
                               [0, 1.5, 0.5])  # vectors are used as given, words unit length
    np.testing.assert_allclose(hand.get_mean_vector(["queen", "nope"], post_normalize=True),
                               np.float32([1, 2, 0]) / 5**0.5, rtol=1e-6)
    assert hand.get_mean_vector(["nope"]).tolist() == [0, 0, 0]
    with pytest.raises(KeyError, match="'nope' is not in the vocabulary"):
        hand.get_mean_vector(["king", "nope"], ignore_missing=False)
    with pytest.raises(ValueError, match="one number per key"):
        hand.get_mean_vector(["king", "man"], [1])
    weighted = hand.most_similar(positive=[("king", 2.0), "woman"], negative=[("man", -1.0)])
    assert weighted[0][0] == "queen"


def test_unknown_words_raise_a_key_error_too(hand):
    with pytest.raises(KeyError) as raised:
        hand["prince"]
    assert isinstance(raised.value, W2VError)
    assert str(raised.value).startswith("'prince' is not")  # not in KeyError's quotes
    with pytest.raises(KeyError, match="^0 is not in the vocabulary"):
        hand[0]  # rows are not keys here (gensim takes an unknown int as a row number)
    with pytest.raises(KeyError):
        hand.n_similarity(["king"], ["prince"])  # gensim skips it; a typo is worth an error


def test_benchmarks_return_gensims_shapes(hand, tmp_path):
    from w2v.vectors.evaluate import evaluate_analogies

    questions = tmp_path / "questions.txt"
    questions.write_text(": royals\nman king woman queen\nking man queen woman\n"
                         "man king nope queen\n: cars\napple car apple car\n")
    score, sections = hand.evaluate_word_analogies(questions)
    assert [s["section"] for s in sections] == ["royals", "cars", "Total accuracy"]
    assert ("MAN", "KING", "WOMAN", "QUEEN") in sections[0]["correct"]
    assert sections[2]["correct"] == sections[0]["correct"] + sections[1]["correct"]
    graded = len(sections[2]["correct"]) + len(sections[2]["incorrect"])
    assert graded == 3 and score == evaluate_analogies(hand, questions).accuracy
    _, with_unknown = hand.evaluate_word_analogies(questions, dummy4unknown=True)
    assert ("MAN", "KING", "NOPE", "QUEEN") in with_unknown[0]["incorrect"]
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("king\tqueen\t8\nman\twoman\t7\napple\tcar\t1\nking\tnope\t5\n")
    pearson, spearman, oov_ratio = hand.evaluate_word_pairs(pairs)
    cosines = [hand.similarity(*p) for p in [("king", "queen"), ("man", "woman"), ("apple", "car")]]
    assert pearson[0] == pytest.approx(np.corrcoef([8, 7, 1], cosines)[0, 1])
    assert spearman[0] == pytest.approx(1.0) and oov_ratio == 25.0
    commas = tmp_path / "pairs.csv"
    commas.write_text(pairs.read_text().replace("\t", ","))
    assert hand.evaluate_word_pairs(commas, ",")[0][0] == pytest.approx(pearson[0])
    with pytest.raises(ValueError, match="encoding must be UTF-8"):
        hand.evaluate_word_pairs(pairs, encoding="latin-1")


def test_queries_equal_gensim_on_random_vectors():
    gensim_models = pytest.importorskip("gensim.models")
    kv = random_vectors(300, 20, seed=3)
    reference = gensim_models.KeyedVectors(vector_size=kv.dim)
    reference.add_vectors(kv.words, kv.vectors)
    for positive, negative in [
        (["w1"], []),
        (["w1", "w2"], ["w3"]),
        (["w5", "日本"], ["w7", "w8"]),
    ]:
        ours = kv.most_similar(positive=positive, negative=negative, topn=8)
        theirs = reference.most_similar(positive=positive, negative=negative, topn=8)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
        ours = kv.most_similar_cosmul(positive=positive, negative=negative, topn=8)
        theirs = reference.most_similar_cosmul(positive=positive, negative=negative, topn=8)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert kv.doesnt_match(["w1", "w2", "w3", "w4"]) == reference.doesnt_match(
        ["w1", "w2", "w3", "w4"]
    )
    assert kv.similarity("w1", "w9") == pytest.approx(
        float(reference.similarity("w1", "w9")), abs=1e-6
    )


def test_top_indices_orders_by_score_then_index():
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0], dtype=np.float32)
    assert top_indices(scores, 3).tolist() == [1, 3, 2]
    assert top_indices(scores, 10).tolist() == [1, 3, 2, 0, 4]


def test_constructor_rejects_inconsistent_input():
    vectors = np.zeros((2, 3), dtype=np.float32)
    for words, message in [
        (["a"], "got 1 words for 2 vectors"),
        (["a", "a"], "duplicate word 'a'"),
        (["a", ""], "non-empty str"),
        (["a", "b c"], "contains whitespace"),
    ]:
        with pytest.raises(W2VError, match=message):
            KeyedVectors(words, vectors)
    with pytest.raises(W2VError, match="counts must have shape"):
        KeyedVectors(["a", "b"], vectors, counts=[1, 2, 3])
    with pytest.raises(W2VError, match="output_vectors must have shape"):
        KeyedVectors(["a", "b"], vectors, output_vectors=np.zeros((2, 2)))
    with pytest.raises(W2VError, match="at least one word"):
        KeyedVectors([], np.zeros((0, 3)))


# ----- round trips --------------------------------------------------------------------------------

ALL_SUFFIXES = [".bin", ".txt", ".vec", ".npz", ".txt.gz", ".bin.gz", ".vec.bz2", ".bin.xz"]


@pytest.mark.parametrize("suffix", ALL_SUFFIXES)
def test_round_trip_is_exact(tmp_path, suffix):
    kv = random_vectors()
    kv.vectors[0, :3] = [np.float32(1e-45), -0.0, np.float32(3.4028235e38)]  # subnormal, -0, max
    path = tmp_path / f"vectors{suffix}"
    kv.save(path)
    loaded = KeyedVectors.load(path)
    assert loaded.words == kv.words
    assert loaded.vectors.dtype == np.float32
    assert loaded.vectors.tobytes() == kv.vectors.tobytes()


def test_npz_keeps_counts_output_vectors_and_config(tmp_path):
    kv = random_vectors()
    full = KeyedVectors(
        kv.words,
        kv.vectors,
        counts=kv.counts,
        output_vectors=kv.vectors[::-1] * 2,
        config={"dim": 7, "model": "sg", "seed": np.int64(3)},
    )
    full.save(tmp_path / "v.npz")
    loaded = KeyedVectors.load(tmp_path / "v.npz")
    np.testing.assert_array_equal(loaded.counts, kv.counts)
    np.testing.assert_array_equal(loaded.output_vectors, full.output_vectors)
    assert loaded.config == {"dim": 7, "model": "sg", "seed": 3}
    bare = KeyedVectors.load(_saved(tmp_path, KeyedVectors(["a"], [[1.0]]), "bare.npz"))
    assert bare.counts is None and bare.output_vectors is None and bare.config is None


def _saved(folder, kv, name):
    kv.save(folder / name)
    return folder / name


def test_format_argument_overrides_the_extension(tmp_path):
    kv = random_vectors(5, 3)
    kv.save(tmp_path / "vectors.data", format="bin")
    assert KeyedVectors.load(tmp_path / "vectors.data").words == kv.words
    assert KeyedVectors.load(tmp_path / "vectors.data", format="bin").words == kv.words
    with pytest.raises(UsageError, match="cannot tell the vectors format"):
        kv.save(tmp_path / "vectors.data")
    with pytest.raises(UsageError, match="format must be one of"):
        kv.save(tmp_path / "v.bin", format="hdf5")


def test_reads_glove_headerless_text_with_crlf(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_bytes("the 0.1 -0.2 0.3\r\n, 1 2 3\r\nnaïve 4e-3 5 -6\r\n".encode())
    kv = KeyedVectors.load(path)
    assert kv.words == ["the", ",", "naïve"]
    np.testing.assert_array_equal(
        kv.vectors, np.float32([[0.1, -0.2, 0.3], [1, 2, 3], [4e-3, 5, -6]])
    )


def test_reads_fasttext_vec_with_trailing_spaces(tmp_path):
    path = tmp_path / "wiki.vec"
    path.write_bytes(b"2 3\n</s> 0.5 0.25 -1 \nde -0.125 2 3 \n")
    kv = KeyedVectors.load(path)
    assert kv.words == ["</s>", "de"]
    np.testing.assert_array_equal(kv.vectors, np.float32([[0.5, 0.25, -1], [-0.125, 2, 3]]))


def test_reads_word2vec_c_and_gensim_binary_layouts(tmp_path):
    vectors = np.float32([[1, 2], [3, 4]])
    c_style = b"2 2\n" + b"".join(
        w + b" " + v.tobytes() + b"\n" for w, v in zip([b"a", b"b"], vectors)
    )
    gensim_style = b"2 2\n" + b"".join(
        w + b" " + v.tobytes() for w, v in zip([b"a", b"b"], vectors)
    )
    for name, data in [
        ("c.bin", c_style),
        ("g.bin", gensim_style),
        ("g.bin.gz", gzip.compress(c_style)),
    ]:
        (tmp_path / name).write_bytes(data)
        kv = KeyedVectors.load(tmp_path / name)
        assert kv.words == ["a", "b"] and kv.vectors.tobytes() == vectors.tobytes()


@pytest.mark.parametrize("suffix,binary", [(".bin", True), (".txt", False)])
def test_gensim_reads_our_files_and_we_read_gensims(tmp_path, suffix, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = random_vectors()
    kv.save(tmp_path / f"ours{suffix}")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(
        str(tmp_path / f"ours{suffix}"), binary=binary
    )
    assert theirs.index_to_key == kv.words
    np.testing.assert_array_equal(theirs.vectors, kv.vectors)
    theirs.save_word2vec_format(str(tmp_path / f"gensim{suffix}"), binary=binary)
    back = KeyedVectors.load(tmp_path / f"gensim{suffix}")
    assert back.words == kv.words
    np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_save_is_atomic_and_refuses_nan(tmp_path):
    path = tmp_path / "v.bin"
    random_vectors(3, 2).save(path)
    before = path.read_bytes()
    broken = KeyedVectors(["a", "b"], np.float32([[1, np.nan], [0, 1]]))
    with pytest.raises(W2VError, match=r"row 0 \(word 'a'\) holds NaN"):
        broken.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["v.bin"]  # no temporary file left behind
    random_vectors(3, 2).save(tmp_path / "missing" / "v.bin")  # a missing folder is created
    assert os.listdir(tmp_path / "missing") == ["v.bin"]


def test_unencodable_word_is_a_clear_error(tmp_path):
    kv = KeyedVectors(["ok", "bad\udc80"], np.ones((2, 2)))
    with pytest.raises(W2VError, match="cannot be encoded as UTF-8"):
        kv.save(tmp_path / "v.txt")


def test_projector_export_layout(tmp_path):
    from w2v.vectors.writers import write_projector

    kv = random_vectors(5, 3)
    write_projector(kv, tmp_path / "counted", limit=4)
    metadata = (tmp_path / "counted" / "metadata.tsv").read_text(encoding="utf-8")
    # several columns: a header; one column: none (the projector's rule)
    assert metadata.splitlines() == ["word\tcount"] + [f"w{i}\t{8 - i}" for i in range(4)]
    rows = (tmp_path / "counted" / "vectors.tsv").read_text().splitlines()
    assert len(rows) == 4 and all(len(row.split("\t")) == 3 for row in rows)
    np.testing.assert_array_equal(np.float32([r.split("\t") for r in rows]), kv.vectors[:4])
    bare = KeyedVectors(kv.words, kv.vectors)
    write_projector(bare, tmp_path / "bare")
    assert (tmp_path / "bare" / "metadata.tsv").read_text(encoding="utf-8").splitlines() == \
        kv.words
    assert sorted(os.listdir(tmp_path / "bare")) == ["metadata.tsv", "vectors.tsv"]


def test_export_command(tmp_path, capsys):
    from w2v.cli import main

    random_vectors(5, 3).save(tmp_path / "v.npz")
    assert main(["export", str(tmp_path / "v.npz"), "-o", str(tmp_path / "out"),
                 "--limit", "2"]) == 0
    assert "2 vectors of dimension 3" in capsys.readouterr().out
    assert len((tmp_path / "out" / "vectors.tsv").read_text().splitlines()) == 2
    assert main(["export", str(tmp_path / "v.npz"), "-o", str(tmp_path / "x"), "--limit", "0"]) == 2
    assert capsys.readouterr().err.strip() == "w2v export: error: --limit must be >= 1, got 0"


@pytest.mark.parametrize("name,content", [
    ("w2v.model", {"gensim.models.word2vec": "Word2Vec"}),  # told by its content
    ("plain.kv", {"vectors": [1.0]}),  # a pickle named .kv
])
def test_gensim_pickles_without_gensim_say_to_install_it(tmp_path, monkeypatch, capsys, name,
                                                         content):
    import pickle
    import sys

    from w2v.cli import main

    path = tmp_path / name
    path.write_bytes(pickle.dumps(content, protocol=4))
    monkeypatch.setitem(sys.modules, "gensim", None)  # `import gensim` fails
    monkeypatch.setitem(sys.modules, "gensim.utils", None)
    with pytest.raises(W2VError, match="install gensim to read gensim's pickled .model/.kv files"):
        KeyedVectors.load(path)
    assert main(["neighbors", str(path), "king"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "install gensim to read gensim's pickled .model/.kv files" \
        in error


# ----- bad files: one clear error saying where ----------------------------------------------------

GOOD_TEXT = b"3 2\nthe 1 2\nof 3 4\nand 5 6\n"
BAD_FILES = {
    "truncated text line": (
        b"3 2\nthe 1 2\nof 3 4\nand 5",
        r"bad\.txt, line 4: expected 2 numbers after the word, got 1 \(truncated\?\)",
    ),
    "header promises more": (
        b"4 2\nthe 1 2\nof 3 4\nand 5 6\n",
        r"header \(line 1\) says 4 words but the file has 3",
    ),
    "header promises fewer": (
        b"2 2\nthe 1 2\nof 3 4\nand 5 6\n",
        r"line 4: more lines than the 2 words",
    ),
    "wrong dimension on a line": (
        b"3 2\nthe 1 2\nof 3 4 5\nand 5 6\n",
        r"line 3: expected 2 numbers after the word, got 3",
    ),
    "glove wrong dimension": (
        b"the 1 2\nof 3\n",
        r"line 2: expected 2 numbers after the word, got 1",
    ),
    "duplicate word": (
        b"3 2\nthe 1 2\nof 3 4\nthe 5 6\n",
        r"line 4: duplicate word 'the' \(first at line 2\)",
    ),
    "nan": (
        b"3 2\nthe 1 2\nof nan 4\nand 5 6\n",
        r"line 3: the vector of 'of' holds NaN or infinite",
    ),
    "inf": (b"the 1 2\nof 3 -inf\n", r"line 2: the vector of 'of' holds NaN or infinite"),
    "not a number": (b"3 2\nthe 1 2\nof 3 x4\nand 5 6\n", r"line 3: 'x4' is not a number"),
    "not utf-8 word": (
        b"3 2\nthe 1 2\n\xff\xfe 3 4\nand 5 6\n",
        r"line 3: word '\\xff\\xfe' is not valid UTF-8",
    ),
    "empty": (b"", r"bad\.txt is empty"),
    "header only": (b"3 2\n", r"header \(line 1\) says 3 words but the file has none"),
    "zero dimension header": (b"3 0\n", r"line 1: header says 3 words of dimension 0"),
    "truncated binary": (
        b"2 2\na " + np.float32([1, 2]).tobytes() + b"\nb " + np.float32([3]).tobytes(),
        r"record 2 of 2 \(byte \d+\): file ends inside the vector of 'b' "
        r"\(4 of 8 bytes; truncated\?\)",
    ),
    "binary header promises more": (
        b"3 2\na " + np.float32([1, 2]).tobytes() + b"\n",
        r"record 2 of 3 \(byte 15\): file ends before the word",
    ),
    "binary data after the last word": (
        b"1 2\na " + np.float32([1, 2]).tobytes() + b"\nb " + np.float32([1, 2]).tobytes(),
        r"byte 15: more data after the 1 words the header announces",
    ),
    "binary nan": (
        b"1 2\na " + np.float32([1, np.nan]).tobytes(),
        r"record 1: the vector of 'a' holds NaN",
    ),
    "binary duplicate": (
        b"2 1\na " + np.float32([1]).tobytes() + b"\na " + np.float32([2]).tobytes(),
        r"record 2: duplicate word 'a' \(first at record 1\)",
    ),
    "corrupt gzip": (gzip.compress(GOOD_TEXT)[:-12], r"corrupt or truncated gzip data"),
    "corrupt npz": (b"PK\x03\x04" + b"\x00" * 40, r"not a readable \.npz archive"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_raises_one_line_error_saying_where(tmp_path, case):
    data, message = BAD_FILES[case]
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(W2VError, match=message) as caught:
        KeyedVectors.load(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(W2VError, match="vectors file .*nothing.bin does not exist"):
        KeyedVectors.load(tmp_path / "nothing.bin")
    with pytest.raises(W2VError, match="is a directory, expected a vectors file"):
        KeyedVectors.load(tmp_path)


def test_npz_missing_arrays_and_mismatched_words(tmp_path):
    np.savez(tmp_path / "other.npz", weights=np.zeros((2, 2)))
    with pytest.raises(W2VError, match="has no 'vectors' array"):
        KeyedVectors.load(tmp_path / "other.npz")
    words = np.frombuffer(b"a\nb\nc", dtype=np.uint8)
    np.savez(tmp_path / "short.npz", vectors=np.zeros((2, 2)), words=words)
    with pytest.raises(W2VError, match="3 words for 2 vectors"):
        KeyedVectors.load(tmp_path / "short.npz")


# ----- property tests: arbitrary bytes never crash; valid files round-trip ------------------------

# W2V_FUZZ_EXAMPLES=10000 for a long fuzz run; the default keeps the suite quick
FUZZ_EXAMPLES = int(os.environ.get("W2V_FUZZ_EXAMPLES", "150"))
VALID_BIN = (
    b"2 3\nab "
    + np.float32([1, 2, 3]).tobytes()
    + b"\ncd "
    + np.float32([4, 5, 6]).tobytes()
    + b"\n"
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One folder for all examples of a property test (hypothesis reruns the test body)."""
    return tmp_path_factory.mktemp("fuzz")


def _load_bytes(folder, data, name):
    path = folder / name
    path.write_bytes(data)
    try:
        return KeyedVectors.load(path)
    except W2VError as exc:
        assert "\n" not in str(exc)
        return None


def _npz_bytes():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "valid.npz")
        KeyedVectors(["a", "b"], np.float32([[1, 2], [3, 4]]), counts=[2, 1], config={"k": 1}).save(
            path
        )
        with open(path, "rb") as handle:
            return handle.read()


def _mutations():
    """Valid files of each format, truncated and with some bytes overwritten."""
    return st.tuples(
        st.sampled_from(
            [VALID_BIN, GOOD_TEXT, b"a 1 2\nb 3 4\n", gzip.compress(GOOD_TEXT), _npz_bytes()]
        ),
        st.integers(0, 400),
        st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=4),
    )


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_nothing_but_w2verror(scratch, data):
    _load_bytes(scratch, data, "fuzz.bin")
    _load_bytes(scratch, b"2 3\n" + data, "fuzz-header.txt")


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_damaged_valid_files_raise_nothing_but_w2verror(scratch, mutation):
    data, cut, edits = mutation
    damaged = bytearray(data[: max(cut, 1)] if cut < len(data) else data)
    for position, value in edits:
        if position < len(damaged):
            damaged[position] = value
    _load_bytes(scratch, bytes(damaged), "damaged")


WORD_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c")


@st.composite
def keyed_vectors(draw):
    words = draw(
        st.lists(st.text(WORD_CHARS, min_size=1, max_size=8), min_size=1, max_size=6, unique=True)
    )
    dim = draw(st.integers(1, 5))
    finite = st.floats(width=32, allow_nan=False, allow_infinity=False)
    vectors = draw(hnp.arrays(np.float32, (len(words), dim), elements=finite))
    return KeyedVectors(words, vectors)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keyed_vectors(), st.sampled_from([".bin", ".txt", ".npz", ".vec.gz"]))
def test_valid_files_round_trip_exactly(scratch, kv, suffix):
    path = scratch / ("roundtrip" + suffix)
    kv.save(path)
    loaded = KeyedVectors.load(path)
    assert loaded.words == kv.words
    assert loaded.vectors.tobytes() == kv.vectors.tobytes()
