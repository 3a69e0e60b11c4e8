"""Phrase detection: find collocations ("new york") and join them into one token ("new_york").

`detect(corpus)` counts the words and the candidate phrases of a corpus -- two words on one line
with nothing but connector words between them ("bank of america") -- and keeps the candidates
that score above a threshold:

- scorer "word2vec" (word2phrase's): (count(ab) - min_count) / (count(a) * count(b)) * tokens,
  where a, b and ab each occur at least min_count times and `tokens` counts every token read.
  gensim's default scorer multiplies by its number of distinct words and candidates instead of
  `tokens`: its score is this one times that number / tokens.
- scorer "npmi", normalized pointwise mutual information, in [-1, 1]:
  ln(p(ab) / (p(a) * p(b))) / -ln(p(ab)), p(x) = count(x) / tokens, where ab occurs at least
  min_count times.

Phrases are joined greedily from the left, as word2phrase and gensim do. Each further pass counts
and scores the text the previous pass wrote, so phrases grow ("new_york times"). A
`PhraseModel` keeps every pass's phrases with their scores and counts; saved as JSON, it joins the
same phrases in new text (`apply`, `join_blocks`, `rewrite`, `w2v train --phrases`).
"""

import collections
import concurrent.futures
import dataclasses
import json
import math
import os

import numpy as np

from ..errors import W2VError, check_parameter, hint, os_error_reason
from ..files import atomic_write, compressing_stream, compression_of_path
from .corpus import Words
from .phrase_counting import count_phrases
from .sources import TextSource, describe_corpus, sentence_blocks

SCORERS = ("word2vec", "npmi")
DEFAULT_THRESHOLD = {"word2vec": 100.0, "npmi": 0.5}
DELIMITER = "_"
# English function words that may sit inside a phrase ("bank_of_america"), never at its ends;
# the same set as gensim's ENGLISH_CONNECTOR_WORDS, so that results compare
ENGLISH_CONNECTOR_WORDS = tuple("a an the for of with without at from to in on by and or".split())
MODEL_FORMAT, MODEL_VERSION = "w2v-phrases", 1


@dataclasses.dataclass(frozen=True)
class Phrase:
    words: tuple  # ("bank", "of", "america")
    score: float
    count: int  # occurrences of the whole candidate
    word_counts: tuple  # (occurrences of the first word, of the last word)

    @property
    def text(self):
        return DELIMITER.join(self.words)


@dataclasses.dataclass
class PhrasePass:
    """The phrases one pass found (best first) and what they were scored with."""

    scorer: str
    min_count: int
    threshold: float
    tokens: int  # tokens read: the `tokens` of the scores
    words: int  # distinct words read, connector words aside
    candidates: int  # distinct candidates counted (after any pruning); gensim's default scorer
    # multiplies by words + candidates where the word2vec scorer multiplies by tokens
    phrases: list


class PhraseModel:
    """Phrases found by `detect` (or loaded from a file), pass by pass, to join in any text."""

    def __init__(self, passes=(), connector_words=()):
        self.passes = list(passes)
        self.connector_words = tuple(connector_words)
        self._tables = {}  # pass index -> its phrase tables for join_phrases

    def __repr__(self):
        found = ", ".join(f"{len(p.phrases):,}" for p in self.passes)
        return f"PhraseModel(passes={len(self.passes)}, phrases=[{found}])"

    def apply(self, sentence):
        """`sentence` (a list of tokens) with its phrases joined: [new, york] -> [new_york]."""
        text = b"".join(b for b in self.join_blocks([_sentences_text([sentence]), None]) if b)
        return text.decode("utf-8", "surrogatepass").split()

    def join_blocks(self, blocks, joined=None):
        """The text of `blocks` (UTF-8 bytes, None at the end of each file, as TextSource.blocks
        yields them) with the phrases of every pass joined, as blocks of the same kind: tokens
        separated by one space, lines ended by "\\n". `joined`, a list, receives the number of
        phrases each pass joined once the blocks are read."""
        for index in range(len(self.passes)):
            blocks = _join(blocks, self._phrase_tables(index), joined)
        return blocks

    def rewrite(self, corpus, output, lowercase=False, encoding="utf-8", errors="strict"):
        """Write `corpus` (a path or TextSource) to `output` with the phrases joined, atomically,
        compressed by extension (.gz, .bz2, .xz). Returns the phrases joined by each pass."""
        joined = []
        compression = compression_of_path(output)
        with atomic_write(output, "wb") as handle, compressing_stream(handle, compression) as stream:
            for block in self.join_blocks(_block_reader(corpus, lowercase, encoding, errors)(),
                                          joined):
                if block:
                    stream.write(block)
        return joined

    def top(self, n=None):
        """The `n` highest-scoring phrases of all passes (all if None): (pass number, Phrase)."""
        ranked = sorted(((number, phrase) for number, found in enumerate(self.passes, 1)
                         for phrase in found.phrases), key=lambda item: -item[1].score)
        return ranked[:n]

    def save(self, path):
        """Write the model as JSON (atomically), one phrase a line."""
        with atomic_write(path, "w", encoding="utf-8") as handle:
            handle.write(_model_json(self))

    @classmethod
    def load(cls, path):
        """Read a model written by `save`; a bad file raises W2VError saying what is wrong."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise W2VError(f"cannot read phrase model {path}: {os_error_reason(exc)}") from None
        except ValueError as exc:  # JSON or UTF-8
            raise W2VError(f"{path}: not a phrase model ({exc})") from None
        return _model_from_data(data, path)

    def _phrase_tables(self, index):
        """(word table, number of connector words, phrases, runs) of pass `index`, built once by
        counting its phrases as text, one a line: each line is one candidate."""
        if index not in self._tables:
            text = "\n".join(" ".join(p.words) for p in self.passes[index].phrases)
            counts = count_phrases([text.encode("utf-8", "surrogatepass"), None],
                                   self.connector_words)
            self._tables[index] = (counts.words.arrays, len(self.connector_words),
                                   counts.candidates, counts.runs)
        return self._tables[index]


class PhrasedSource:
    """A source read with the phrases of a saved model joined (`w2v train --phrases`); its
    shards (a cluster's) join them too, each on its own worker."""

    def __init__(self, source, model_path, model=None):
        self.source, self.model_path = source, model_path
        self.model = model or PhraseModel.load(model_path)

    def __repr__(self):  # a shard's key on a worker (cluster counting keeps scans by it)
        return f"PhrasedSource({self.source!r}, {self.model_path!r})"

    def blocks(self):
        return self.model.join_blocks(self.source.blocks())

    def shards(self, n):
        return [PhrasedSource(shard, self.model_path, self.model)
                for shard in self.source.shards(n)]


def detect(corpus, min_count=5, threshold=None, scorer="word2vec", passes=None,
           connector_words=(), max_vocab=0, lowercase=False, encoding="utf-8", errors="strict"):
    """Find the phrases of `corpus`: a path (file, .gz/.bz2/.xz, or directory), a TextSource, or
    a list of sentences (lists of tokens). Returns a PhraseModel.

    threshold: one value, or one per pass (default 100 for scorer "word2vec", 0.5 for "npmi").
    passes: how many times to count and join (default: one per threshold); each pass can join
    the phrases of the previous one into longer ones.
    connector_words: words that may sit inside a phrase but never start or end one
    (ENGLISH_CONNECTOR_WORDS for English).
    max_vocab: when more distinct candidates than this are held (0: no limit), drop those seen
    at most once, then twice, ... as word2phrase prunes its table, to bound memory.
    lowercase, encoding, errors: how to read a path, as `w2v train` does.
    """
    check_parameter(scorer in SCORERS, f"{{scorer}} must be one of {SCORERS}, got {scorer!r}",
                    "scorer")
    check_parameter(min_count >= 1, f"{{min_count}} must be >= 1, got {min_count}", "min_count")
    check_parameter(max_vocab >= 0, f"{{max_vocab}} must be >= 0 (0: no limit), got {max_vocab}",
                    "max_vocab")
    thresholds = _thresholds(threshold, scorer, passes)
    connectors = _connector_words(connector_words)
    blocks = _block_reader(corpus, lowercase, encoding, errors)
    model = PhraseModel(connector_words=connectors)
    for pass_threshold in thresholds:
        counts = count_phrases(model.join_blocks(blocks()), connectors, max_vocab)
        if not counts.tokens:
            raise W2VError(f"found no words in {describe_corpus(corpus)}: it is empty")
        phrases = _phrases_above(counts, scorer, min_count, pass_threshold)
        model.passes.append(PhrasePass(scorer, min_count, pass_threshold, counts.tokens,
                                       counts.n_words - len(connectors), counts.n_candidates,
                                       phrases))
        del counts  # the tables of every word and candidate
    return model


def load(path):
    """A PhraseModel saved by `PhraseModel.save` (`w2v phrases --save-model`)."""
    return PhraseModel.load(path)


def word2vec_score(a, b, ab, tokens, min_count):
    """word2phrase's score of candidates seen `ab` times whose words are seen `a` and `b` times
    (float64 arrays); -inf where a word is seen fewer than min_count times."""
    score = (ab - min_count) / (a * b) * tokens
    return np.where((a >= min_count) & (b >= min_count), score, -np.inf)


def npmi_score(a, b, ab, tokens, min_count):
    """Normalized pointwise mutual information of the candidates, in [-1, 1]."""
    pa, pb, pab = a / tokens, b / tokens, ab / tokens
    return np.log(pab / (pa * pb)) / -np.log(pab)


_SCORE = {"word2vec": word2vec_score, "npmi": npmi_score}
JOIN_THREADS = min(os.cpu_count() or 1, 4)  # pieces of text joined at once


def _phrases_above(counts, scorer, min_count, threshold):
    """The candidates seen min_count times or more scoring above `threshold`, best first."""
    rows = counts.candidates[counts.candidates[:, 2] >= min_count]
    first, last = rows[:, 0] >> 32, rows[:, 0] & 0xFFFFFFFF
    a = counts.words.counts[first].astype(np.float64)
    b = counts.words.counts[last].astype(np.float64)
    ab = rows[:, 2].astype(np.float64)
    scores = _SCORE[scorer](a, b, ab, counts.tokens, min_count)
    names = Words(counts.words, counts.n_words)
    runs = counts.run_words()
    phrases = []
    for i in np.flatnonzero(scores > threshold):
        ids = (first[i], *runs[rows[i, 1]], last[i])
        phrases.append(Phrase(tuple(names[w] for w in ids), float(scores[i]), int(rows[i, 2]),
                              (int(a[i]), int(b[i]))))
    phrases.sort(key=lambda phrase: (-phrase.score, phrase.words))
    return phrases


# ----- joining ----------------------------------------------------------------------------------


def _join(blocks, tables, joined):
    """`blocks` with the phrases of one pass's `tables` joined (see PhraseModel.join_blocks).

    Phrases never span lines, so the text is cut after the last line break of each block and
    the pieces are joined independently, JOIN_THREADS at a time, and yielded in order."""
    with concurrent.futures.ThreadPoolExecutor(JOIN_THREADS) as pool:
        pending, phrases = collections.deque(), 0
        for piece, final in _whole_lines(blocks):
            pending.append(pool.submit(_join_piece, piece, tables, final))
            while len(pending) > 2 * JOIN_THREADS or (final and pending):
                out, count = pending.popleft().result()
                phrases += count
                if out:
                    yield out
                if final and not pending:
                    yield None
    if joined is not None:
        joined.append(phrases)


def _whole_lines(blocks):
    """(text, whether it ends a file) pieces of `blocks`, each ending after a line break or at
    the end of a file."""
    carry = b""
    for block in blocks:
        if block is None:
            yield carry, True
            carry = b""
            continue
        cut = block.rfind(b"\n") + 1 or block.rfind(b"\r") + 1  # "\r" alone: old Mac files
        if cut == 0:
            carry += block
            continue
        yield carry + block[:cut], False
        carry = block[cut:]


def _join_piece(piece, tables, final):
    """(`piece` with its phrases joined, how many), for a piece of whole lines."""
    from .phrase_kernels import join_phrases

    buf = np.frombuffer(piece, np.uint8)
    out = np.empty(len(buf) + 2, np.uint8)  # + a space before the first token, a last "\\n"
    state = np.zeros(3, np.int64)  # as join_phrases takes it
    done = join_phrases(buf, *tables, out, state, final)
    assert done == len(buf)  # whole lines: no candidate is left open
    return out[: state[0]].tobytes(), int(state[2])


def _block_reader(corpus, lowercase, encoding, errors):
    """A function returning a fresh iterator over the blocks of `corpus` at each call."""
    if isinstance(corpus, TextSource):
        return corpus.blocks
    if isinstance(corpus, (str, os.PathLike)):
        return TextSource(os.fspath(corpus), lowercase, encoding, errors).blocks
    text = _sentences_text(corpus, lowercase)
    return lambda: iter([text, None])


def _sentences_text(sentences, lowercase=False):
    """Sentences (lists of tokens) as UTF-8 lines."""
    return b"".join(sentence_blocks(sentences, lowercase, strings=False, name="sentences"))


# ----- parameters and files ---------------------------------------------------------------------


def _thresholds(threshold, scorer, passes):
    """One threshold per pass, checked for the scorer."""
    if threshold is None:
        threshold = DEFAULT_THRESHOLD[scorer]
    thresholds = [float(t) for t in np.atleast_1d(threshold)]
    if passes is None:
        passes = len(thresholds)
    check_parameter(passes >= 1, f"{{passes}} must be >= 1, got {passes}", "passes")
    check_parameter(len(thresholds) in (1, passes),
                    f"{{threshold}} needs one value or one per pass ({passes}), got "
                    f"{len(thresholds)}",
                    "threshold", "passes")
    for value in thresholds:
        if scorer == "npmi":
            check_parameter(-1 <= value <= 1, "{threshold} must be between -1 and 1 for "
                            f"{{scorer}} npmi, got {value}", "threshold", "scorer")
        else:
            check_parameter(math.isfinite(value) and value > 0, "{threshold} must be > 0 and "
                            f"finite for {{scorer}} word2vec, got {value}", "threshold", "scorer")
    return thresholds * passes if len(thresholds) == 1 else thresholds


def _connector_words(words):
    """The connector words, checked, without repeats, in order."""
    words = tuple(dict.fromkeys(words))
    for word in words:
        check_parameter(_is_token(word), f"{{connector_words}} must be single tokens, got {word!r}",
                        "connector_words")
    return words


def _is_token(word):
    return isinstance(word, str) and word.split() == [word]


def _model_json(model):
    """The model as JSON: a header, then each pass's settings and its phrases, one a line."""
    passes = []
    for found in model.passes:
        settings = {field.name: getattr(found, field.name) for field in dataclasses.fields(found)
                    if field.name != "phrases"}
        rows = ",\n".join("    " + json.dumps({"words": list(p.words), "score": p.score,
                                                "count": p.count,
                                                "word_counts": list(p.word_counts)})
                          for p in found.phrases)
        passes.append(f"  {json.dumps(settings)[:-1]}, \"phrases\": [\n{rows}\n  ]}}")
    header = json.dumps({"format": MODEL_FORMAT, "version": MODEL_VERSION,
                         "delimiter": DELIMITER, "connector_words": list(model.connector_words)})
    return f"{header[:-1]}, \"passes\": [\n" + ",\n".join(passes) + "\n]}\n"


def _model_from_data(data, path):
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise W2VError(f"{path}: not a phrase model (no \"format\": \"{MODEL_FORMAT}\")",
                       hint=hint("write one with", "text.phrases.detect"))
    if data.get("version") != MODEL_VERSION:
        raise W2VError(f"{path}: phrase model version {data.get('version')!r}, this w2v reads "
                       f"version {MODEL_VERSION}")
    try:
        connectors = _connector_words(data["connector_words"])
        passes = [PhrasePass(**{**found, "phrases": [_phrase(row, connectors)
                                                        for row in found["phrases"]]})
                  for found in data["passes"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise W2VError(f"{path}: malformed phrase model ({type(exc).__name__}: {exc})") from None
    return PhraseModel(passes, connectors)


def _phrase(row, connectors):
    words = tuple(row["words"])
    ends_are_words = len(words) >= 2 and words[0] not in connectors and words[-1] not in connectors
    if not ends_are_words or not all(w in connectors for w in words[1:-1]):
        raise ValueError(f"{list(words)} is not a phrase: two words with only connector words "
                         "between them")
    for word in words:
        if not _is_token(word):
            raise ValueError(f"{word!r} is not a token")
    return Phrase(words, float(row["score"]), int(row["count"]),
                  tuple(map(int, row["word_counts"])))
