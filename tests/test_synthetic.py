import collections
import gzip
import hashlib
import itertools

import pytest

from w2v import synthetic
from w2v.errors import UsageError


def test_same_seed_gives_the_same_text_and_another_seed_does_not():
    first = list(synthetic.generate_corpus(300, seed=5))
    assert first == list(synthetic.generate_corpus(300, seed=5))
    assert first != list(synthetic.generate_corpus(300, seed=6))


def test_a_shorter_corpus_is_a_prefix_of_a_longer_one():
    short = list(synthetic.generate_corpus(50, seed=1))
    assert list(itertools.islice(synthetic.generate_corpus(500, seed=1), 50)) == short


def test_lines_are_lowercase_words_separated_by_single_spaces():
    for line in synthetic.generate_corpus(200, seed=3):
        words = line.split(" ")
        assert words and all(w.isalpha() and w.islower() for w in words), line


def test_groups_are_disjoint_and_every_planted_word_occurs_often():
    groups = synthetic.planted_groups()
    assert 10 <= len(groups) <= 20
    assert all(8 <= len(words) <= 12 for words in groups.values())
    planted = [w for words in groups.values() for w in words]
    assert len(planted) == len(set(planted)), "a word is planted in two groups"
    counts = collections.Counter(" ".join(synthetic.generate_corpus(5000, seed=2)).split())
    rare = {w: counts[w] for w in planted if counts[w] < 20}
    assert not rare, f"planted words too rare for min-count 5 in 5000 sentences: {rare}"


def test_planted_words_do_not_appear_as_filler():
    planted = {w for words in synthetic.planted_groups().values() for w in words}
    fillers = set(synthetic.DETERMINERS + synthetic.FILLER_NOUNS + synthetic.FILLER_ADJECTIVES
                  + synthetic.VERBS + synthetic.PREPOSITIONS + synthetic.CONJUNCTIONS
                  + synthetic.ADVERBS + synthetic.SUBJECTS + synthetic.NATION_WORDS
                  + synthetic.CITY_WORDS)
    assert not planted & fillers


def test_analogies_pair_each_country_with_its_capital():
    questions = synthetic.planted_analogies()
    assert ("france", "paris", "germany", "berlin") in questions
    assert len(questions) == 12 * 11


def test_invalid_arguments_name_the_rule():
    with pytest.raises(UsageError, match="n_sentences must be an integer >= 0, got -1"):
        list(synthetic.generate_corpus(-1, seed=0))
    with pytest.raises(UsageError, match="seed must be an integer"):
        list(synthetic.generate_corpus(1, seed="x"))


def test_committed_default_corpus_is_the_generator_output():
    path = synthetic.repository_corpus_path()
    assert path.is_file(), f"{path} is missing: run scripts/make_default_corpus.py"
    assert path.stat().st_size < 2_000_000, "the shipped corpus must stay under 2 MB"
    committed = hashlib.md5(gzip.decompress(path.read_bytes())).hexdigest()
    assert committed == synthetic.text_md5(), (
        "corpora/default.txt.gz differs from w2v.synthetic's output: "
        "run scripts/make_default_corpus.py (and bump GENERATOR_VERSION if the text changed)"
    )


def test_written_gzip_is_reproducible_and_round_trips(tmp_path):
    a = synthetic.write_default_corpus(tmp_path / "a.txt.gz", n_sentences=100, seed=4)
    b = synthetic.write_default_corpus(tmp_path / "b.txt.gz", n_sentences=100, seed=4)
    assert a.read_bytes() == b.read_bytes()
    text = gzip.decompress(a.read_bytes()).decode("ascii")
    assert text == synthetic.corpus_text(100, seed=4)
    plain = synthetic.write_default_corpus(tmp_path / "c.txt", n_sentences=100, seed=4)
    assert plain.read_text() == text


def test_default_corpus_path_prefers_the_repository_copy():
    assert synthetic.default_corpus_path() == synthetic.repository_corpus_path()


def test_default_corpus_is_generated_once_into_the_xdg_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic, "repository_corpus_path", lambda: tmp_path / "absent.txt.gz")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real_write = synthetic.write_default_corpus

    def small_write(path):
        calls.append(path)
        return real_write(path, n_sentences=50)

    monkeypatch.setattr(synthetic, "write_default_corpus", small_write)
    first = synthetic.default_corpus_path()
    assert first.parent == tmp_path / "cache" / "w2v"
    assert gzip.decompress(first.read_bytes()).decode() == synthetic.corpus_text(50)
    assert synthetic.default_corpus_path() == first
    assert len(calls) == 1, "the cached corpus was generated twice"
    assert [p.name for p in first.parent.iterdir()] == [first.name], "a temporary file was left"


def test_cache_falls_back_to_home_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert synthetic.cache_dir() == tmp_path / ".cache" / "w2v"


def test_gensim_learns_the_planted_groups(tmp_path):
    # The analogies need the full corpus (132/132 there, see scripts/make_default_corpus.py --check);
    # the groups are learned from a small slice, which keeps this test at a few seconds.
    gensim_models = pytest.importorskip("gensim.models")
    sentences = [line.split() for line in synthetic.generate_corpus(8_000, seed=11)]
    model = gensim_models.Word2Vec(sentences, vector_size=50, window=5, negative=5, min_count=5,
                                   epochs=5, sg=1, workers=1, seed=1)
    kv = model.wv

    def neighbours(word, k):
        return [w for w, _ in kv.most_similar(word, topn=k)] if word in kv else None

    scores = synthetic.group_precision(neighbours, k=5)
    mean = sum(scores.values()) / len(scores)
    assert mean > 0.9, f"mean precision@5 within group {mean:.3f} (per group: {scores})"


def test_group_precision_scores_perfect_neighbours_1_and_unknown_words_0():
    groups = synthetic.planted_groups()
    home = {w: name for name, words in groups.items() for w in words}

    def perfect(word, k):
        return [w for w in groups[home[word]] if w != word][:k]

    assert set(synthetic.group_precision(perfect).values()) == {1.0}
    assert set(synthetic.group_precision(lambda word, k: None).values()) == {0.0}
