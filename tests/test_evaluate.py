"""Analogy and word-pair benchmarks: exact answers on hand-made files, parity with gensim."""

import os

import numpy as np
import pytest

from w2v.errors import UsageError, W2VError
from w2v.vectors.evaluate import (
    evaluate_analogies,
    evaluate_word_pairs,
    read_analogy_questions,
    read_word_pairs,
    top_k_per_row,
)
from w2v.vectors import KeyedVectors

# Capitals are one-hot vectors e_i, their countries e_i + e_6: every country - capital offset is
# the same, so "athens greece paris ?" is france (cosine 0.96, next best 0.40).
# Plurals: the same construction on other axes with offset e_7.
#   "Paris", a case variant of paris, leans towards the country axis: it is the best candidate of
#   "Athens Greece Paris ?" (cosine 0.970 against france's 0.959), so that question is right only
#   if case variants of question words are skipped like the words themselves (gensim does).
CAPITALS = ["athens", "paris", "rome", "berlin"]
COUNTRIES = ["greece", "france", "italy", "germany"]
SINGULARS, PLURALS = ["cat", "dog"], ["cats", "dogs"]


def hand_vectors():
    dim = 10
    rows, words = [], []
    for i, (capital, country) in enumerate(zip(CAPITALS, COUNTRIES)):
        words += [capital, country]
        rows += [np.eye(dim)[i], np.eye(dim)[i] + np.eye(dim)[6]]
    for i, (singular, plural) in enumerate(zip(SINGULARS, PLURALS)):
        words += [singular, plural]
        rows += [np.eye(dim)[8 + i], np.eye(dim)[8 + i] + np.eye(dim)[7]]
    words.append("Paris")
    rows.append(np.eye(dim)[1] + 0.6 * np.eye(dim)[6])
    words.append("rare")  # the last word: outside restrict_vocab=13
    rows.append(np.eye(dim)[4])
    return KeyedVectors(words, np.array(rows, dtype=np.float32))


HAND_QUESTIONS = """\
: capital-common-countries
Athens Greece Paris France
Paris France Rome Italy
Rome Italy Berlin Germany
Athens Greece Paris Italy
Athens Greece Madrid Spain
this line has five words
: gram8-plural
cat cats dog dogs
dog dogs cat cats
cat cats dog rare
: empty-section
"""


@pytest.fixture
def hand_files(tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(HAND_QUESTIONS)
    return hand_vectors(), questions


def test_hand_made_analogies_exact(hand_files):
    kv, questions = hand_files
    result = evaluate_analogies(kv, questions, restrict_vocab=13)
    capitals, plurals, empty = result.sections
    assert (capitals.name, capitals.correct, capitals.answered, capitals.oov) == (
        "capital-common-countries",
        3,
        4,
        1,
    )  # "Paris Italy" wrong, Madrid/Spain unknown
    assert (plurals.name, plurals.correct, plurals.answered, plurals.oov) == (
        "gram8-plural",
        2,
        2,
        1,
    )
    assert (empty.questions, empty.accuracy) == (0, None)
    assert result.invalid_lines == 1
    assert (result.semantic.correct, result.semantic.answered) == (3, 4)
    assert (result.syntactic.correct, result.syntactic.answered) == (2, 2)
    assert (result.total.correct, result.total.answered, result.total.oov) == (5, 6, 2)
    assert result.accuracy == pytest.approx(5 / 6)
    assert result.to_dict()["total"] == {
        "name": "total",
        "questions": 8,
        "answered": 6,
        "oov": 2,
        "correct": 5,
        "accuracy": 5 / 6,
    }


def test_restrict_vocab_and_case_sensitivity(hand_files):
    kv, questions = hand_files
    everything = evaluate_analogies(kv, questions, restrict_vocab=None)
    assert (
        everything.sections[1].correct == 2 and everything.sections[1].oov == 0
    )  # "rare" now known
    assert everything.sections[1].answered == 3
    exact_case = evaluate_analogies(kv, questions, restrict_vocab=None, case_insensitive=False)
    assert exact_case.sections[0].oov == 5  # "Athens" etc. do not match lowercase words
    assert exact_case.sections[0].answered == 0
    with pytest.raises(UsageError, match="restrict_vocab must be >= 1, got 0"):
        evaluate_analogies(kv, questions, restrict_vocab=0)


def test_hand_made_analogies_equal_gensim(hand_files):
    gensim_models = pytest.importorskip("gensim.models")
    kv, questions = hand_files
    reference = gensim_models.KeyedVectors(vector_size=kv.dim)
    reference.add_vectors(kv.words, kv.vectors)
    for restrict in (12, 13, 14):
        assert_same_as_gensim(
            evaluate_analogies(kv, questions, restrict), reference, questions, restrict
        )


def assert_same_as_gensim(result, reference, questions, restrict):
    score, sections = reference.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
    assert [s.name for s in result.sections] + ["Total accuracy"] == [
        s["section"] for s in sections
    ]
    for ours, theirs in zip(result.sections, sections):
        assert (ours.correct, ours.answered) == (
            len(theirs["correct"]),
            len(theirs["correct"]) + len(theirs["incorrect"]),
        ), ours.name
    assert (result.accuracy or 0.0) == pytest.approx(score, abs=0)


def shared_file(*parts):
    root = os.environ.get("W2V_SHARED_DATA")
    if not root:
        pytest.skip("W2V_SHARED_DATA is not set: it names the folder of shared benchmark files")
    path = os.path.join(root, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} is missing (see the PROVENANCE.md files in W2V_SHARED_DATA)")
    return path


def planted_vectors(questions_path, pair_words=(), dim=32, seed=0, noise=0.6, filler=500):
    """Vectors on which the real analogy file is partly solvable: in each section every pair
    (a, b) gets b = a + section offset + noise; capitalized variants of some words sit next to
    them; random filler words; the vocabulary order shuffled."""
    rng = np.random.default_rng(seed)
    vectors = {}
    for _, questions in read_analogy_questions(questions_path)[0]:
        offset = rng.standard_normal(dim)
        for q in questions:
            for x, y in ((q[0].lower(), q[1].lower()), (q[2].lower(), q[3].lower())):
                vectors.setdefault(x, rng.standard_normal(dim))
                vectors.setdefault(y, vectors[x] + offset + noise * rng.standard_normal(dim))
    for word in pair_words:
        vectors.setdefault(word.lower(), rng.standard_normal(dim))
    words = list(vectors)
    variants = [w.capitalize() for w in words[::7] if w.capitalize() != w]
    for variant in variants:
        vectors[variant] = vectors[variant.lower()] + 0.05 * rng.standard_normal(dim)
    for i in range(filler):
        vectors[f"filler{i}"] = 1.5 * rng.standard_normal(dim)
    order = [str(w) for w in rng.permutation(list(vectors))]
    return KeyedVectors(order, np.array([vectors[w] for w in order], dtype=np.float32))


@pytest.fixture(scope="module")
def planted():
    questions = shared_file("google-analogy", "questions-words.txt")
    pairs = shared_file("wordsim353", "wordsim353.tsv")
    pair_words = [w for a, b, _ in read_word_pairs(pairs)[0][::2] for w in (a, b)]
    return planted_vectors(questions, pair_words), questions, pairs


def test_google_analogies_equal_gensim_on_planted_vectors(planted):
    gensim_models = pytest.importorskip("gensim.models")
    kv, questions, _ = planted
    reference = gensim_models.KeyedVectors(vector_size=kv.dim)
    reference.add_vectors(kv.words, kv.vectors)
    result = evaluate_analogies(kv, questions, restrict_vocab=1200)
    assert (
        0.3 < result.accuracy < 0.95
    ), "planted vectors should make some questions right, some wrong"
    assert result.total.questions == 19544 and result.total.oov > 0
    assert [s.name for s in result.sections][:5] == [
        "capital-common-countries",
        "capital-world",
        "currency",
        "city-in-state",
        "family",
    ]
    assert all(s.kind == "syntactic" for s in result.sections[5:])
    assert_same_as_gensim(result, reference, questions, 1200)


def test_word_pairs_equal_gensim(planted):
    gensim_models = pytest.importorskip("gensim.models")
    kv, _, pairs = planted
    reference = gensim_models.KeyedVectors(vector_size=kv.dim)
    reference.add_vectors(kv.words, kv.vectors)
    ours = evaluate_word_pairs(kv, pairs)
    pearson, spearman, oov_percent = reference.evaluate_word_pairs(pairs)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-9)
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.pairs == 353 and 0 < ours.oov < 353
    assert 100 * ours.oov / ours.pairs == pytest.approx(oov_percent)


def test_word_pairs_hand_made(tmp_path):
    kv = hand_vectors()
    path = tmp_path / "pairs.txt"
    path.write_text(
        "# comment line\n"
        "athens greece 9\n"  # cosine 0.71
        "athens\tparis\t1.5\n"  # 0.0, tab separated
        "paris Paris 10\n"  # 1.0: compared uppercased, both are the row of paris
        "cat unknownword 3\n"  # OOV
        "not a pair at all\n"  # invalid
        "\n"
    )
    result = evaluate_word_pairs(kv, path)
    assert (result.pairs, result.used, result.oov, result.invalid_lines) == (4, 3, 1, 1)
    assert result.spearman == pytest.approx(1.0)
    cosines = [np.sqrt(0.5), 0.0, 1.0]
    assert result.pearson == pytest.approx(np.corrcoef([9, 1.5, 10], cosines)[0, 1], abs=1e-6)
    pair_words = read_word_pairs(path)[0]
    assert pair_words[1] == ("athens", "paris", 1.5)


def test_word_pairs_edge_cases(tmp_path):
    kv = hand_vectors()
    one = tmp_path / "one.txt"
    one.write_text("athens greece 9\nzzz yyy 1\n")
    assert evaluate_word_pairs(kv, one).spearman is None  # one pair: no correlation
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("zzz yyy 1\n")
    with pytest.raises(W2VError, match="none of the 1 pairs has both words in the vocabulary"):
        evaluate_word_pairs(kv, unknown)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(W2VError, match="no 'word1 word2 score' lines"):
        evaluate_word_pairs(kv, empty)


def test_benchmark_file_errors(tmp_path):
    kv = hand_vectors()
    with pytest.raises(W2VError, match="benchmark file .*missing.txt does not exist"):
        evaluate_analogies(kv, tmp_path / "missing.txt")
    with pytest.raises(W2VError, match="is a directory"):
        evaluate_word_pairs(kv, tmp_path)
    headless = tmp_path / "headless.txt"
    headless.write_text("\nathens greece paris france\n")
    with pytest.raises(
        W2VError, match=r"headless.txt, line 2: question before the first ': section' header"
    ):
        evaluate_analogies(kv, headless)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b": s\nathens greece paris france\ncaf\xe9 a b c\n")
    with pytest.raises(W2VError, match=r"latin1.txt, line 3: not valid UTF-8"):
        evaluate_analogies(kv, latin1)
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("\n\n")
    with pytest.raises(W2VError, match="no ': section' header"):
        evaluate_analogies(kv, nothing)


def test_benchmark_file_with_a_byte_order_mark(tmp_path):
    """Notepad's UTF-8 files start with U+FEFF: not part of the first section header."""
    questions = tmp_path / "bom.txt"
    questions.write_bytes(b"\xef\xbb\xbf" + HAND_QUESTIONS.encode("utf-8"))
    sections, invalid = read_analogy_questions(questions)
    assert sections[0][0] == "capital-common-countries" and invalid == 1
    latin1 = tmp_path / "bom-latin1.txt"
    latin1.write_bytes(b"\xef\xbb\xbf: s\ncaf\xe9 a b c\n")
    with pytest.raises(W2VError, match=r"bom-latin1.txt, line 2: not valid UTF-8"):
        read_analogy_questions(latin1)


@pytest.mark.parametrize("columns", [7, 300, 2000, 4093])
def test_top_k_per_row_equals_a_full_sort(columns):
    rng = np.random.default_rng(columns)
    scores = rng.standard_normal((20, columns)).astype(np.float32)
    scores[:, -1] = 5  # the best value in the last, possibly short, group
    scores[1, :6] = 7  # ties: the lower index first
    scores[2, 3] = -np.inf
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :6]
    np.testing.assert_array_equal(top_k_per_row(scores, 6, group=8), expected)
    np.testing.assert_array_equal(top_k_per_row(scores, 6), expected)
