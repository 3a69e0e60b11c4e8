"""`w2v export`: vectors in another tool's layout (the TensorFlow Embedding Projector's);
`w2v convert`: a vectors file in another format."""

from .parser import add_command
from .query import add_vectors_argument, check_positive, load_vectors

EXPORT_FORMATS = ("projector",)


def register(subparsers):
    export = add_command(
        subparsers, "export",
        help="write vectors for the TensorFlow Embedding Projector",
        description="Write VECTORS into the folder DIR in the TensorFlow Embedding Projector's "
        "layout (projector.tensorflow.org, 'Load'): vectors.tsv, one vector per line, "
        "tab-separated, no header; metadata.tsv, one word per line, or with the counts a "
        "'word<TAB>count' header and both columns when VECTORS has counts (a .npz from w2v "
        "train, a gensim .model). Each file is written atomically; a missing DIR is created.",
        examples=[
            "w2v export vectors.bin -o projector/",
            "w2v export vectors.npz -o projector/ --limit 10000   # the 10,000 most frequent",
        ],
    )
    add_vectors_argument(export)
    export.add_argument("-o", "--output", required=True, metavar="DIR",
                        help="folder to write vectors.tsv and metadata.tsv into")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="projector",
                        help="the layout to write (projector, the only one so far)")
    _add_limit_argument(export)
    export.set_defaults(func=run_export)

    convert = add_command(
        subparsers, "convert",
        help="write a vectors file in another format",
        description="Write the vectors of VECTORS (any format w2v reads) to OUTPUT in the format "
        "its extension names: .bin (word2vec binary), .txt/.vec (word2vec text), .npz (w2v's, "
        "which KeyedVectors.load(path, mmap='r') maps without reading), each optionally "
        "followed by .gz/.bz2/.xz. VECTORS is read a block at a time; OUTPUT is written "
        "atomically.",
        examples=[
            "w2v convert glove.840B.300d.txt glove.npz     # then mmap='r' opens it at once",
            "w2v convert GoogleNews.bin.gz top100k.bin --limit 100000",
        ],
    )
    add_vectors_argument(convert)
    convert.add_argument("output", metavar="OUTPUT", help="the file to write")
    _add_limit_argument(convert)
    convert.set_defaults(func=run_convert)


def _add_limit_argument(parser):
    parser.add_argument("--limit", type=int, metavar="N",
                        help="only the first N words, the most frequent (default: all; the rest "
                             "of VECTORS is not read)")


def run_export(args):
    from ..vectors.writers import write_projector

    check_positive(args.limit, "--limit")
    kv = load_vectors(args.vectors, args.quiet, limit=args.limit)
    vectors_path, metadata_path = write_projector(kv, args.output, args.limit)
    rows = len(kv) if args.limit is None else min(args.limit, len(kv))
    columns = "words" if kv.counts is None else "words and counts"
    print(f"wrote {vectors_path} ({rows:,} vectors of dimension {kv.dim}) and {metadata_path} "
          f"({columns})")
    return 0


def run_convert(args):
    from ..api import convert
    from ..vectors.formats import format_for_path

    check_positive(args.limit, "--limit")
    format_for_path(args.output)  # an unknown extension is refused before the input is read
    kv = convert(args.vectors, args.output, limit=args.limit, progress=not args.quiet)
    print(f"wrote {args.output} ({len(kv):,} vectors of dimension {kv.dim})")
    return 0
