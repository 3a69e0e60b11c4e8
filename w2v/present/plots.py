"""Pictures of word vectors, of training runs and of the sentiment report.

Pure functions: each `plot_*` draws on the given axes (or a new figure) and returns the Figure; it
never shows a window. Figures are made with the Agg canvas directly, so no pyplot state or GUI
backend is involved. `save_figure` writes a picture of an exact pixel size in the format its
extension names (PNG, JPEG, PDF, SVG, ...), atomically.
"""

import os

import numpy as np

from ..errors import ParameterError, UsageError, W2VError, check_parameter
from ..files import atomic_write
from ..sentiment.datasets import class_names
from ..sentiment.results import SentimentResult, confusion, main_sweep, roc_auc_per_class
from .training_log import check_training_log, load_training_log  # noqa: F401 - its readers

METHODS = ("svd", "pca", "tsne")
MAX_WORDS = 200  # more labels than this no longer fit a readable picture
# what the Agg canvas writes (JPEG, TIFF and WebP through Pillow, a matplotlib dependency)
PICTURE_FORMATS = ("png", "jpg", "jpeg", "pdf", "svg", "eps", "ps", "tif", "tiff", "webp")
DPI = 100
REPORT_DPI = 110  # the sentiment report's figures: text a little larger for their size
DEFAULT_SIZE = (1000, 800)  # pixels


# ----- projections -------------------------------------------------------------------------------


def project_2d(vectors, method="svd", seed=0):
    """(n, 2) float64 coordinates of the rows of `vectors`.

    "svd": the first two singular directions of the raw rows (no centring, as in the CS224n
    picture); "pca": the same after centring; "tsne": scikit-learn's t-SNE started from PCA.
    Signs are fixed (largest loading positive) so the picture does not flip between runs.
    """
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or len(matrix) < 2:
        raise UsageError(
            f"need at least 2 vectors (a 2-D matrix) to project, got shape {matrix.shape}"
        )
    if not np.isfinite(matrix).all():
        raise W2VError("cannot project vectors holding NaN or infinite values")
    if method == "tsne":
        return _tsne(matrix, seed)
    if method == "pca":
        matrix = matrix - matrix.mean(axis=0)
    return _leading_components(matrix)


def _leading_components(matrix):
    left, singular, right = np.linalg.svd(matrix, full_matrices=False)
    k = min(2, len(singular))
    signs = np.sign(right[np.arange(k), np.abs(right[:k]).argmax(axis=1)])
    signs[signs == 0] = 1
    coordinates = np.zeros((len(matrix), 2))
    coordinates[:, :k] = left[:, :k] * singular[:k] * signs
    return coordinates


def _tsne(matrix, seed):
    from sklearn.manifold import TSNE

    perplexity = min(30.0, max(1.0, (len(matrix) - 1) / 3))
    method = (
        "exact" if len(matrix) <= 300 else "barnes_hut"
    )  # exact is faster for a picture's few words
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        method=method,
        random_state=seed,
    )
    return tsne.fit_transform(matrix).astype(np.float64)


def word_coordinates(kv, words, method="svd", seed=0):
    """The coordinates `plot_words` draws: `project_2d` of the words' unit-length vectors."""
    return project_2d(kv.unit_vectors[kv.indices_of(words)], method=method, seed=seed)


# ----- figures -----------------------------------------------------------------------------------


def new_figure(size=DEFAULT_SIZE, ncols=1, dpi=DPI):
    """A Figure of `size` = (width, height) pixels on an Agg canvas, with `ncols` axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = _check_size(size)
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    figure.subplots(1, ncols)
    return figure


def _check_size(size):
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ParameterError(f"{{size}} must be (width, height) in pixels, got {size!r}",
                             ("size",)) from None
    check_parameter(50 <= width <= 10000 and 50 <= height <= 10000,
                    f"{{size}} must be between 50 and 10000 pixels each way, got {width}x{height}",
                    "size")
    return width, height


def picture_format(path):
    """The picture format `path`'s extension names ("png", "jpg", ...); UsageError if none."""
    extension = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if extension not in PICTURE_FORMATS:
        raise UsageError(
            f"cannot tell the picture format of {path}: end it with one of "
            f"{', '.join('.' + f for f in PICTURE_FORMATS)}"
        )
    return extension


def save_figure(figure, path):
    """Write `figure` to `path` in the format its extension names, at exactly its pixel size;
    atomic, like every output of w2v."""
    file_format = picture_format(path)
    with atomic_write(path, "wb") as handle:
        figure.savefig(handle, format=file_format, dpi=figure.dpi)


def check_word_count(count, parameter=None):
    """ParameterError unless a picture of `count` words (asked for by `parameter`, if named) can
    be drawn and read."""
    asked = f"{{{parameter}}} {count}" if parameter else count
    check_parameter(
        2 <= count <= MAX_WORDS,
        f"a picture takes 2 to {MAX_WORDS} words (more labels do not fit a readable one), "
        f"got {asked}",
        *([parameter] if parameter else []),
    )


def plot_words(kv, words, method="svd", seed=0, ax=None, size=DEFAULT_SIZE, title=None):
    """Labelled scatter of `words` projected to 2-D; labels are placed so they do not overlap
    each other or the points (see `place_labels`). Returns the Figure."""
    words = list(dict.fromkeys(words))
    check_word_count(len(words))
    coordinates = word_coordinates(kv, words, method=method, seed=seed)
    if ax is None:
        figure = new_figure(size)
        figure.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.93)
        ax = figure.axes[0]
    figure = ax.figure
    ax.scatter(coordinates[:, 0], coordinates[:, 1], s=18, color="tab:blue", zorder=3)
    _pad_limits(ax, coordinates)
    ax.set_xticks([])
    ax.set_yticks([])
    method_name = {"svd": "SVD", "pca": "PCA", "tsne": "t-SNE"}[method]
    ax.set_title(
        title or f"{len(words)} words, {method_name} of unit vectors ({kv.dim} dimensions)"
    )
    place_labels(ax, coordinates, words)
    return figure


def _pad_limits(ax, coordinates, margin=0.12):
    low, high = coordinates.min(axis=0), coordinates.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    ax.set_xlim(low[0] - margin * span[0], high[0] + margin * span[0])
    ax.set_ylim(low[1] - margin * span[1], high[1] + margin * span[1])


# ----- label placement ---------------------------------------------------------------------------

_DIRECTIONS = np.array(
    [(0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)], dtype=np.float64
)
_RINGS = (1.0, 2.0, 3.0, 4.5, 6.0, 8.0)  # ring 1.0: the label just clear of its point
_POINT_RADIUS = 4.0  # pixels kept clear around every point


def place_labels(ax, coordinates, labels, fontsize=9):
    """Add one text per point, each at the first candidate spot (8 directions on growing rings
    around its point) whose box overlaps no placed label, no point and stays inside the axes;
    failing that, the spot with the least overlap. Labels moved beyond the first ring get a thin
    leader line. Returns the Text objects."""
    renderer = _renderer(ax.figure)
    to_pixels = ax.transData.transform
    points = to_pixels(coordinates)
    inside = ax.get_window_extent(renderer)
    texts = [
        ax.text(x, y, label, fontsize=fontsize, ha="center", va="center", zorder=4)
        for (x, y), label in zip(coordinates, labels)
    ]
    half_sizes = np.array([_half_size(t, renderer) for t in texts])
    placed = np.empty((0, 4))
    for i, text in enumerate(texts):
        box, ring = _best_spot(points[i], half_sizes[i], placed, points, inside)
        placed = np.vstack([placed, box])
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        text.set_position(ax.transData.inverted().transform(centre))
        if ring > 0:
            ax.plot(*zip(coordinates[i], text.get_position()), color="0.6", lw=0.6, zorder=2)
    return texts


def _renderer(figure):
    """A renderer to measure text with; a bare Figure() gets the Agg canvas savefig would use."""
    if not hasattr(figure.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure)
    return figure.canvas.get_renderer()


def _half_size(text, renderer):
    extent = text.get_window_extent(renderer)
    return extent.width / 2 + 1.5, extent.height / 2 + 1.0


def _best_spot(point, half_size, placed, points, inside):
    """(box x0, y0, x1, y1) in pixels and the ring index of the chosen spot."""
    half_w, half_h = half_size
    best, best_cost = None, np.inf
    for ring, scale in enumerate(_RINGS):
        reach = np.array([half_w + _POINT_RADIUS, half_h + _POINT_RADIUS]) * scale
        centres = point + _DIRECTIONS * reach
        boxes = np.column_stack([centres - (half_w, half_h), centres + (half_w, half_h)])
        costs = _overlap_costs(boxes, placed, points, inside)
        if costs.min() == 0:
            return boxes[int(costs.argmin())], ring
        if costs.min() < best_cost:
            best, best_cost = (boxes[int(costs.argmin())], ring), costs.min()
    return best


def _overlap_costs(boxes, placed, points, inside):
    """Pixel area of each candidate box overlapping placed boxes, points or the axes' outside."""
    cost = np.zeros(len(boxes))
    if len(placed):
        cost += _intersection_area(boxes[:, None, :], placed[None, :, :]).sum(axis=1)
    point_boxes = np.column_stack([points - _POINT_RADIUS, points + _POINT_RADIUS])
    cost += _intersection_area(boxes[:, None, :], point_boxes[None, :, :]).sum(axis=1)
    frame = np.array([inside.x0, inside.y0, inside.x1, inside.y1])
    box_area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    cost += box_area - _intersection_area(boxes, frame[None, :])
    return cost


def _intersection_area(a, b):
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    return np.clip(width, 0, None) * np.clip(height, 0, None)


# ----- training log ------------------------------------------------------------------------------


def plot_training_log(log, ax=None, size=(1000, 450)):
    """Mean loss per training pair by epoch and training speed (words/s) by epoch; epoch 1's
    speed is marked as including the kernels' compile (the log cannot tell it apart).

    With `ax`, the loss goes on `ax` and the speed on a twin y-axis; otherwise a new figure gets
    one panel for each. Returns the Figure.
    """
    log = check_training_log(log)
    epochs = [e["epoch"] for e in log["epochs"]]
    losses = [e["loss"] for e in log["epochs"]]
    speeds = [e["words_per_sec"] / 1000 for e in log["epochs"]]
    if ax is None:
        figure = new_figure(size, ncols=2)
        loss_ax, speed_ax = figure.axes
    else:
        figure, loss_ax, speed_ax = ax.figure, ax, ax.twinx()
    loss_ax.plot(epochs, losses, marker="o", color="tab:blue")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("mean loss per training pair")
    loss_ax.set_xticks(epochs)
    speed_ax.plot(epochs, speeds, marker="s", color="tab:orange")
    # the note sits in headroom kept free above the points, its arrow to epoch 1's point
    speed_ax.annotate("includes the kernels'\ncompile (or load)", (epochs[0], speeds[0]),
                      xytext=(0.5, 0.97), textcoords="axes fraction", ha="center", va="top",
                      fontsize="small", color="tab:orange",
                      arrowprops={"arrowstyle": "->", "color": "tab:orange", "lw": 0.8})
    speed_ax.set_ylabel("thousand words / s")
    speed_ax.set_ylim(0, max(speeds) * 1.4 if max(speeds) > 0 else 1)
    if ax is None:
        speed_ax.set_xlabel("epoch")
        speed_ax.set_xticks(epochs)
        loss_ax.set_title("loss")
        speed_ax.set_title("training speed")
    figure.suptitle(_run_summary(log), fontsize=10)
    return figure


def _run_summary(log):
    config = log.get("config") if isinstance(log.get("config"), dict) else {}
    parts = [str(config[k]) for k in ("arch", "model") if k in config]
    parts += [f"{k} {config[k]}" for k in ("loss", "dim", "window", "negative") if k in config]
    if isinstance(log.get("vocab_size"), int):
        parts.append(f"vocabulary {log['vocab_size']:,}")
    if isinstance(log.get("wall_seconds"), (int, float)):
        parts.append(f"{log['wall_seconds']:.1f} s")
    return ", ".join(parts) or "training run"


# ----- sentiment report --------------------------------------------------------------------------


def _report_figure(ax, size):
    """(figure, axes): `ax` and its figure, or a new figure of `size` pixels at REPORT_DPI."""
    if ax is not None:
        return ax.figure, ax
    figure = new_figure(size, dpi=REPORT_DPI)
    figure.set_layout_engine("constrained")
    return figure, figure.axes[0]


def plot_accuracy_vs_lambda(result, ax=None):
    """Train and dev accuracy of the main model against lambda (log x), chosen lambda marked;
    the baselines' dev accuracy for reference when `result` is a SentimentResult."""
    figure, ax = _report_figure(ax, (704, 462))
    main = main_sweep(result)
    positive = main.lambdas > 0  # lambda = 0 has no place on a log axis
    lambdas = main.lambdas[positive]
    for split, style in (("train", "o-"), ("dev", "s-")):
        scores = np.array([getattr(p, f"{split}_accuracy") for p in main.points])[positive]
        ax.plot(lambdas, scores, style, markersize=4, label=f"{main.model} {split}")
    chosen = main.chosen_point
    ax.axvline(
        chosen.l2,
        color="grey",
        linestyle=":",
        label=f"chosen lambda {chosen.l2:.0e} (test {chosen.test_accuracy:.3f})",
    )
    if isinstance(result, SentimentResult):
        for sweep in result.sweeps[1:]:
            dev = np.array([p.dev_accuracy for p in sweep.points])
            if len(sweep.points) == 1:
                ax.axhline(
                    dev[0], color="black", linewidth=0.8, linestyle="--", label=f"{sweep.model} dev"
                )
            else:
                keep = sweep.lambdas > 0
                ax.plot(
                    sweep.lambdas[keep], dev[keep], "--", linewidth=1, label=f"{sweep.model} dev"
                )
    if len(set(lambdas)) == 1:  # one lambda: give the log axis a decade either side
        ax.set_xlim(lambdas[0] / 10, lambdas[0] * 10)
    ax.set_xscale("log")
    ax.set_xlabel("lambda (L2 strength)")
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy vs lambda")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def plot_loss_curves(result, ax=None):
    """The chosen MLP's mean cross-entropy on train and dev after each epoch (over-fitting
    shows as dev loss rising while train loss falls)."""
    figure, ax = _report_figure(ax, (704, 462))
    point = main_sweep(result).chosen_point
    for split, style in (("train", "o-"), ("dev", "s-")):
        losses = point.losses.get(split) or []
        ax.plot(np.arange(1, len(losses) + 1), losses, style, markersize=3, label=split)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (mean, without the L2 term)")
    ax.set_title(f"MLP loss per epoch (lambda {point.l2:.0e})")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def plot_confusion_matrix(result, ax=None):
    """Test confusion matrix of the chosen model: counts, colour by row share (recall)."""
    figure, ax = _report_figure(ax, (572, 506))
    main = main_sweep(result)
    matrix = confusion(main)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, col), count in np.ndenumerate(matrix):
        ax.text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if shares[row, col] > 0.5 else "black",
            fontsize="small",
        )
    ticks, names = np.arange(len(main.classes)), class_names(main.classes)
    ax.set_xticks(ticks, labels=names, rotation=30, ha="right")
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = main.chosen_point.test_accuracy
    ax.set_title(f"Test confusion matrix (accuracy {accuracy:.3f})")
    figure.colorbar(image, ax=ax, label="share of the true class")
    return figure


def plot_roc_curves(result, ax=None):
    """One-vs-rest ROC curve of each class on test, with its AUC in the legend."""
    from sklearn.metrics import roc_curve

    figure, ax = _report_figure(ax, (616, 528))
    main = main_sweep(result)
    for k, (name, auc) in enumerate(zip(class_names(main.classes), roc_auc_per_class(main))):
        if auc is None:
            continue
        false_positive, true_positive, _ = roc_curve(main.y_test == k, main.test_proba[:, k])
        ax.plot(false_positive, true_positive, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("One-vs-rest ROC on test")
    ax.legend(fontsize="small", loc="lower right")
    return figure
