"""The numbers behind the explorer page: 2-D maps of many words (PCA, t-SNE, UMAP), each word's
nearest neighbours in the full vector space, two sets of vectors aligned (orthogonal
Procrustes), and `word group` files. Arrays in, arrays out; no page and no file written here.
"""

import numpy as np

from ..errors import ParameterError, W2VError, W2VWarning
from ..files import ReadMessages, read_text_lines

MAP_METHODS = ("pca", "tsne", "umap")
TSNE_INPUT_DIM = 50  # t-SNE runs on the 50 leading principal components, as its authors advise
NEIGHBOUR_BLOCK = 1024  # rows of queries per matrix product
_GROUPS_FILE = ReadMessages.naming("groups file")


# ----- projections -------------------------------------------------------------------------------


def check_method(method):
    """Raise ParameterError for an unknown map method, W2VError if its library is missing."""
    if method not in MAP_METHODS:
        raise ParameterError(f"{{method}} must be one of {', '.join(MAP_METHODS)}, got "
                             f"{method!r}", ("method",))
    if method == "umap":
        try:
            import umap  # noqa: F401
        except ImportError:
            raise W2VError("the umap map needs umap-learn: pip install umap-learn") from None


def map_2d(vectors, method="tsne", seed=0):
    """(n, 2) float32 coordinates of the rows of `vectors` (unit rows are expected).

    "pca": the two leading principal components; "tsne": scikit-learn's Barnes-Hut t-SNE on the
    50 leading components, started from PCA; "umap": umap-learn with the cosine metric. Signs
    are fixed (largest loading positive) so the map does not flip between runs.
    """
    check_method(method)
    matrix = np.asarray(vectors, dtype=np.float32)
    n = len(matrix)
    if n < 2:
        raise W2VError(f"need at least 2 words to map, got {n}")
    if not np.isfinite(matrix).all():
        raise W2VError("cannot map vectors holding NaN or infinite values")
    if method == "pca" or n < 4:
        return principal_components(matrix, 2, seed)
    if method == "tsne":
        return _tsne(matrix, seed)
    return _umap(matrix, seed)


def principal_components(matrix, k, seed=0):
    """(n, k) float32: the rows' coordinates on their k leading principal directions (fewer
    columns of data are padded with zeros), each direction's largest loading positive."""
    from sklearn.decomposition import PCA

    usable = min(k, matrix.shape[1], len(matrix))
    coordinates = np.zeros((len(matrix), k), dtype=np.float32)
    if usable:
        pca = PCA(n_components=usable, random_state=seed)
        projected = pca.fit_transform(matrix)
        loadings = pca.components_
        signs = np.sign(loadings[np.arange(usable), np.abs(loadings).argmax(axis=1)])
        signs[signs == 0] = 1
        coordinates[:, :usable] = projected * signs
    return coordinates


def _tsne(matrix, seed):
    from sklearn.manifold import TSNE

    reduced = principal_components(matrix, min(TSNE_INPUT_DIM, matrix.shape[1]), seed)
    perplexity = min(30.0, max(1.0, (len(matrix) - 1) / 3))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto",
                random_state=seed)
    return tsne.fit_transform(reduced).astype(np.float32)


def _umap(matrix, seed):
    import umap

    neighbours = min(15, len(matrix) - 1)
    model = umap.UMAP(n_components=2, n_neighbors=neighbours, metric="cosine", random_state=seed)
    return model.fit_transform(matrix).astype(np.float32)


# ----- nearest neighbours ------------------------------------------------------------------------


def nearest_neighbours(unit_vectors, rows, k=10, block=NEIGHBOUR_BLOCK):
    """(indices int32 (len(rows), k), cosines float32 (len(rows), k)): each row's k nearest
    words among all of `unit_vectors` by cosine, itself left out, best first, ties by lower
    index: what `KeyedVectors.most_similar(word, topn=k)` answers, for many words at once
    (matrix products over blocks of `block` rows). Fewer than k other words: indices -1."""
    unit_vectors = np.ascontiguousarray(unit_vectors, dtype=np.float32)
    rows = np.asarray(rows, dtype=np.int64)
    total = len(unit_vectors)
    found = min(k, total - 1)
    indices = np.full((len(rows), k), -1, dtype=np.int32)
    cosines = np.zeros((len(rows), k), dtype=np.float32)
    if found <= 0:
        return indices, cosines
    for start in range(0, len(rows), block):
        chosen = rows[start:start + block]
        queries = unit_vectors[chosen].astype(np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", queries, queries))  # as most_similar's query
        norms[norms == 0] = 1
        scores = unit_vectors @ (queries / norms[:, None]).astype(np.float32).T  # (total, b)
        scores = np.ascontiguousarray(scores.T)
        scores[np.arange(len(chosen)), chosen] = -np.inf  # a word is not its own neighbour
        if found < total - 1:
            candidates = np.argpartition(-scores, found - 1, axis=1)[:, :found]
        else:  # every other word; the word itself (-inf) sorts last and is cut below
            candidates = np.broadcast_to(np.arange(total), scores.shape)
        best = np.take_along_axis(scores, candidates, axis=1)
        order = np.lexsort((candidates, -best), axis=1)[:, :found]
        chosen_indices = np.take_along_axis(candidates, order, axis=1)
        chosen_scores = np.take_along_axis(best, order, axis=1)
        width = chosen_indices.shape[1]
        indices[start:start + len(chosen), :width] = chosen_indices
        cosines[start:start + len(chosen), :width] = chosen_scores
    return indices, cosines


# ----- two sets of vectors -----------------------------------------------------------------------


def align(reference, other):
    """`other`'s rows rotated onto `reference`'s (the same words, row by row): the orthogonal
    matrix R minimising ||other R - reference|| (orthogonal Procrustes, by SVD). Rows of a
    smaller dimension are padded with zeros first. Returns (reference, other @ R), float32."""
    reference = np.asarray(reference, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    dim = max(reference.shape[1], other.shape[1])
    reference, other = _pad(reference, dim), _pad(other, dim)
    left, _, right = np.linalg.svd(other.T @ reference)
    rotation = left @ right
    return reference.astype(np.float32), (other @ rotation).astype(np.float32)


def _pad(matrix, dim):
    if matrix.shape[1] == dim:
        return matrix
    return np.hstack([matrix, np.zeros((len(matrix), dim - matrix.shape[1]))])


def unit_rows(matrix):
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)).astype(np.float32)
    norms[norms == 0] = 1
    return matrix / norms[:, None]


def cosine_distances(a, b):
    """1 - cosine of each pair of rows of a and b (float32)."""
    return (1 - np.einsum("ij,ij->i", unit_rows(a), unit_rows(b), dtype=np.float64)) \
        .astype(np.float32)


# ----- word groups -------------------------------------------------------------------------------


def read_groups(path):
    """{word: group} from a file of `word group` lines (the group is the rest of the line; blank
    lines and lines starting with # are skipped; a word's last line wins)."""
    groups = {}
    for number, line in enumerate(read_text_lines(path, _GROUPS_FILE), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            raise W2VError(f"{path}, line {number}: expected `word group`, got {line[:60]!r}")
        groups[parts[0]] = parts[1].strip()
    if not groups:
        raise W2VError(f"{path} holds no `word group` line")
    return groups


def groups_of(words, groups, known, source="groups"):
    """The group of each of `words` ("" for none), warning (W2VWarning) how many words of
    `groups` are unknown (not in `known`) or known but not among `words`; W2VError if no word
    of `groups` is known."""
    unknown = [word for word in groups if word not in known]
    if len(unknown) == len(groups):
        raise W2VError(f"no word of {source} is in the vectors ({len(groups)} words, e.g. "
                       f"{', '.join(repr(w) for w in list(groups)[:3])})")
    on_map = set(words)
    off_map = sum(1 for word in groups if word in known and word not in on_map)
    notes = []
    if unknown:
        notes.append(f"{len(unknown)} of its {len(groups)} words are not in the vectors "
                     f"(e.g. {', '.join(repr(w) for w in unknown[:3])})")
    if off_map:
        notes.append(f"{off_map} known words are beyond the map's {len(words)} words")
    if notes:
        import warnings

        warnings.warn(W2VWarning(f"{source}: {'; '.join(notes)}; ignored"),
                      stacklevel=2)
    return [groups.get(word, "") for word in words]
