"""The catalogue of public corpora and benchmarks, and a verified downloader for them.

`corpora/catalogue.json` lists each dataset's URL, size and published checksums with their source.
`download(name, folder)` streams the file to a temporary file in `folder` (progress bar on stderr),
checks its size and every checksum the catalogue has, renames it into place, and unpacks archives.
A dataset without a published checksum is still downloaded, with a warning that names what is
missing; a wrong checksum is an error and leaves nothing behind.
"""

import contextlib
import difflib
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError, W2VError, hint

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "corpora" / "catalogue.json"
HASH_ALGORITHMS = ("sha256", "sha1", "md5")
TIMEOUT_SECONDS = 60
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Entry:
    """One downloadable dataset, as described in the catalogue."""

    name: str
    description: str
    kind: str  # corpus, sentiment, analogy or similarity
    url: str
    mirrors: tuple  # tried in order when the main URL cannot be reached
    filename: str  # the downloaded file's name in the target folder
    size_bytes: int | None
    checksums: dict  # {algorithm: lowercase hex digest}; empty when none is published
    checksum_source: str | None
    extract: str | None  # None, "zip" or "tar.gz"
    extract_to: str  # subfolder of the target folder to unpack into ("" for the folder itself)
    produces: tuple  # paths, relative to the target folder, that exist after a download

    @property
    def urls(self):
        return (self.url, *self.mirrors)


def load_catalogue(path=None):
    """{name: Entry} from the catalogue JSON file (default: the repository's corpora/ folder)."""
    path = Path(path or CATALOGUE_PATH)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise W2VError(f"catalogue {path} not found (is this an editable install of w2v?)") from None
    except (OSError, ValueError) as exc:
        raise W2VError(f"cannot read catalogue {path}: {exc}") from exc
    return {name: _entry(name, fields) for name, fields in raw["entries"].items()}


def _entry(name, fields):
    checksums = {algo.lower(): value.lower() for algo, value in (fields.get("checksums") or {}).items()}
    unknown = set(checksums) - set(HASH_ALGORITHMS)
    if unknown:
        raise W2VError(f"catalogue entry {name}: unsupported checksum {sorted(unknown)}")
    return Entry(
        name=name,
        description=fields.get("description", ""),
        kind=fields.get("kind", ""),
        url=fields["url"],
        mirrors=tuple(fields.get("mirrors") or ()),
        filename=fields["filename"],
        size_bytes=fields.get("size_bytes"),
        checksums=checksums,
        checksum_source=fields.get("checksum_source"),
        extract=fields.get("extract"),
        extract_to=fields.get("extract_to", ""),
        produces=tuple(fields.get("produces") or (fields["filename"],)),
    )


def get_entry(name, catalogue=None):
    catalogue = load_catalogue() if catalogue is None else catalogue
    if name not in catalogue:
        close = difflib.get_close_matches(str(name), list(catalogue), n=1)
        guess = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"unknown dataset {name!r}{guess}; known: {', '.join(sorted(catalogue))}")
    return catalogue[name]


def missing_benchmark(path, catalogue=None):
    """The W2VError for a benchmark file `path` that does not exist: when its name is one of the
    catalogue's benchmarks (questions-words.txt, a wordsim353 folder), the hint is the download
    that fetches it; when $W2V_SHARED_DATA is unset and the path starts at a top-level folder
    that does not exist (the variable expanded to nothing), the message says so."""
    path = Path(path)
    message = f"benchmark file {path} does not exist"
    unset = "W2V_SHARED_DATA" not in os.environ and path.is_absolute() and len(path.parts) > 2 \
        and not Path(*path.parts[:2]).exists()
    if unset:
        message += " ($W2V_SHARED_DATA is not set)"
        path = path.relative_to(path.parts[0])  # fetched below the current folder instead
    entry = _benchmark_entry(path, load_catalogue() if catalogue is None else catalogue)
    if entry is None:
        return W2VError(message)
    product = Path(entry.produces[0])
    if path.parts[-len(product.parts):] == product.parts:  # the download writes `path` itself
        folder = Path(*path.parts[:-len(product.parts)])
    else:  # another file of the same benchmark (gensim's wordsim353.tsv): beside the folder
        folder = path.parent.parent if path.parent.name == product.parts[0] else path.parent
    return W2VError(message, hint=hint(f"{entry.name} is fetched to {folder / product} by",
                                       "catalogue.download", entry.name, folder=str(folder)))


def _benchmark_entry(path, catalogue):
    """The analogy or similarity entry of `catalogue` that `path` names, or None."""
    parts = [part.lower() for part in path.parts]
    for entry in catalogue.values():
        if entry.kind not in ("analogy", "similarity"):
            continue
        names = {Path(p).name.lower() for p in entry.produces}
        if parts[-1] in names or entry.name in parts or Path(parts[-1]).stem == entry.name:
            return entry
    return None


def download(name, folder=".", *, catalogue=None, progress=True, force=False, log=None):
    """Download, verify and unpack dataset `name` into `folder`; return the produced paths.

    Does nothing when every produced path already exists (unless `force`). `log` receives
    one-line messages (default: print to stderr).
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    entry = get_entry(name, catalogue)
    folder = Path(folder)
    products = [folder / p for p in entry.produces]
    if not force and all(p.exists() for p in products):
        log(f"{name}: already in {folder}")
        return products
    created = _new_folders(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not entry.checksums:
        log(f"warning: {name}: the catalogue has no published checksum (checksums: null), "
            f"so {entry.filename} will not be verified")
    try:
        archive = fetch_verified(entry, folder, progress)
    except BaseException:  # offline, interrupted: leave no empty folder behind
        for new in created:
            with contextlib.suppress(OSError):
                new.rmdir()  # only if empty
        raise
    if entry.extract:
        unpack(archive, folder / entry.extract_to, entry.extract)
        archive.unlink()
    missing = [str(p) for p in products if not p.exists()]
    if missing:
        raise W2VError(f"{name}: downloaded, but {', '.join(missing)} not found in the archive")
    return products


def _new_folders(folder):
    """The folders mkdir(parents=True) would create for `folder`, deepest first."""
    new = []
    while not folder.exists() and folder != folder.parent:
        new.append(folder)
        folder = folder.parent
    return new


def fetch_verified(entry, folder, progress):
    """Try each URL of `entry` until one answers; return the verified file in `folder`."""
    failures = []
    for url in entry.urls:
        try:
            return _fetch_one(entry, url, folder, progress)
        except _NetworkError as exc:
            failures.append(f"{url}: {exc}")
    raise W2VError(f"cannot download {entry.name}: " + "; ".join(failures))


class _NetworkError(Exception):
    pass


def _fetch_one(entry, url, folder, progress):
    target = folder / entry.filename
    fd, tmp_name = tempfile.mkstemp(prefix=f".{entry.filename}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digests = _stream(url, out, entry, progress)
        _verify(entry, tmp.stat().st_size, digests)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _stream(url, out, entry, progress):
    """Copy `url` into the open file `out`; return {algorithm: hexdigest} of the bytes."""
    from tqdm import tqdm

    hashers = {algo: hashlib.new(algo) for algo in HASH_ALGORITHMS}
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "w2v-downloader"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            total = int(response.headers.get("Content-Length") or 0) or entry.size_bytes
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=entry.name,
                      file=sys.stderr, disable=None if progress else True, leave=False) as bar:
                while chunk := response.read(CHUNK_BYTES):
                    _write(out, chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise _NetworkError(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise _NetworkError(str(exc.reason)) from exc
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed URLs
        raise _NetworkError(str(exc) or type(exc).__name__) from exc
    return {algo: hasher.hexdigest() for algo, hasher in hashers.items()}


def _write(out, chunk):
    try:
        out.write(chunk)
    except OSError as exc:  # a local failure (full disk), not one to retry on a mirror
        raise W2VError(f"cannot save the download: {exc.strerror or exc}") from exc


def _verify(entry, size, digests):
    if entry.size_bytes is not None and size != entry.size_bytes:
        raise W2VError(f"{entry.name}: size mismatch for {entry.filename}: expected "
                       f"{entry.size_bytes:,} bytes, got {size:,} (truncated download or the file "
                       "changed upstream); nothing was kept")
    for algo, expected in entry.checksums.items():
        if digests[algo] != expected:
            raise W2VError(f"{entry.name}: checksum mismatch for {entry.filename}: {algo} expected "
                           f"{expected}, got {digests[algo]} (corrupt download or the file changed "
                           "upstream); nothing was kept")


def unpack(archive, destination, kind):
    """Unpack a zip or tar.gz `archive` into `destination`, refusing members that escape it.

    Members are extracted into a temporary folder beside `destination` and then moved into place,
    so an interrupted extraction leaves no half-written files under their final names.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack.", dir=destination))
    try:
        if kind == "zip":
            _unzip(archive, staging)
        elif kind == "tar.gz":
            _untar(archive, staging)
        else:
            raise W2VError(f"unknown archive type {kind!r} for {archive}")
        for item in staging.iterdir():
            final = destination / item.name
            if final.is_dir() and item.is_dir():
                shutil.copytree(item, final, dirs_exist_ok=True)
            else:
                os.replace(item, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unzip(archive, staging):
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                _check_member(member, archive)
            zf.extractall(staging)
    except zipfile.BadZipFile as exc:
        raise W2VError(f"{archive} is not a valid zip file: {exc}") from exc


def _untar(archive, staging):
    try:
        with tarfile.open(archive, "r:gz") as tf:
            members = tf.getmembers()
            for member in members:
                _check_member(member.name, archive)
                if not (member.isfile() or member.isdir()):
                    raise W2VError(f"{archive}: refusing to unpack {member.name} (not a plain file)")
            if hasattr(tarfile, "data_filter"):  # Python >= 3.12 (and patched 3.8+) warns without it
                tf.extractall(staging, members=members, filter="data")
            else:
                tf.extractall(staging, members=members)
    except tarfile.TarError as exc:
        raise W2VError(f"{archive} is not a valid tar.gz file: {exc}") from exc


def _check_member(name, archive):
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts:
        raise W2VError(f"{archive}: refusing to unpack {name} (outside the target folder)")
