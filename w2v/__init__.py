"""w2v: a fast, correct word2vec trainer and the tools around it.

    import w2v
    model = w2v.train(sentences, dim=100, epochs=5)   # see help(w2v.train)
    model.wv.most_similar("king")
"""

__version__ = "0.1.0"

_API = ("train", "load", "convert", "STOP", "TrainingProgress", "Word2VecModel", "KeyedVectors")
__all__ = list(_API)


def __getattr__(name):
    # imported on first use, so that `w2v --help` does not load the trainer
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))
