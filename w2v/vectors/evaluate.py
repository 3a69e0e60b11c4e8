"""Word-vector benchmarks in their standard file formats.

Analogies: word2vec's `questions-words.txt` format, `: section` header lines followed by
`a b c d` questions ("a is to b as c is to d"), answered by 3CosAdd over the first
`restrict_vocab` words, excluding a, b and c. Word pairs: `w1 w2 score` lines (tab, comma or space
separated, `#` comments), scored by the rank (Spearman) and linear (Pearson) correlation of the
cosine similarity with the human score.

Both follow word2vec's compute-accuracy and gensim's `evaluate_word_analogies` /
`evaluate_word_pairs` exactly, so the numbers can be compared with published ones: words are
compared uppercased (case-insensitively), a word with several case variants gets the vector of
its most frequent variant, and questions or pairs with a word outside the first `restrict_vocab`
words are counted as out-of-vocabulary and left out of the scores.
"""

import collections.abc
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError, W2VError
from ..files import ReadMessages, read_text_lines

DEFAULT_ANALOGY_RESTRICT_VOCAB = 30000  # word2vec's compute-accuracy
CANDIDATES = 5  # gensim keeps the 5 best answers and takes the first that is not a question word
NEAR_TIE = 1e-5  # cosine gap under which float32 rounding could reorder two candidates


# ----- results ----------------------------------------------------------------------------------


@dataclass
class SectionScore:
    """Counts for one `: section` of an analogy file, or for a group of sections."""

    name: str
    correct: int = 0
    answered: int = 0
    oov: int = 0

    @property
    def questions(self):
        return self.answered + self.oov

    @property
    def accuracy(self):
        return self.correct / self.answered if self.answered else None

    @property
    def kind(self):
        return "syntactic" if self.name.startswith("gram") else "semantic"

    def to_dict(self):
        return {
            "name": self.name,
            "questions": self.questions,
            "answered": self.answered,
            "oov": self.oov,
            "correct": self.correct,
            "accuracy": self.accuracy,
        }


def _total(name, sections):
    return SectionScore(
        name,
        correct=sum(s.correct for s in sections),
        answered=sum(s.answered for s in sections),
        oov=sum(s.oov for s in sections),
    )


@dataclass
class AnalogyResult:
    """Scores of an analogy file. The semantic sections are those not named `gram*`."""

    path: str
    restrict_vocab: int
    sections: list = field(default_factory=list)
    invalid_lines: int = 0

    @property
    def total(self):
        return _total("total", self.sections)

    @property
    def semantic(self):
        return _total("semantic", [s for s in self.sections if s.kind == "semantic"])

    @property
    def syntactic(self):
        return _total("syntactic", [s for s in self.sections if s.kind == "syntactic"])

    @property
    def accuracy(self):
        return self.total.accuracy

    def to_dict(self):
        return {
            "file": self.path,
            "restrict_vocab": self.restrict_vocab,
            "invalid_lines": self.invalid_lines,
            "total": self.total.to_dict(),
            "semantic": self.semantic.to_dict(),
            "syntactic": self.syntactic.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
        }


@dataclass
class WordPairResult:
    """Correlation of cosine similarity with human scores over the pairs with both words known."""

    path: str
    pairs: int
    used: int
    oov: int
    spearman: float
    pearson: float
    invalid_lines: int = 0

    def to_dict(self):
        return {
            "file": self.path,
            "pairs": self.pairs,
            "used": self.used,
            "oov": self.oov,
            "spearman": self.spearman,
            "pearson": self.pearson,
            "invalid_lines": self.invalid_lines,
        }


# ----- reading the benchmark files ----------------------------------------------------------------

_BENCHMARK_FILE = ReadMessages.naming("benchmark file")


def read_benchmark_lines(path):
    """The lines of a benchmark file; a missing one names the download that fetches it."""
    if not os.path.lexists(path):
        from ..catalogue import missing_benchmark

        raise missing_benchmark(path)
    return read_text_lines(path, _BENCHMARK_FILE)


def read_analogy_questions(path):
    """Sections of an analogy file: ([(name, [(a, b, c, d), ...]), ...], invalid line count).

    Lines that are not a header and not four words are skipped and counted, as gensim does.
    """
    sections, invalid = [], 0
    for number, line in enumerate(read_benchmark_lines(path), 1):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not line.strip():
            continue
        if not sections:
            raise W2VError(f"{path}, line {number}: question before the first ': section' header")
        words = line.split()
        if len(words) == 4:
            sections[-1][1].append(tuple(words))
        else:
            invalid += 1
    if not sections:
        raise W2VError(f"{path}: no ': section' header, not an analogy file in word2vec's format")
    return sections, invalid


def read_word_pairs(path, delimiter=None):
    """([(word1, word2, score), ...], invalid line count) from a word-pair similarity file, its
    fields separated by `delimiter`, or by default by a tab if the line has one, else by commas
    if it has two (wordsim353.zip's combined.csv), else by white space."""
    pairs, invalid = [], 0
    for line in read_benchmark_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        separator = delimiter or ("\t" if "\t" in line else "," if line.count(",") == 2 else None)
        fields = [f.strip() for f in line.split(separator)] if separator else line.split()
        try:
            word1, word2, score = fields
            pairs.append((word1, word2, float(score)))
        except ValueError:
            invalid += 1
    return pairs, invalid


# ----- vocabulary as the benchmarks see it -------------------------------------------------------


class PairWords(collections.abc.Set):
    """The words of word-pair files, for `KeyedVectors.load(words=...)`: a vocabulary word is in
    it if it matches one of them (case-insensitively with case_insensitive), so a load keeps
    every row the benchmark can use, in file order, and the scores are those of the whole file."""

    def __init__(self, paths, case_insensitive=True):
        self.case_insensitive = case_insensitive
        self._keys = {self._key(word) for path in paths for pair in read_word_pairs(path)[0]
                      for word in pair[:2]}

    def _key(self, word):
        return word.upper() if self.case_insensitive else word

    def __contains__(self, word):
        return self._key(word) in self._keys

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)


class _BenchmarkVocab:
    """The first `limit` words, looked up case-insensitively: each uppercased form maps to the
    row of its first (most frequent) variant, which also stands for the others as an answer."""

    def __init__(self, kv, limit, case_insensitive):
        self.limit = limit
        self.case_insensitive = case_insensitive
        self.row_of = {}
        for row, word in enumerate(kv.words[:limit]):
            self.row_of.setdefault(self.key(word), row)
        self.canonical = np.array(
            [self.row_of[self.key(w)] for w in kv.words[:limit]], dtype=np.int64
        )

    def key(self, word):
        return word.upper() if self.case_insensitive else word

    def rows(self, words):
        """Rows of `words`, or None if any is outside the vocabulary."""
        rows = [self.row_of.get(self.key(w)) for w in words]
        return None if None in rows else rows


def _limit(kv, restrict_vocab):
    if restrict_vocab is None:
        return len(kv)
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
        raise UsageError(f"restrict_vocab must be an integer >= 1, got {restrict_vocab!r}")
    if restrict_vocab < 1:
        raise UsageError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    return min(int(restrict_vocab), len(kv))


# ----- analogies ----------------------------------------------------------------------------------


def evaluate_analogies(
    kv, path, restrict_vocab=DEFAULT_ANALOGY_RESTRICT_VOCAB, case_insensitive=True, batch_size=256
):
    """Accuracy of 3CosAdd on an analogy file, overall, semantic/syntactic and per section."""
    limit, sections, invalid = analogy_outcomes(
        kv, path, restrict_vocab, case_insensitive, batch_size
    )
    scores = []
    for name, _, outcomes in sections:
        answered = [ok for ok in outcomes if ok is not None]
        scores.append(SectionScore(name, correct=sum(answered), answered=len(answered),
                                   oov=len(outcomes) - len(answered)))
    return AnalogyResult(str(path), limit, scores, invalid)


def analogy_outcomes(kv, path, restrict_vocab, case_insensitive=True, batch_size=256):
    """Each question of an analogy file answered by 3CosAdd: (the vocabulary limit, [(section
    name, [(a, b, c, d), ...], [outcome, ...]), ...], invalid line count), an outcome being
    whether the answer was right, or None for a question with a word outside the first
    `restrict_vocab` words."""
    limit = _limit(kv, restrict_vocab)
    vocab = _BenchmarkVocab(kv, limit, case_insensitive)
    sections, invalid = read_analogy_questions(path)
    rows, places = [], []
    for section, (_, questions) in enumerate(sections):
        for number, question in enumerate(questions):
            question_rows = vocab.rows(question)
            if question_rows is not None:
                rows.append(question_rows)
                places.append((section, number))
    correct = answer_analogies(kv, np.array(rows, dtype=np.int64).reshape(-1, 4), vocab,
                               batch_size)
    outcomes = [[None] * len(questions) for _, questions in sections]
    for (section, number), is_correct in zip(places, correct):
        outcomes[section][number] = bool(is_correct)
    named = [(name, questions, outcome) for (name, questions), outcome in zip(sections, outcomes)]
    return limit, named, invalid


def answer_analogies(kv, questions, vocab, batch_size=256):
    """For each row (a, b, c, d) of benchmark rows, whether 3CosAdd answers d. bool (m,)."""
    correct = np.zeros(len(questions), dtype=bool)
    norms = np.linalg.norm(kv.vectors[: vocab.limit], axis=1)
    norms[norms == 0] = 1
    for start in range(0, len(questions), batch_size):
        batch = questions[start : start + batch_size]
        correct[start : start + len(batch)] = _answer_batch(kv, batch, vocab, norms)
    return correct


def _query_vectors(kv, abc):
    """Unit-length 3CosAdd queries unit(b) + unit(c) - unit(a), (m, d) float32, rounded the way
    gensim computes them (float32 sums, normalization in float64) so near-ties resolve alike."""
    summed = (kv.unit_rows(abc[:, 1]) + kv.unit_rows(abc[:, 2])) - kv.unit_rows(abc[:, 0])
    mean = summed.astype(np.float64) / 3
    norms = np.linalg.norm(mean, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return (mean * (1.0 / norms)).astype(np.float32)


def _answer_batch(kv, batch, vocab, norms):
    scores = _query_vectors(kv, batch[:, :3]) @ kv.unit_rows(slice(0, vocab.limit)).T
    scores[np.arange(len(batch))[:, None], batch[:, :3]] = -np.inf
    best = top_k_per_row(scores, min(CANDIDATES + 1, vocab.limit))
    best_scores = np.take_along_axis(scores, best, axis=1)
    answers = np.array([_pick_answer(b, s, q, vocab) for b, s, q in zip(best, best_scores, batch)])
    # gaps between neighbouring candidates; none after an excluded question word (-inf: a
    # vocabulary with fewer words than candidates), whose gap to the next would be -inf - -inf
    later, earlier = best_scores[:, 1:], best_scores[:, :-1]
    gaps = np.subtract(later, earlier, where=np.isfinite(later),
                       out=np.full(later.shape, -np.inf, later.dtype))
    near_tie = (gaps > -NEAR_TIE).any(axis=1)
    for i in np.flatnonzero(near_tie):
        answers[i] = _answer_one_exactly(kv, batch[i], vocab, norms)
    return answers == batch[:, 3]


def top_k_per_row(scores, k, group=64):
    """Column indices of the k largest scores of each row, largest first (ties: lower index).

    Rather than partially sorting every full row, it splits the columns into groups of `group`
    (group j = columns j, j + n, j + 2n, ... so the group maxima are an elementwise maximum of
    contiguous slices), keeps the k groups with the largest maxima, which must hold the k largest
    values, and sorts only those.
    """
    rows, columns = scores.shape
    if columns <= 4 * k * group:
        return _sorted_top_k(scores, np.broadcast_to(np.arange(columns), scores.shape), k)
    n_groups = columns // group
    full = n_groups * group
    group_max = scores[:, :full].reshape(rows, group, n_groups).max(axis=1)
    best_groups = np.argpartition(-group_max, k - 1, axis=1)[:, :k]
    candidates = (best_groups[:, :, None] + n_groups * np.arange(group)).reshape(rows, -1)
    tail = np.broadcast_to(np.arange(full, columns), (rows, columns - full))
    candidates = np.concatenate([candidates, tail], axis=1)
    return _sorted_top_k(np.take_along_axis(scores, candidates, axis=1), candidates, k)


def _sorted_top_k(values, columns, k):
    top = np.argpartition(-values, k - 1, axis=1)[:, :k]
    top_values = np.take_along_axis(values, top, axis=1)
    top_columns = np.take_along_axis(columns, top, axis=1)
    order = np.lexsort((top_columns, -top_values), axis=1)
    return np.take_along_axis(top_columns, order, axis=1)


def _pick_answer(candidates, candidate_scores, question, vocab):
    """The benchmark row answered: the first of the 5 best candidates whose canonical row is not
    a question word (a different case variant of one is skipped too), else the fifth; -1 if the
    vocabulary has no candidate at all."""
    valid = candidates[np.isfinite(candidate_scores)][:CANDIDATES]
    answer = -1
    for row in valid:
        answer = vocab.canonical[row]
        if answer not in question[:3]:
            break
    return answer


def _answer_one_exactly(kv, question, vocab, norms):
    """One question scored with a matrix-vector product, like gensim, to settle near-ties."""
    query = _query_vectors(kv, question[None, :3])[0]
    scores = np.dot(kv.vectors[: vocab.limit], query) / norms
    scores[question[:3]] = -np.inf
    keep = min(CANDIDATES + 3, vocab.limit)
    best = np.argpartition(-scores, keep - 1)[:keep]
    best = best[np.argsort(-scores[best], kind="stable")]
    return _pick_answer(best, scores[best], question, vocab)


# ----- word pairs ---------------------------------------------------------------------------------


def evaluate_word_pairs(kv, path, restrict_vocab=None, case_insensitive=True):
    """Spearman and Pearson correlation of cosine similarity with the human scores of a pair file.

    Pairs with a word outside the first `restrict_vocab` words (all words by default) are counted
    as out-of-vocabulary and left out. Correlations are None when fewer than two pairs remain or
    one side is constant.
    """
    from scipy import stats

    scored, invalid = pair_similarities(kv, path, restrict_vocab, case_insensitive)
    human = [score for score, cosine in scored if cosine is not None]
    model = [cosine for _, cosine in scored if cosine is not None]
    used = len(human)
    if used == 0:
        raise W2VError(f"{path}: none of the {len(scored)} pairs has both words in the vocabulary")
    defined = used >= 2 and np.ptp(human) > 0 and np.ptp(model) > 0
    spearman = float(stats.spearmanr(human, model)[0]) if defined else None
    pearson = float(stats.pearsonr(human, model)[0]) if defined else None
    return WordPairResult(
        str(path), len(scored), used, len(scored) - used, spearman, pearson, invalid
    )


def pair_similarities(kv, path, restrict_vocab=None, case_insensitive=True, delimiter=None):
    """([(human score, cosine), ...], invalid line count) for the pairs of a word-pair file, the
    cosine None for a pair with a word outside the first `restrict_vocab` words."""
    vocab = _BenchmarkVocab(kv, _limit(kv, restrict_vocab), case_insensitive)
    pairs, invalid = read_word_pairs(path, delimiter)
    if not pairs:
        raise W2VError(f"{path}: no 'word1 word2 score' lines ({invalid} lines could not be read)")
    scored = []
    for word1, word2, score in pairs:
        rows = vocab.rows((word1, word2))
        cosine = None if rows is None else float(
            kv.unit_rows(rows[0]).astype(np.float64) @ kv.unit_rows(rows[1]))
        scored.append((score, cosine))
    return scored, invalid
