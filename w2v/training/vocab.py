"""The vocabulary and the tables derived from its counts.

Words are ordered by descending count, ties broken by the word itself, so vector files list the
most frequent words first (evaluations that keep "the top 30,000 words" take the first lines).
"""

import dataclasses
import heapq
import os
import tempfile

import numpy as np

from ..errors import W2VError
from ..files import ReadMessages, atomic_write, read_text_lines

_VOCAB_FILE = ReadMessages.naming("vocabulary file")


@dataclasses.dataclass
class Vocab:
    words: list  # index -> word, by descending count
    counts: np.ndarray  # int64 (V,), corpus frequency of each word

    def __len__(self):
        return len(self.words)

    @property
    def index(self):
        """word -> index."""
        return {word: i for i, word in enumerate(self.words)}

    @property
    def n_tokens(self):
        return int(self.counts.sum())


def count_words(corpus, min_count=1, lowercase=False, encoding="utf-8", errors="strict"):
    """The Vocab of a corpus path ("-": standard input) without training: its words seen at
    least `min_count` times, by descending count, read as `w2v.train` reads it."""
    from ..text.corpus import scan
    from ..text.sources import TextSource, describe_corpus

    source = TextSource(os.fspath(corpus), lowercase, encoding, errors)
    with tempfile.TemporaryDirectory(prefix="w2v-") as folder:
        counted = scan(source, os.path.join(folder, "tokens.int32"))
        if not counted.n_words:
            raise W2VError(f"found no words in {describe_corpus(corpus)}: it is empty")
        return build_vocab(counted.words, counted.counts, min_count)


def build_vocab(words, counts, min_count=5, max_vocab=None):
    """Keep words seen at least `min_count` times, then the `max_vocab` most frequent.

    `words[i]` (any sequence; only the kept words are looked at) was seen `counts[i]` times.
    """
    counts = np.asarray(counts, np.int64)
    if not len(counts):
        raise W2VError("the corpus is empty: it contains no words")
    candidates = np.flatnonzero(counts >= min_count)
    if not len(candidates):
        top = int(np.argmax(counts))
        raise W2VError(
            f"no word reaches {{min_count}} {min_count}: the corpus has {len(counts)} distinct "
            f"words and the most frequent, {words[top]!r}, occurs "
            f"{'once' if counts[top] == 1 else f'{counts[top]} times'}",
            parameters=("min_count",),
        )
    names = [words[i] for i in candidates]
    order = by_count_then_word(names, counts[candidates])[:max_vocab or None]
    return Vocab([names[i] for i in order], counts[candidates][order])


def by_count_then_word(words, counts):
    """The order of `words` (a list) by descending count, ties by the word: an int64 array.

    No (count, word) tuple per word: on a large vocabulary those would be freed among the words
    kept and leave the heap fragmented (tens of MB of resident memory through training).
    """
    by_word = sorted(range(len(words)), key=words.__getitem__)
    word_rank = np.empty(len(words), np.int64)
    word_rank[by_word] = np.arange(len(words))
    return np.lexsort((word_rank, -np.asarray(counts, np.int64)))


def extend_vocab(old, counts, old_ids, words, min_count=5, max_vocab=None):
    """The vocabulary of a run that continues one on `old` (a Vocab) on new text whose distinct
    words are `words` (any sequence) seen `counts` times; `old_ids[i]`: the id in `words` of
    old word i, -1 if the new text lacks it.

    Every old word stays, its count the old one plus the new; a new word enters if seen at least
    `min_count` times, the most frequent first while the vocabulary holds fewer than `max_vocab`
    words. Returns (Vocab, old_rows): old_rows[i] is word i's index in `old`, -1 for a new word.
    """
    counts = np.asarray(counts, np.int64)
    in_new_text = old_ids >= 0
    merged = old.counts.copy()
    merged[in_new_text] += counts[old_ids[in_new_text]]
    is_new = counts >= min_count
    is_new[old_ids[in_new_text]] = False
    new = np.flatnonzero(is_new)
    new_words = [words[i] for i in new]
    chosen = by_count_then_word(new_words, counts[new])
    if max_vocab:
        chosen = chosen[: max(max_vocab - len(old), 0)]
    all_words = list(old.words) + [new_words[i] for i in chosen]
    all_counts = np.concatenate((merged, counts[new][chosen]))
    order = by_count_then_word(all_words, all_counts)
    old_rows = np.where(order < len(old), order, -1)
    return Vocab([all_words[i] for i in order], all_counts[order]), old_rows


def write_vocab_file(path, vocab):
    """word2vec C's -save-vocab format: `word count` per line, by descending count."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.writelines(f"{word} {count}\n" for word, count in zip(vocab.words,
                                                                   vocab.counts.tolist()))


def read_vocab_file(path):
    """(words, counts) of a vocabulary file in word2vec C's format (`word count` per line, as
    -save-vocab and `w2v train --save-vocab` write it); W2VError naming the line at fault."""
    words, counts, seen = [], [], {}
    for number, line in enumerate(read_text_lines(path, _VOCAB_FILE), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not (fields[1].isascii() and fields[1].isdigit()):
            raise W2VError(f"{path}, line {number}: expected `word count` (a word and a whole "
                           f"number, as word2vec -save-vocab writes), got {line[:60]!r}")
        if fields[0] in seen:
            raise W2VError(f"{path}, line {number}: {fields[0]!r} is listed twice (first on line "
                           f"{seen[fields[0]]})")
        seen[fields[0]] = number
        words.append(fields[0])
        counts.append(int(fields[1]))
    if not words:
        raise W2VError(f"vocabulary file {path} lists no words")
    return words, np.array(counts, np.int64)


def keep_probabilities(counts, sample):
    """word2vec's subsampling: P(keep w) = (sqrt(f/t) + 1) * t/f with t = sample * total, f = count.

    Frequent words are dropped more often; sample <= 0 keeps everything. float32 (V,).
    """
    if sample <= 0:
        return np.ones(len(counts), np.float32)
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype(np.float32)


def noise_distribution(counts, exponent=0.75):
    """The negative-sampling distribution: count**exponent, normalized. float64 (V,)."""
    weights = np.asarray(counts, np.float64) ** exponent
    return weights / weights.sum()


def alias_table(probabilities):
    """Walker's alias method: draw from `probabilities` in O(1) with one random int and float.

    Returns (accept float32 (V,), alias int32 (V,)): pick a bucket i uniformly, keep i with
    probability accept[i], else take alias[i].
    """
    n = len(probabilities)
    scaled = np.asarray(probabilities, np.float64) * n
    accept = np.ones(n, np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        accept[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            small.append(large.pop())
    return accept.astype(np.float32), alias


def huffman_tree(counts):
    """Huffman codes for hierarchical softmax (word2vec's tree: frequent words get short codes).

    Returns (codes uint8 (V, L), points int32 (V, L), lengths int32 (V,)): for word w, the path
    from the root visits inner nodes points[w, :lengths[w]] (rows of the V-1 output vectors) and
    takes branch codes[w, i] at each.
    """
    n = len(counts)
    if n < 2:
        return np.zeros((n, 1), np.uint8), np.zeros((n, 1), np.int32), np.zeros(n, np.int32)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, np.int64)
    branch = np.zeros(2 * n - 1, np.uint8)
    for node in range(n, 2 * n - 1):
        (c1, a), (c2, b) = heapq.heappop(heap), heapq.heappop(heap)
        parent[a], parent[b], branch[b] = node, node, 1
        heapq.heappush(heap, (c1 + c2, node))
    depth = np.zeros(2 * n - 1, np.int32)  # of every node; a parent is made after its children
    for node in range(2 * n - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    codes = np.zeros((n, depth.max()), np.uint8)
    points = np.zeros((n, depth.max()), np.int32)
    words, node = np.arange(n), np.arange(n)  # walk all leaves up together, level by level
    while len(words):
        level = depth[node] - 1  # the step from `node` to its parent, counted from the root
        points[words, level] = parent[node] - n
        codes[words, level] = branch[node]
        node = parent[node]
        below_root = depth[node] > 0
        words, node = words[below_root], node[below_root]
    return codes, points, depth[:n]
