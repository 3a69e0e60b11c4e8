"""`w2v plot` (words in 2-D) and `w2v plot-loss` (a training log)."""

import re

from ..errors import UsageError, W2VError
from ..present.plots import MAX_WORDS, METHODS, PICTURE_FORMATS, check_word_count, picture_format
from .parser import add_command
from .query import add_vectors_argument, load_vectors, warn

DEFAULT_TOP = 50
PICTURE_HELP = (f"picture to write, its format from the extension: "
                f"{', '.join('.' + f for f in PICTURE_FORMATS)} (a missing folder is created)")


def register(subparsers):
    plot = add_command(
        subparsers, "plot",
        help="2-D picture of words with readable labels",
        description="Project the unit vectors of some words to 2-D (SVD, PCA or t-SNE) and write a "
        "labelled scatter plot. Unknown --words are named on stderr and left out.",
        examples=[
            "w2v plot vectors.bin -o words.png --words horse,cow,pig,violin,cello,harp,red,blue",
            "w2v plot vectors.bin -o top.pdf --top 100 --method tsne",
        ],
    )
    add_vectors_argument(plot)
    plot.add_argument("-o", "--output", required=True, metavar="PICTURE", help=PICTURE_HELP)
    chosen = plot.add_mutually_exclusive_group()
    chosen.add_argument("--words", metavar="A,B,C", help="comma-separated words to plot")
    chosen.add_argument(
        "--top", type=int, metavar="N",
        help=f"the N most frequent words, 2 to {MAX_WORDS} (default {DEFAULT_TOP})",
    )
    plot.add_argument(
        "--method", choices=METHODS, default="svd",
        help="svd: the two leading singular directions (default); pca: the same after centring; "
        "tsne: t-SNE, which keeps near words near",
    )
    plot.add_argument("--seed", type=int, default=0, help="t-SNE random seed (default 0)")
    plot.add_argument(
        "--size", default="1000x800", metavar="WxH", help="image size in pixels (default 1000x800)"
    )
    plot.set_defaults(func=run_plot)

    loss = add_command(
        subparsers, "plot-loss",
        help="loss and speed per epoch from a training log",
        description="Plot the mean loss per epoch and the words/s of each epoch from the JSON log "
        "that `w2v train` writes beside the vectors. Epoch 1's speed includes compiling the "
        "training kernels (or loading them from Numba's cache).",
        examples=[
            "w2v plot-loss vectors.bin.json -o loss.png",
            "w2v plot-loss vectors.bin.json -o loss.svg --size 1200x500",
        ],
    )
    loss.add_argument("log", metavar="TRAINING_LOG", help="the JSON log, OUTPUT.json")
    loss.add_argument("-o", "--output", required=True, metavar="PICTURE", help=PICTURE_HELP)
    loss.add_argument(
        "--size", default="1000x450", metavar="WxH", help="image size in pixels (default 1000x450)"
    )
    loss.set_defaults(func=run_plot_loss)


def parse_size(text):
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"--size must be WIDTHxHEIGHT in pixels, like 1000x800, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def _chosen_words(args, kv):
    if args.words is None:
        return kv.words[: args.top or DEFAULT_TOP]
    words = [w for w in (part.strip() for part in args.words.split(",")) if w]
    missing = kv.unknown_words(words)
    if missing:
        warn("plot", f"{kv.unknown_words_error(missing)}; left out")
    known = list(dict.fromkeys(w for w in words if w not in missing))
    if len(known) < 2:
        raise W2VError(f"need at least 2 known words to plot, got {len(known)} of {len(words)}")
    return known


def run_plot(args):
    from ..present.plots import plot_words, save_figure

    size = parse_size(args.size)
    picture_format(args.output)
    if args.top is not None:  # checked before minutes of loading a large vectors file
        check_word_count(args.top, "top")
    kv = load_vectors(args.vectors, args.quiet)
    words = _chosen_words(args, kv)
    figure = plot_words(kv, words, method=args.method, seed=args.seed, size=size)
    save_figure(figure, args.output)
    print(f"wrote {args.output}: {len(words)} words, {args.method}, {size[0]}x{size[1]} pixels")
    return 0


def run_plot_loss(args):
    from ..present.plots import load_training_log, plot_training_log, save_figure

    size = parse_size(args.size)
    picture_format(args.output)
    log = load_training_log(args.log)
    figure = plot_training_log(log, size=size)
    save_figure(figure, args.output)
    print(f"wrote {args.output}: {len(log['epochs'])} epochs, {size[0]}x{size[1]} pixels")
    return 0
