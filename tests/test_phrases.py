"""w2v.text.phrases and `w2v phrases`: counts and scores against plain Python written from the
definitions, planted collocations, connector words, passes, saved models, block and line
boundaries, pruning, `w2v train --phrases`, and gensim's Phrases on real text."""

import argparse
import collections
import gzip
import importlib.util
import math
import os
import random

import pytest

from w2v.text import phrases
from w2v.cli import main
from w2v.errors import ParameterError, W2VError
from w2v.text import sources as sources_module

CONNECTORS = ("of", "the", "and")
SHARED = os.environ.get("W2V_SHARED_DATA")


# ----- references written from the definitions ------------------------------------------------


def reference_phrases(lines, min_count, threshold, scorer, connectors=()):
    """{phrase words: (score, count)}: candidates counted line by line in plain Python."""
    words, candidates, tokens = collections.Counter(), collections.Counter(), 0
    for line in lines:
        line_tokens = line.split()
        tokens += len(line_tokens)
        words.update(line_tokens)
        first = None
        for i, token in enumerate(line_tokens):
            if token not in connectors:
                if first is not None:
                    candidates[tuple(line_tokens[first : i + 1])] += 1
                first = i
    found = {}
    for phrase, ab in candidates.items():
        a, b = words[phrase[0]], words[phrase[-1]]
        if scorer == "word2vec":
            score = (ab - min_count) / (a * b) * tokens if min(a, b, ab) >= min_count else -math.inf
        else:
            pa, pb, pab = a / tokens, b / tokens, ab / tokens
            score = math.log(pab / (pa * pb)) / -math.log(pab) if ab >= min_count else -math.inf
        if score > threshold:
            found[phrase] = (score, ab)
    return found


def reference_join(tokens, phrase_set, connectors=()):
    """Greedy from the left: an open candidate (a word and the connectors after it) is joined
    with the next word if they make a phrase, else written, the word opening the next one."""
    out, open_candidate = [], []
    for token in tokens:
        if open_candidate and token in connectors:
            open_candidate.append(token)
        elif open_candidate and tuple(open_candidate + [token]) in phrase_set:
            out.append("_".join(open_candidate + [token]))
            open_candidate = []
        else:
            out += open_candidate
            open_candidate = [] if token in connectors else [token]
            if token in connectors:
                out.append(token)
    return out + open_candidate


def found(model, number=0):
    return {p.words: (p.score, p.count) for p in model.passes[number].phrases}


def random_lines(seed, n_lines, vocabulary, planted=(), planted_rate=0.0, length=(2, 12)):
    """Lines of words drawn uniformly from `vocabulary`, each planted phrase inserted at a random
    place in a line with probability `planted_rate`."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        line = [rng.choice(vocabulary) for _ in range(rng.randint(*length))]
        for phrase in planted:
            if rng.random() < planted_rate:
                at = rng.randint(0, len(line))
                line[at:at] = phrase.split()
        lines.append(" ".join(line))
    return lines


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


FILLER = [f"w{i}" for i in range(300)]
PLANTED = ("hong kong", "ice cream", "bank of america", "eye of the beholder")


@pytest.fixture(scope="module")
def planted_lines():
    return random_lines(1, 3000, FILLER + list(CONNECTORS) * 20, PLANTED, 0.03)


# ----- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("scorer", phrases.SCORERS)
def test_planted_collocations_are_found_and_nothing_else(planted_lines, scorer):
    model = phrases.detect([line.split() for line in planted_lines], scorer=scorer,
                           connector_words=CONNECTORS)
    assert set(found(model)) == {tuple(p.split()) for p in PLANTED}
    without_connectors = set(found(phrases.detect([line.split() for line in planted_lines],
                                                  scorer=scorer)))
    assert {("hong", "kong"), ("ice", "cream")} <= without_connectors
    assert all(len(phrase) == 2 for phrase in without_connectors)


@pytest.mark.parametrize("scorer,threshold", [("word2vec", 0.5), ("npmi", 0.05)])
@pytest.mark.parametrize("connectors", [(), CONNECTORS])
def test_scores_and_counts_equal_a_plain_python_reference(tmp_path, scorer, threshold, connectors):
    lines = random_lines(2, 400, [f"v{i}" for i in range(25)] + list(CONNECTORS) * 3)
    model = phrases.detect(write_lines(tmp_path / "c.txt", lines), min_count=3,
                           threshold=threshold, scorer=scorer, connector_words=connectors)
    expected = reference_phrases(lines, 3, threshold, scorer, connectors)
    assert len(expected) > 20
    assert found(model).keys() == expected.keys()
    for phrase, (score, count) in found(model).items():
        assert score == pytest.approx(expected[phrase][0], rel=1e-12)
        assert count == expected[phrase][1]
    assert model.passes[0].tokens == sum(len(line.split()) for line in lines)
    distinct_words = {token for line in lines for token in line.split()} - set(connectors)
    assert model.passes[0].words == len(distinct_words)
    scores = [p.score for p in model.passes[0].phrases]
    assert scores == sorted(scores, reverse=True)


def test_connector_words_sit_inside_phrases_never_at_their_ends(planted_lines):
    model = phrases.detect([line.split() for line in planted_lines], connector_words=CONNECTORS)
    assert model.apply("of bank of america of the eye of the beholder the".split()) == [
        "of", "bank_of_america", "of", "the", "eye_of_the_beholder", "the"]
    # the same words with other connectors between them are another candidate
    assert model.apply("bank and america hong the kong".split()) == \
        "bank and america hong the kong".split()


def test_two_passes_build_three_word_phrases():
    lines = random_lines(3, 3000, FILLER, ["new york times", "new york"], 0.01)
    model = phrases.detect([line.split() for line in lines], threshold=(200, 100))
    assert ("new", "york") in found(model, 0) and ("new_york", "times") in found(model, 1)
    assert not any(len(phrase) > 2 for phrase in found(model, 0))
    assert [p.threshold for p in model.passes] == [200, 100]
    assert model.apply("the new york times new york".split()) == [
        "the", "new_york_times", "new_york"]


def test_joining_is_greedy_from_the_left_as_the_reference(tmp_path):
    lines = random_lines(4, 300, [f"v{i}" for i in range(12)] + list(CONNECTORS) * 2)
    path = write_lines(tmp_path / "c.txt", lines)
    model = phrases.detect(path, min_count=2, threshold=0.5, connector_words=CONNECTORS)
    phrase_set = set(found(model))
    assert len(phrase_set) > 10
    joined = model.rewrite(path, tmp_path / "out.txt")
    written = (tmp_path / "out.txt").read_text().splitlines()
    expected = [reference_join(line.split(), phrase_set, CONNECTORS) for line in lines]
    assert [line.split() for line in written] == expected
    assert joined == [sum(1 for line in expected for token in line if "_" in token)]


def test_a_saved_model_joins_new_text_as_detection_did(tmp_path, planted_lines):
    path = write_lines(tmp_path / "c.txt", planted_lines)
    model = phrases.detect(path, connector_words=CONNECTORS, threshold=(200, 100))
    model.save(tmp_path / "phrases.json")
    loaded = phrases.load(tmp_path / "phrases.json")
    assert loaded.passes == model.passes and loaded.connector_words == CONNECTORS
    model.rewrite(path, tmp_path / "detected.txt")
    loaded.rewrite(path, tmp_path / "loaded.txt.gz")
    detected = (tmp_path / "detected.txt").read_text()
    assert gzip.open(tmp_path / "loaded.txt.gz", "rt").read() == detected
    assert [" ".join(loaded.apply(line.split())) for line in planted_lines] == detected.splitlines()


def test_block_boundaries_change_nothing(tmp_path, planted_lines, monkeypatch):
    path = write_lines(tmp_path / "c.txt", planted_lines)

    def detect_and_join(output):
        model = phrases.detect(path, connector_words=CONNECTORS, threshold=(200, 100))
        model.rewrite(path, output)
        return model.passes, output.read_bytes()

    whole = detect_and_join(tmp_path / "whole.txt")
    monkeypatch.setattr(sources_module, "_BLOCK_BYTES", 23)  # blocks end inside candidates
    assert detect_and_join(tmp_path / "blocks.txt") == whole


def test_lines_files_and_line_ends_are_kept(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "1.txt").write_bytes(b"new york\r\nnew\r\n\r\nyork  new\tyork\nnew")  # no last "\n"
    (folder / "2.txt").write_bytes(b"york new york\rnew york\n")
    model = phrases.PhraseModel([phrases.PhrasePass("word2vec", 1, 1.0, 0, 0, 0, [
        phrases.Phrase(("new", "york"), 9.0, 1, (1, 1))])])
    model.rewrite(str(folder), tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == \
        "new_york\nnew\n\nyork new_york\nnew\nyork new_york\nnew_york\n"


def test_max_vocab_prunes_rare_candidates_and_keeps_strong_ones(planted_lines):
    sentences = [line.split() for line in planted_lines]
    exact = phrases.detect(sentences, min_count=2, threshold=50, connector_words=CONNECTORS)
    pruned = phrases.detect(sentences, min_count=2, threshold=50, connector_words=CONNECTORS,
                            max_vocab=1000)
    assert pruned.passes[0].candidates <= 1000 < exact.passes[0].candidates
    assert {tuple(p.split()) for p in PLANTED} <= set(found(pruned)) <= set(found(exact))
    for phrase, (score, count) in found(pruned).items():  # counts only ever lose occurrences
        assert count <= found(exact)[phrase][1] and score <= found(exact)[phrase][0]


def test_train_joins_phrases_while_reading(tmp_path, planted_lines):
    path = write_lines(tmp_path / "c.txt", planted_lines)
    phrases.detect(path, connector_words=CONNECTORS).save(tmp_path / "phrases.json")
    code = main(["train", path, "-o", str(tmp_path / "v.txt"), "--phrases",
                 str(tmp_path / "phrases.json"), "--epochs", "1", "--dim", "8", "--threads", "1",
                 "--quiet"])
    assert code == 0
    words = {line.split()[0] for line in (tmp_path / "v.txt").read_text().splitlines()[1:]}
    assert {"hong_kong", "bank_of_america", "eye_of_the_beholder"} <= words
    assert "hong" not in words  # it occurs only in "hong kong"


# ----- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("options,message", [
    ({"min_count": 0}, "min_count must be >= 1, got 0"),
    ({"scorer": "pmi"}, "scorer must be one of"),
    ({"threshold": 0}, "threshold must be > 0 and finite for scorer word2vec, got 0"),
    ({"scorer": "npmi", "threshold": 100}, "between -1 and 1 for scorer npmi, got 100"),
    ({"threshold": (200, 100), "passes": 3}, "one value or one per pass (3), got 2"),
    ({"passes": 0}, "passes must be >= 1, got 0"),
    ({"max_vocab": -1}, "max_vocab must be >= 0"),
    ({"connector_words": ["of the"]}, "connector_words must be single tokens, got 'of the'"),
])
def test_bad_parameters_are_named(options, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        phrases.detect([["a", "b"]], **options)


def test_sentences_must_be_lists_of_tokens():
    with pytest.raises(ParameterError, match="lists of tokens, got the string 'a b'"):
        phrases.detect(["a b"])
    with pytest.raises(ParameterError, match="hold no white space"):
        phrases.detect([["a b", "c"]])


@pytest.mark.parametrize("content,message", [
    ("{", "not a phrase model"),
    ('{"format": "other"}', "not a phrase model"),
    ('{"format": "w2v-phrases", "version": 9}', "version 9"),
    ('{"format": "w2v-phrases", "version": 1, "connector_words": ["of"], "passes": [{"scorer": '
     '"word2vec", "min_count": 5, "threshold": 100, "tokens": 9, "words": 2, "candidates": 1, '
     '"phrases": '
     '[{"words": ["of", "york"], "score": 1, "count": 1, "word_counts": [1, 1]}]}]}',
     r"\['of', 'york'\] is not a phrase"),
    ('{"format": "w2v-phrases", "version": 1, "connector_words": [], "passes": [{}]}',
     "malformed phrase model"),
])
def test_a_bad_model_file_is_one_clear_error(tmp_path, content, message):
    (tmp_path / "m.json").write_text(content)
    with pytest.raises(W2VError, match=message):
        phrases.load(tmp_path / "m.json")


# ----- the command line -------------------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_detects_saves_lists_and_joins_with_a_saved_model(tmp_path, planted_lines, capsys):
    path = write_lines(tmp_path / "c.txt", planted_lines)
    model_path, out = tmp_path / "phrases.json", tmp_path / "out.txt.gz"
    code, stdout, err = run(capsys, "phrases", path, "-o", out, "--save-model", model_path,
                            "--connector-words", "of,the, and", "--top", "2")
    assert code == 0 and err == ""
    assert "found 4 phrases in" in stdout and "wrote" in stdout
    table = stdout.splitlines()[-3:]
    assert table[0].split() == ["score", "count", "phrase"] and len(table) == 3
    expected = phrases.detect(path, connector_words=CONNECTORS)
    best = [p.text for p in expected.passes[0].phrases[:2]]
    assert [line.split()[-1] for line in table[1:]] == best
    assert phrases.load(model_path).passes == expected.passes
    again = tmp_path / "again.txt"
    assert run(capsys, "phrases", path, "--model", model_path, "-o", again)[0] == 0
    assert gzip.open(out, "rt").read() == again.read_text()
    code, stdout, _ = run(capsys, "phrases", "--model", model_path, "--top", "1")
    assert code == 0 and len(stdout.splitlines()) == 2


@pytest.mark.parametrize("argv,message", [
    (["c.txt", "--top", "3", "--min-count", "0"], "--min-count must be >= 1, got 0"),
    (["c.txt", "--top", "3", "--scorer", "npmi", "--threshold", "5"],
     "--threshold must be between -1 and 1 for --scorer npmi"),
    (["c.txt", "--model", "m.json", "-o", "o.txt", "--threshold", "5"],
     "--threshold cannot be used with --model"),
    (["c.txt"], "nothing to do"),
    (["--top", "3"], "CORPUS is required"),
    (["c.txt", "--top", "0"], "--top must be >= 1"),
])
def test_cli_usage_errors_name_the_flags(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "c.txt", ["a b", "a b"])
    code, stdout, err = run(capsys, "phrases", *argv)
    assert code == 2 and stdout == "" and len(err.splitlines()) == 1
    assert err.startswith("w2v phrases: error: ") and message in err


def test_cli_bad_model_is_a_runtime_error(tmp_path, capsys):
    (tmp_path / "m.json").write_text("[]")
    code, _, err = run(capsys, "phrases", "--model", tmp_path / "m.json", "--top", "3")
    assert code == 1 and "not a phrase model" in err and len(err.splitlines()) == 1


# ----- gensim, on real text ---------------------------------------------------------------------


def word2phrase_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                       corpus_word_count):
    """word2phrase's score in gensim's scorer signature: tokens instead of len_vocab."""
    if worda_count < min_count or wordb_count < min_count:
        return -math.inf
    return (bigram_count - min_count) / float(worda_count * wordb_count) * corpus_word_count


@pytest.mark.skipif(not SHARED, reason="W2V_SHARED_DATA is not set (real SST text)")
@pytest.mark.parametrize("scorer,threshold", [("word2vec", 100.0), ("npmi", 0.5)])
@pytest.mark.parametrize("english_connectors", [False, True])
def test_gensim_phrases_finds_the_same_phrases(scorer, threshold, english_connectors):
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    path = os.path.join(SHARED, "sst-stsa", "stsa.binary.train")
    if not os.path.exists(path):
        pytest.skip(f"{path} is missing (see the PROVENANCE.md files in W2V_SHARED_DATA)")
    with open(path, encoding="utf-8") as handle:
        sentences = [line.split()[1:] for line in handle]  # without the label
    connectors = gensim_phrases.ENGLISH_CONNECTOR_WORDS if english_connectors else frozenset()
    assert set(phrases.ENGLISH_CONNECTOR_WORDS) == gensim_phrases.ENGLISH_CONNECTOR_WORDS
    theirs = gensim_phrases.Phrases(
        sentences, min_count=5, threshold=threshold, connector_words=connectors,
        scoring=word2phrase_scorer if scorer == "word2vec" else "npmi")
    ours = phrases.detect(sentences, min_count=5, threshold=threshold, scorer=scorer,
                          connector_words=sorted(connectors))
    their_scores = theirs.export_phrases()
    our_scores = {p.text: p.score for p in ours.passes[0].phrases}
    assert len(our_scores) > 50
    assert our_scores.keys() == their_scores.keys()
    assert all(our_scores[p] == pytest.approx(their_scores[p], rel=1e-12) for p in our_scores)
    assert ours.passes[0].words + ours.passes[0].candidates == len(theirs.vocab)  # its len_vocab
    frozen = theirs.freeze()
    assert [ours.apply(s) for s in sentences[:2000]] == [frozen[s] for s in sentences[:2000]]


# ----- scripts/phrases_bench.py -----------------------------------------------------------------


def test_bench_explains_word2phrase_by_its_pairs_across_line_ends(tmp_path):
    script = os.path.join(os.path.dirname(__file__), "..", "scripts", "phrases_bench.py")
    spec = importlib.util.spec_from_file_location("phrases_bench", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    corpus = tmp_path / "c.txt"
    corpus.write_text("a x\ny b\nx y\nq x\ny\n")
    within, across, word_counts = bench.pair_counts(corpus, ["x_y", "a_b_c"])
    assert (within, across) == ({("x", "y"): 1}, {("x", "y"): 2})
    assert word_counts == {"x": 3, "y": 3}
    args = argparse.Namespace(min_count=1, scorer="word2vec")
    [row] = bench.explain([("x_y", "only word2phrase")], "word2phrase", corpus, 9, None, args)
    assert row[:6] == ("x_y", "only word2phrase", 1, 2, 3, 3)
    assert row[6] == 0 and row[7] == pytest.approx((3 - 1) / 9 * 9)
