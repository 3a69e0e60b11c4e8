"""gensim's pickles (`Word2Vec.save()`, `KeyedVectors.save()`): told apart by their content or
name, and read through gensim when it is installed (unpickling runs code: only load files you
trust)."""

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
    wv = getattr(loaded, "wv", loaded)
    if not (hasattr(wv, "index_to_key") and hasattr(wv, "vectors")):
        raise W2VError(f"{path} holds a gensim {type(loaded).__name__}, not word vectors")
    counts = getattr(wv, "expandos", {}).get("count")
    try:
        return vectors_class(wv.index_to_key, wv.vectors, counts=counts)
    except W2VError as exc:
        raise W2VError(f"{path}: {exc}") from None
