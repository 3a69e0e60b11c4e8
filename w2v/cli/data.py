"""`w2v corpora` (what can be trained and evaluated on) and `w2v download NAME`."""

import sys

from .parser import add_command


def register(subparsers):
    corpora = add_command(
        subparsers, "corpora",
        help="list the built-in default corpus and the downloadable datasets",
        description="List the built-in default corpus and the public datasets that "
                    "`w2v download NAME` fetches, with their sizes and checksum status.",
        examples=[
            "w2v corpora                          # what can be trained and evaluated on",
            "w2v download wordsim353 --dir data   # then fetch one of them",
        ],
    )
    corpora.set_defaults(func=run_corpora)

    download = add_command(
        subparsers, "download",
        help="download, verify and unpack a dataset from the catalogue",
        description="Download a dataset listed by `w2v corpora`, verify its size and published "
                    "checksums, and unpack archives (text8.zip -> text8). Prints the paths of "
                    "the resulting files.",
        examples=[
            "w2v download text8 --dir data        # then: w2v train data/text8 -o text8.bin",
            "w2v download google-analogy --dir data --quiet",
        ],
    )
    download.add_argument("name", metavar="NAME", help="a name listed by `w2v corpora`")
    download.add_argument("--dir", default=".", metavar="DIR",
                          help="folder to put the files in (created if needed; default: .)")
    download.add_argument("--force", action="store_true",
                          help="download again even if the files are already there")
    download.add_argument("--quiet", action="store_true", help="no progress bar")
    download.set_defaults(func=run_download)


def run_corpora(args):
    from .. import catalogue, synthetic

    print(default_corpus_line(synthetic))
    entries = catalogue.load_catalogue()
    width = max(map(len, entries))
    for entry in entries.values():
        size = human_bytes(entry.size_bytes) if entry.size_bytes else "size ?"
        verified = "+".join(sorted(entry.checksums)) if entry.checksums else "NO CHECKSUM"
        print(f"{entry.name:<{width}}  {entry.kind:<10}  {size:>9}  {verified:<15}  "
              f"{entry.description}")
    print("\nTrain on the default: w2v train -o vectors.bin   "
          "Fetch one: w2v download NAME --dir DIR", file=sys.stderr)
    return 0


def default_corpus_line(synthetic):
    path = synthetic.repository_corpus_path()
    if not path.is_file():
        path = synthetic.cache_dir() / f"default-v{synthetic.GENERATOR_VERSION}.txt.gz"
    where = f"{path} ({human_bytes(path.stat().st_size)})" if path.is_file() \
        else "generated on first use into " + str(path)
    return (f"default (built in): synthetic text with planted word groups, "
            f"{synthetic.DEFAULT_N_SENTENCES:,} sentences, about 1.2M tokens: {where}")


def run_download(args):
    import os

    from .. import catalogue
    from ..errors import UsageError

    if os.path.exists(args.dir) and not os.path.isdir(args.dir):
        raise UsageError(f"--dir {args.dir} is a file, expected a folder")
    paths = catalogue.download(args.name, args.dir, progress=not args.quiet, force=args.force)
    for path in paths:
        print(path)
    return 0


def human_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
