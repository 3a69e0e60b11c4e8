"""gensim's pickles (`Word2Vec.save()`, `KeyedVectors.save()`): told apart by their content or
name, and read through gensim when it is installed (unpickling runs code: only load files you
trust). A Word2Vec model keeps what continuing it needs: its counts, its output weights per word
(`syn1neg`) and its settings, under our option names."""

import os

from ..errors import W2VError
from ..files import FILE_KINDS, extension_of, file_kind

GENSIM_EXTENSIONS = (".model", ".kv")
INSTALL_GENSIM = "install gensim to read gensim's pickled .model/.kv files"


def is_gensim_file(path):
    """A pickle naming gensim in its first bytes, or any pickle named .model or .kv."""
    if not os.path.isfile(path):
        return False
    kind = file_kind(path)
    return kind == "gensim pickle" or (kind == "pickle" and extension_of(path) in GENSIM_EXTENSIONS)


def read_gensim(vectors_class, path):
    """Words, vectors and counts (when the file has them) of a gensim Word2Vec (or other model
    with a `wv`) or KeyedVectors pickle, loaded by gensim."""
    try:
        from gensim.utils import SaveLoad
    except ImportError:
        raise W2VError(f"{path} is {FILE_KINDS['gensim pickle']}: {INSTALL_GENSIM}") from None
    try:
        loaded = SaveLoad.load(path)
    except Exception as exc:  # noqa: BLE001 - unpickling raises anything a damaged file causes
        raise W2VError(
            f"{path}: gensim could not load it ({type(exc).__name__}: {exc})"
        ) from None
    try:
        return from_gensim(vectors_class, loaded)
    except W2VError as exc:
        raise W2VError(f"{path}: {exc}") from None


def is_gensim_object(value):
    """A gensim Word2Vec (or other model with a `wv`) or KeyedVectors object."""
    wv = getattr(value, "wv", value)
    return type(value).__module__.startswith("gensim.") and hasattr(wv, "index_to_key")


def from_gensim(vectors_class, loaded):
    """`vectors_class` (KeyedVectors) of a gensim model or KeyedVectors object: words, vectors,
    counts and, for a Word2Vec model, its settings as our options and, when it trained with
    negative sampling, its output weights per word. A model with hierarchical softmax keeps
    none: its `syn1` rows are the inner nodes of its Huffman tree, not one row per word."""
    wv = getattr(loaded, "wv", loaded)
    if not (hasattr(wv, "index_to_key") and hasattr(wv, "vectors")):
        raise W2VError(f"a gensim {type(loaded).__name__}, not word vectors")
    counts = getattr(wv, "expandos", {}).get("count")
    config = gensim_config(loaded) if loaded is not wv else None
    output = None
    if config and config.get("loss") == "neg":
        output = getattr(loaded, "syn1neg", None)
        if output is not None and output.shape != wv.vectors.shape:
            output = None  # trimmed or damaged: continuing it is refused, as for .bin files
    return vectors_class(wv.index_to_key, wv.vectors, counts=counts, output_vectors=output,
                         config=config)


def gensim_config(model):
    """A gensim Word2Vec's settings under our option names (those that map onto ours); a model
    with both hierarchical softmax and negative sampling continues with negative sampling."""
    settings = {name: getattr(model, name, None) for name in (
        "sg", "hs", "negative", "vector_size", "window", "ns_exponent", "min_count", "sample",
        "epochs", "alpha", "cbow_mean", "seed", "max_final_vocab")}
    if settings["vector_size"] is None:
        return None
    negative = int(settings["negative"] or 0)
    config = {
        "arch": "skipgram" if settings["sg"] else "cbow",
        "loss": "neg" if negative > 0 else "hs" if settings["hs"] else None,
        "dim": int(settings["vector_size"]),
        "window": settings["window"],
        "negative": negative if negative > 0 else None,
        "ns_exponent": settings["ns_exponent"],
        "min_count": settings["min_count"],
        "sample": settings["sample"],
        "epochs": settings["epochs"],
        "lr": settings["alpha"],
        "cbow_mean": None if settings["cbow_mean"] is None else bool(settings["cbow_mean"]),
        "seed": settings["seed"],
        "max_vocab": settings["max_final_vocab"] or 0,
    }
    numbers = {"dim": int, "window": int, "negative": int, "min_count": int, "epochs": int,
               "seed": int, "max_vocab": int, "ns_exponent": float, "sample": float, "lr": float}
    return {name: numbers[name](value) if name in numbers else value
            for name, value in config.items() if value is not None}
