"""Regenerate corpora/default.txt.gz from w2v.synthetic, and optionally check it with gensim.

    python scripts/make_default_corpus.py            # write the file, print its size and md5
    python scripts/make_default_corpus.py --check    # also train gensim on it and print the scores
"""

import argparse
import gzip
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not
from w2v import synthetic  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=synthetic.repository_corpus_path())
    parser.add_argument("--check", action="store_true",
                        help="train gensim skip-gram (word2vec defaults, 2 threads) and score it")
    return parser.parse_args()


def describe(path):
    text = gzip.decompress(path.read_bytes())
    lines = text.count(b"\n")
    print(f"{path}: {path.stat().st_size:,} bytes gzipped, {len(text):,} bytes of text, "
          f"{len(text.split()):,} tokens, {lines:,} lines, "
          f"md5 of the text {hashlib.md5(text).hexdigest()}")


def check_with_gensim(path):
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    start = time.perf_counter()
    model = Word2Vec(LineSentence(str(path)), vector_size=100, window=5, negative=5, min_count=5,
                     epochs=5, sg=1, workers=2, seed=1)
    print(f"gensim skip-gram: {time.perf_counter() - start:.1f} s, vocabulary {len(model.wv)}")
    kv = model.wv

    def neighbours(word, k):
        return [w for w, _ in kv.most_similar(word, topn=k)] if word in kv else None

    scores = synthetic.group_precision(neighbours, k=5)
    for name, score in scores.items():
        print(f"  {name:12s} precision@5 within group {score:.3f}")
    print(f"mean precision@5 within group: {statistics.mean(scores.values()):.3f}")
    questions = synthetic.planted_analogies()
    correct = sum(kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d
                  for a, b, c, d in questions)
    print(f"country:capital analogies (3CosAdd, top 1): {correct}/{len(questions)}")


def main():
    args = parse_args()
    synthetic.write_default_corpus(args.out)
    describe(args.out)
    if args.check:
        check_with_gensim(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
