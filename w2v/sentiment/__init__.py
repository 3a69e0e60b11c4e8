"""Sentence sentiment from word vectors: datasets, poolings, the lambda sweep, the report."""


def __getattr__(name):
    # Lazy: `w2v --help` imports this package and need not wait for scikit-learn.
    if name == "SentenceEmbedder":
        from .embedder import SentenceEmbedder

        return SentenceEmbedder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
