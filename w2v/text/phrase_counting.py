"""Counting for phrase detection: every word of the text and every candidate phrase (two
words on one line with only connector words between them), in Numba tables that grow."""

import concurrent.futures
import dataclasses

import numpy as np

from .corpus import WordTable, tokenize_block

FIRST_ROWS = 1 << 12  # the tables of candidates and runs start this small and double


# ----- counting ---------------------------------------------------------------------------------


@dataclasses.dataclass
class PhraseCounts:
    words: WordTable  # every word read, the connector words first
    n_words: int
    candidates: np.ndarray  # rows (first word << 32 | last word, run, count); see phrase_kernels
    runs: np.ndarray  # rows (run without its last connector, that connector, run id)
    n_candidates: int
    tokens: int

    def run_words(self):
        """{run id: its connector word ids}, for the runs of connectors counted."""
        rows = self.runs[self.runs[:, 2] > 0]
        parent = dict(zip(rows[:, 2].tolist(), rows[:, 0].tolist()))
        last = dict(zip(rows[:, 2].tolist(), rows[:, 1].tolist()))
        found = {0: ()}
        for run in sorted(parent):  # a run's id is larger than its parent's
            found[run] = found[parent[run]] + (last[run],)
        return found


def count_phrases(blocks, connector_words, max_vocab=0):
    """Count the words and candidates of `blocks` (as TextSource.blocks yields them)."""
    from .phrase_kernels import FULL, count_candidates, rebuilt

    words = WordTable()
    candidates, runs = np.zeros((FIRST_ROWS, 3), np.int64), np.zeros((FIRST_ROWS, 3), np.int64)
    word_state = np.zeros(5, np.int64)  # as tokenize takes it
    state = np.zeros(6, np.int64)  # as count_candidates takes it
    _enter_connectors(words, word_state, connector_words)
    tail = np.zeros(0, np.int32)  # the candidate still open at the end of the last block
    tokens, min_reduce = 0, 1
    for tokenized in _one_ahead(_tokenized(blocks, words, word_state)):
        if tokenized is None:  # end of a file: its last line ends
            tail = tail[:0]
            continue
        new_ids, line_lengths, carried = tokenized
        tokens += len(new_ids)
        ids = np.concatenate((tail, new_ids))
        line_ends = np.cumsum(line_lengths) - carried + len(tail)
        state[:4] = (0, -1, 0, 0)
        while (first := count_candidates(ids, line_ends, len(connector_words), candidates, runs,
                                         state)) == FULL:
            if 2 * state[4] >= len(candidates):
                candidates = rebuilt(candidates, 2 * len(candidates), 0)[0]
            else:
                runs = rebuilt(runs, 2 * len(runs), 0)[0]
        tail = ids[first:].copy() if first >= 0 else ids[:0]
        if max_vocab and state[4] > max_vocab:
            candidates, state[4] = rebuilt(candidates, len(candidates), min_reduce)
            min_reduce += 1
    return PhraseCounts(words, int(word_state[3]), candidates, runs, int(state[4]), tokens)


def _tokenized(blocks, words, word_state):
    """(word ids, lengths of the lines finished, tokens of the line unfinished before it) of each
    block, None at the end of a file, counting the words in `words`."""
    for block in blocks:
        if block is None:
            word_state[2] = 0
            yield None
            continue
        carried = int(word_state[2])
        yield (*tokenize_block(block, words, word_state), carried)


def _one_ahead(items):
    """The items of the iterator `items`, the next one computed in a thread while the caller
    works on this one (the kernels release the GIL: reading and tokenizing overlap counting)."""
    end = object()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        items = iter(items)
        future = pool.submit(next, items, end)
        while (item := future.result()) is not end:
            future = pool.submit(next, items, end)
            yield item


def _enter_connectors(words, word_state, connector_words):
    """Make the connector words words 0..k-1 of the table, not counted."""
    if connector_words:
        tokenize_block(" ".join(connector_words).encode("utf-8", "surrogatepass"), words,
                       word_state)
        words.counts[: len(connector_words)] = 0
        word_state[2] = 0
