import functools
import hashlib
import http.server
import io
import json
import re
import socket
import tarfile
import threading
import zipfile

import pytest

from w2v import catalogue
from w2v.cli import main
from w2v.errors import UsageError, W2VError

TEXT = b"the quick brown fox jumps over the lazy dog\n" * 50


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local HTTP server on 127.0.0.1 serving a text file, a zip and a tar.gz; yields its base URL."""
    root = tmp_path_factory.mktemp("served")
    (root / "words.txt").write_bytes(TEXT)
    with zipfile.ZipFile(root / "corpus.zip", "w") as zf:
        zf.writestr("corpus", TEXT)
    with zipfile.ZipFile(root / "evil.zip", "w") as zf:
        zf.writestr("../escaped", b"x")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        info = tarfile.TarInfo("pairs/gold.txt")
        info.size = len(TEXT)
        tf.addfile(info, io.BytesIO(TEXT))
    (root / "pairs.tar.gz").write_bytes(buffer.getvalue())
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def digests(data):
    return {algo: hashlib.new(algo, data).hexdigest() for algo in ("sha256", "md5")}


def make_catalogue(tmp_path, entries):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"format": 1, "entries": entries}))
    return catalogue.load_catalogue(path)


def entry(url, filename, data=None, **extra):
    fields = {"description": "test", "kind": "corpus", "url": url, "filename": filename,
              "size_bytes": len(data) if data is not None else None,
              "checksums": digests(data) if data is not None else None,
              "checksum_source": "computed by the test" if data is not None else None}
    fields.update(extra)
    return fields


def leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.startswith(".")]


def test_plain_file_is_downloaded_and_verified(server, tmp_path):
    root, base = server
    cat = make_catalogue(tmp_path, {"words": entry(f"{base}/words.txt", "words.txt", TEXT)})
    out = tmp_path / "data"
    paths = catalogue.download("words", out, catalogue=cat, progress=False, log=lambda m: None)
    assert paths == [out / "words.txt"]
    assert paths[0].read_bytes() == TEXT
    assert leftovers(out) == []


def test_zip_is_unpacked_and_the_archive_removed(server, tmp_path):
    root, base = server
    data = (root / "corpus.zip").read_bytes()
    cat = make_catalogue(tmp_path, {
        "corpus": entry(f"{base}/corpus.zip", "corpus.zip", data, extract="zip", produces=["corpus"]),
    })
    paths = catalogue.download("corpus", tmp_path, catalogue=cat, progress=False, log=lambda m: None)
    assert paths == [tmp_path / "corpus"]
    assert paths[0].read_bytes() == TEXT
    assert not (tmp_path / "corpus.zip").exists()
    assert leftovers(tmp_path) == []


def test_tar_gz_is_unpacked_into_its_subfolder(server, tmp_path):
    root, base = server
    data = (root / "pairs.tar.gz").read_bytes()
    cat = make_catalogue(tmp_path, {
        "pairs": entry(f"{base}/pairs.tar.gz", "pairs.tar.gz", data, extract="tar.gz",
                       extract_to="ws", produces=["ws/pairs/gold.txt"]),
    })
    paths = catalogue.download("pairs", tmp_path, catalogue=cat, progress=False, log=lambda m: None)
    assert paths[0].read_bytes() == TEXT


@pytest.mark.parametrize("algo", ["sha256", "md5"])
def test_checksum_mismatch_is_an_error_and_keeps_nothing(server, tmp_path, algo):
    _, base = server
    fields = entry(f"{base}/words.txt", "words.txt", TEXT)
    fields["checksums"][algo] = "0" * len(fields["checksums"][algo])
    cat = make_catalogue(tmp_path, {"words": fields})
    out = tmp_path / "data"
    with pytest.raises(W2VError, match=f"checksum mismatch for words.txt: {algo} expected 0+, got"):
        catalogue.download("words", out, catalogue=cat, progress=False, log=lambda m: None)
    assert not out.exists()  # the folder it created is removed too


def test_size_mismatch_is_an_error(server, tmp_path):
    _, base = server
    cat = make_catalogue(tmp_path, {
        "words": entry(f"{base}/words.txt", "words.txt", TEXT, size_bytes=len(TEXT) + 1),
    })
    with pytest.raises(W2VError, match="size mismatch"):
        catalogue.download("words", tmp_path / "d", catalogue=cat, progress=False, log=lambda m: None)
    assert not (tmp_path / "d").exists()  # the folder it created is removed too


def test_missing_checksum_downloads_with_a_warning_naming_it(server, tmp_path):
    _, base = server
    cat = make_catalogue(tmp_path, {"words": entry(f"{base}/words.txt", "words.txt")})
    messages = []
    paths = catalogue.download("words", tmp_path, catalogue=cat, progress=False, log=messages.append)
    assert paths[0].read_bytes() == TEXT
    assert any("warning: words" in m and "no published checksum" in m for m in messages), messages


def test_unknown_name_lists_the_known_names(tmp_path):
    cat = make_catalogue(tmp_path, {"b": entry("http://x/b", "b"), "a": entry("http://x/a", "a")})
    with pytest.raises(UsageError, match=r"unknown dataset 'c'; known: a, b"):
        catalogue.download("c", tmp_path, catalogue=cat)


def test_http_error_is_reported_with_the_status(server, tmp_path):
    _, base = server
    cat = make_catalogue(tmp_path, {"gone": entry(f"{base}/missing.txt", "missing.txt", TEXT)})
    with pytest.raises(W2VError, match=r"cannot download gone: .*missing.txt: HTTP 404"):
        catalogue.download("gone", tmp_path / "d", catalogue=cat, progress=False, log=lambda m: None)
    assert not (tmp_path / "d").exists()  # the folder it created is removed too


def test_unreachable_server_is_a_network_error(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cat = make_catalogue(tmp_path, {"x": entry(f"http://127.0.0.1:{port}/x", "x", TEXT)})
    with pytest.raises(W2VError, match="cannot download x: http://127.0.0.1"):
        catalogue.download("x", tmp_path, catalogue=cat, progress=False, log=lambda m: None)


def test_a_mirror_is_used_when_the_main_url_fails(server, tmp_path):
    _, base = server
    cat = make_catalogue(tmp_path, {
        "words": entry(f"{base}/missing.txt", "words.txt", TEXT, mirrors=[f"{base}/words.txt"]),
    })
    paths = catalogue.download("words", tmp_path, catalogue=cat, progress=False, log=lambda m: None)
    assert paths[0].read_bytes() == TEXT


def test_existing_files_are_not_downloaded_again(tmp_path):
    cat = make_catalogue(tmp_path, {"x": entry("http://127.0.0.1:9/x", "x", TEXT)})
    (tmp_path / "x").write_bytes(b"already here")
    messages = []
    paths = catalogue.download("x", tmp_path, catalogue=cat, log=messages.append)
    assert paths == [tmp_path / "x"] and "already" in messages[0]


def test_archive_members_outside_the_folder_are_refused(server, tmp_path):
    root, base = server
    data = (root / "evil.zip").read_bytes()
    cat = make_catalogue(tmp_path, {
        "evil": entry(f"{base}/evil.zip", "evil.zip", data, extract="zip", produces=["escaped"]),
    })
    out = tmp_path / "inner" / "data"
    with pytest.raises(W2VError, match="refusing to unpack ../escaped"):
        catalogue.download("evil", out, catalogue=cat, progress=False, log=lambda m: None)
    assert not (tmp_path / "inner" / "escaped").exists()


def test_cli_download_prints_the_paths(server, tmp_path, monkeypatch, capsys):
    _, base = server
    cat = make_catalogue(tmp_path, {"words": entry(f"{base}/words.txt", "words.txt", TEXT)})
    monkeypatch.setattr(catalogue, "load_catalogue", lambda path=None: cat)
    out = tmp_path / "cli"
    assert main(["download", "words", "--dir", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(out / "words.txt")
    assert main(["download", "nope", "--dir", str(out)]) == 2
    assert "unknown dataset 'nope'; known: words" in capsys.readouterr().err


def test_cli_download_failure_is_one_line_exit_1(server, tmp_path, monkeypatch, capsys):
    _, base = server
    fields = entry(f"{base}/words.txt", "words.txt", TEXT)
    fields["checksums"]["sha256"] = "f" * 64
    cat = make_catalogue(tmp_path, {"words": fields})
    monkeypatch.setattr(catalogue, "load_catalogue", lambda path=None: cat)
    assert main(["download", "words", "--dir", str(tmp_path / "d"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "checksum mismatch" in err


def test_cli_corpora_lists_the_default_and_every_entry(capsys):
    assert main(["corpora"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("default (built in)")
    for name in ("text8", "sst", "google-analogy", "wordsim353"):
        assert re.search(rf"^{re.escape(name)}\s", out, re.M), f"{name} missing from:\n{out}"


def test_shipped_catalogue_is_well_formed():
    entries = catalogue.load_catalogue()
    assert {"text8", "sst", "google-analogy", "wordsim353"} <= set(entries)
    lengths = {"sha256": 64, "sha1": 40, "md5": 32}
    for e in entries.values():
        assert e.url.startswith(("http://", "https://")), e.name
        assert all(re.fullmatch("[0-9a-f]{%d}" % lengths[a], v) for a, v in e.checksums.items()), e
        assert bool(e.checksums) == bool(e.checksum_source), f"{e.name}: checksum without source"
        assert e.extract in (None, "zip", "tar.gz"), e.name
    assert entries["text8"].produces == ("text8",)
