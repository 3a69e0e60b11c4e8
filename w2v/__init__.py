"""w2v: a fast, correct word2vec trainer and the tools around it."""

__version__ = "0.1.0"
