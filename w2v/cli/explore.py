"""`w2v explore`: an interactive explorer page of word vectors, one offline HTML file."""

import sys
import time

from ..errors import UsageError
from ..files import check_writable
from ..present.embedding_maps import MAP_METHODS
from .parser import add_command
from .query import add_vectors_argument, load_vectors

DEFAULT_TOP = 10_000  # as w2v.present.explorer.DEFAULT_TOP, which imports Bokeh lazily


def register(subparsers):
    explore = add_command(
        subparsers, "explore",
        help="interactive map of the words: search, neighbours, groups, two trainings compared",
        description="Write one self-contained HTML page (it works offline: Bokeh's JavaScript is "
        "inlined) with a 2-D map of the --top most frequent words: the word on hover, zoom and "
        "pan, a search box that centres a word and lists its nearest neighbours (cosines in the "
        "full vector space, as `w2v neighbors` gives them), colours by frequency or by --groups, "
        "and with --compare a second set of vectors aligned onto the first and the words that "
        "moved most. Needs Bokeh: pip install 'w2v[explore]'.",
        examples=[
            "w2v explore vectors.bin -o explorer.html --groups groups.txt",
            "w2v explore vectors.bin -o explorer.html --top 50000 --method pca",
            "w2v explore after.bin -o moved.html --compare before.bin",
        ],
    )
    add_vectors_argument(explore)
    explore.add_argument("-o", "--output", required=True, metavar="HTML",
                         help="the page to write (a missing folder is created)")
    explore.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N",
                         help=f"map the N most frequent words, at least 2 (default {DEFAULT_TOP:,}"
                              "; a file with fewer words maps them all)")
    explore.add_argument("--method", default="tsne", metavar="|".join(MAP_METHODS),
                         help="pca: fast, keeps the large-scale directions; tsne: t-SNE, keeps "
                              "near words near (default; about a minute for 10,000 words); "
                              "umap: UMAP (needs umap-learn)")
    explore.add_argument("--groups", metavar="FILE",
                         help="colour by group: `word group` lines (e.g. planted groups or "
                              "lexicon labels) instead of by frequency")
    explore.add_argument("--compare", metavar="OTHER_VECTORS",
                         help="a second vectors file of the same words (another training), "
                              "aligned onto VECTORS; each word's two positions are joined and "
                              "the words that moved most are listed")
    explore.add_argument("-k", type=int, default=10, dest="k", metavar="K",
                         help="nearest neighbours listed per word (default 10)")
    explore.add_argument("--seed", type=int, default=0, help="t-SNE/UMAP seed (default 0)")
    explore.add_argument("--title", help="the page's title (default: the vectors file's name)")
    explore.set_defaults(func=run_explore)


def run_explore(args):
    # checked before minutes of loading vectors and mapping them
    if args.top < 2:
        raise UsageError(f"--top must be >= 2, got {args.top}")
    if args.k < 1:
        raise UsageError(f"-k must be >= 1, got {args.k}")
    from ..present.embedding_maps import check_method

    check_method(args.method)
    _check_bokeh()
    check_writable(args.output)
    from ..present.explorer import explore

    kv = load_vectors(args.vectors)
    other = load_vectors(args.compare) if args.compare else None
    started = time.perf_counter()

    def progress(line):
        if not args.quiet:
            print(f"w2v explore: {line} ({time.perf_counter() - started:.0f} s so far)",
                  file=sys.stderr, flush=True)

    page = explore(kv, top=args.top, method=args.method, groups=args.groups, compare=other,
                   k=args.k, seed=args.seed, title=args.title or _name(args.vectors),
                   progress=progress)
    page.save(args.output)
    moved = f", {len(page.moved)} moved words listed" if page.moved else ""
    print(f"wrote {args.output}: {len(page.words):,} words, {args.method}, "
          f"{len(page.html) / 1e6:.1f} MB{moved}")
    return 0


def _check_bokeh():
    from ..errors import W2VError

    try:
        import bokeh  # noqa: F401
    except ImportError:
        raise W2VError("the explorer page needs Bokeh: pip install 'w2v[explore]' "
                       "(or pip install bokeh)") from None


def _name(path):
    import os

    return f"w2v explorer: {os.path.basename(path)}"
