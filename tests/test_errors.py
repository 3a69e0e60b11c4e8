"""Issue 5 from the command line: bad input, impossible options, failed writes and stop requests
give one line on stderr, exit 2 (usage) or 1 (runtime) or 130 (stopped), and leave no partial or
temporary file behind.

Cases tested elsewhere are not repeated here: the vectors-file errors (test_vectors, and for
neighbors/eval/plot test_cli_query), the corpus errors at the module level (test_corpus_vocab),
most train options and the softmax refusal (test_trainer), unknown words (test_cli_query,
test_plots), sentiment data (test_cli_sentiment), SIGINT + resume (test_resume).
"""

import builtins
import errno
import gzip
import bz2
import lzma
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from w2v import cli, synthetic
from w2v.text.corpus import scan
from w2v.text.sources import TextSource
from w2v.errors import W2VError
from w2v.vectors import KeyedVectors

from test_vectors import BAD_FILES

FAST_TRAIN = ["--epochs", "1", "--dim", "8", "--threads", "1", "--min-count", "1", "--quiet"]
GOOD_OLD_CONTENT = b"a good file from an earlier run\n"


def run(capsys, *argv):
    """`w2v ARGV` in-process: (exit code, stdout, stderr); argparse's exit is a code too."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err, command, *fragments):
    # warnings about the data (sentiment's tiny test set) come before, and are not, the failure
    lines = [line for line in err.strip().splitlines() if f"w2v {command}: warning: " not in line]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith(f"w2v {command}: "), lines[0]
    assert "Traceback" not in err and "internal error" not in err, err
    for fragment in fragments:
        assert str(fragment) in lines[0], f"{fragment!r} not in {lines[0]!r}"


def leftovers(folder):
    """Temporary files of atomic writes and downloads anywhere under `folder`."""
    return sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.endswith((".tmp", ".part"))
    )


@pytest.fixture(scope="module")
def corpus(planted_corpus):
    return planted_corpus(300, 1)


@pytest.fixture
def vectors(tmp_path):
    rng = np.random.default_rng(0)
    words = ["the", "king", "queen", "man", "woman", "good", "bad", "film"]
    path = tmp_path / "v.bin"
    KeyedVectors(words, rng.standard_normal((len(words), 6)).astype(np.float32)).save(path)
    return str(path)


@pytest.fixture
def sentiment_data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    rows = "pos\tgood film\nneg\tbad film\npos\tgood\nneg\tbad\n"
    for split in ("train", "dev", "test"):
        (folder / f"{split}.tsv").write_text(rows)
    return str(folder)


@pytest.fixture
def training_log(tmp_path):
    path = tmp_path / "log.json"
    path.write_text('{"config": {}, "epochs": [{"epoch": 1, "loss": 2.5, "words_per_sec": 9}]}')
    return str(path)


# ----- missing paths, a folder where a file is expected and the reverse, unreadable files -------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "{missing}"], "corpus {missing} does not exist"),
        (["train", "{empty_folder}"], "corpus directory {empty_folder} contains no files"),
        (["train", "{corpus}", "-o", "{folder}/d.bin"], "cannot write {folder}/d.bin: Is a dir"),
        (["train", "{corpus}", "-o", "{a_file}/v.bin"], "{a_file} is a file, not a folder"),
        (["train", "--resume", "{folder}"], "is not a w2v checkpoint"),
        (["plot", "{missing}", "-o", "{folder}/p.png"], "vectors file {missing} does not exist"),
        (["plot", "{vectors}", "-o", "{folder}/d.png"], "cannot write {folder}/d.png: Is a dir"),
        (["plot", "{vectors}", "-o", "{a_file}/p.png"], "{a_file} is a file, not a folder"),
        (["plot-loss", "{folder}", "-o", "{folder}/p.png"], "is a directory, expected a JSON"),
        (["eval", "{vectors}", "--analogies", "{folder}"], "is a directory, expected a bench"),
        (["eval", "{vectors}", "--similarity", "{missing}"], "file {missing} does not exist"),
        (["sentiment", "{folder}", "--data", "{data}", "--out", "{folder}/r", "--quiet"],
         "{folder} is a directory, expected a vectors file"),
    ],
)
def test_paths_that_are_missing_or_of_the_wrong_kind(
    tmp_path, capsys, corpus, vectors, training_log, sentiment_data, argv, message
):
    (tmp_path / "d.bin").mkdir()
    (tmp_path / "d.png").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "a_file").write_text("x")
    paths = dict(missing=tmp_path / "nothing", empty_folder=tmp_path / "empty", corpus=corpus,
                 folder=tmp_path, a_file=tmp_path / "a_file", vectors=vectors, log=training_log,
                 data=sentiment_data)
    argv = [part.format(**paths) for part in argv]
    extra = FAST_TRAIN if argv[0] == "train" else []
    code, out, err = run(capsys, *argv, *extra)
    assert code == 1
    assert_one_line(err, argv[0], message.format(**paths))
    assert not leftovers(tmp_path)


def test_download_into_a_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    code, _, err = run(capsys, "download", "text8", "--dir", tmp_path / "a_file")
    assert code == 2
    assert_one_line(err, "download", "is a file, expected a folder")


@pytest.fixture
def unreadable(monkeypatch):
    """Make open() refuse some paths, as permission bits would for a user other than root."""
    refused = set()
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) in refused:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    return refused


@pytest.mark.parametrize("command", ["train", "neighbors", "eval", "plot-loss", "sentiment"])
def test_unreadable_input_files(
    tmp_path, capsys, unreadable, corpus, vectors, training_log, sentiment_data, command
):
    train_file = os.path.join(sentiment_data, "train.tsv")
    argv, path = {
        "train": (["train", corpus, *FAST_TRAIN], corpus),
        "neighbors": (["neighbors", vectors, "king"], vectors),
        "eval": (["eval", vectors, "--similarity", training_log], training_log),
        "plot-loss": (["plot-loss", training_log, "-o", tmp_path / "p.png"], training_log),
        "sentiment": (["sentiment", vectors, "--data", sentiment_data, "--out", tmp_path / "r",
                       "--quiet"], train_file),
    }[command]
    unreadable.add(path)
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert_one_line(err, command, path, "ermission denied")


# ----- the corpus: empty, nothing reaching --min-count, not UTF-8, damaged compression ------------


@pytest.mark.parametrize(
    "text, flags, message",
    [
        ("", [], "found no words in the corpus"),
        ("\n  \n\t\n", [], "found no words in the corpus"),
        ("a b c a\n", ["--min-count", "5"],
         "no word reaches --min-count 5: the corpus has 3 distinct words and the most frequent, "
         "'a', occurs 2 times"),
    ],
)
def test_empty_corpus_and_nothing_reaching_min_count(tmp_path, capsys, text, flags, message):
    path = tmp_path / "c.txt"
    path.write_text(text)
    output = tmp_path / "v.bin"
    code, _, err = run(capsys, "train", path, "-o", output, *FAST_TRAIN, *flags)
    assert code == 1
    assert_one_line(err, "train", message)
    assert os.listdir(tmp_path) == ["c.txt"]


@pytest.mark.parametrize("suffix, opener", [(".txt", open), (".gz", gzip.open)])
def test_bytes_that_are_not_utf8_name_file_and_line_and_the_way_out(
    tmp_path, capsys, suffix, opener
):
    path = tmp_path / f"latin1{suffix}"
    with opener(path, "wb") as handle:
        handle.write("one fine line\ntwo fine lines\ncaf\u00e9 cr\u00e8me\n".encode("latin-1"))
    code, _, err = run(capsys, "train", path, *FAST_TRAIN)
    assert code == 1
    assert_one_line(err, "train", f"{path}, line 3", "--encoding", "--errors replace")
    output = tmp_path / "v.txt"
    tiny = [*FAST_TRAIN, "--sample", "0"]  # subsampling would leave nothing of 8 tokens to train
    assert run(capsys, "train", path, "-o", output, *tiny, "--errors", "replace")[0] == 0
    assert run(capsys, "train", path, "-o", output, *tiny, "--encoding", "latin-1")[0] == 0
    assert "café" in output.read_text(encoding="utf-8")


def _damaged(data, how):
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "corrupt":
        middle = len(data) // 2
        flipped = bytes(b ^ 0xFF for b in data[middle : middle + 64])
        return data[:middle] + flipped + data[middle + 64 :]
    return b"plain text, not compressed\n"


@pytest.mark.parametrize("how", ["truncated", "corrupt", "not compressed"])
@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                              (".xz", lzma.compress)])
def test_damaged_compressed_corpus(tmp_path, capsys, corpus, suffix, compress, how):
    with open(corpus, "rb") as handle:
        data = compress(handle.read())
    path = tmp_path / f"corpus.txt{suffix}"
    path.write_bytes(_damaged(data, how))
    code, _, err = run(capsys, "train", path, "-o", tmp_path / "v.bin", *FAST_TRAIN)
    assert code == 1
    assert_one_line(err, "train", path)
    assert "truncated or corrupt" in err or "not valid utf-8" in err  # corrupt can decode to junk
    assert os.listdir(tmp_path) == [path.name]


# ----- the fields of an error: Python names and calls, or the command line's flags and commands --


def test_an_error_reads_as_python_and_the_cli_renders_flags_and_commands(tmp_path, capsys):
    from w2v.cli import command_line
    from w2v.errors import ParameterError, hint

    error = ParameterError("{min_count} must be >= 1, got 0; {lr} too", ("min_count", "lr"))
    assert str(error) == "min_count must be >= 1, got 0; lr too"
    assert error.render({"min_count": "--min-count"}) == "--min-count must be >= 1, got 0; lr too"
    resume = W2VError("stopped", hint=hint("resume with", "train", resume="/runs/a b.npz"))
    assert str(resume) == "stopped; resume with: w2v.train(resume='/runs/a b.npz')"
    assert resume.render({}, command_line) == (
        "stopped; resume with: w2v train --resume '/runs/a b.npz'")
    query = W2VError("done", hint=hint("to query them", "KeyedVectors.load", "v.bin"))
    assert str(query) == "done; to query them: w2v.KeyedVectors.load('v.bin')"
    assert query.render({}, command_line) == "done; to query them: w2v neighbors v.bin WORD"
    # the same fields reach the command line from the core: a flag and a command
    code, _, err = run(capsys, "train", tmp_path / "none.txt", "--encoding", "klingon")
    assert code == 2 and err == ("w2v train: error: --encoding 'klingon' is not a known text "
                                 "encoding (e.g. utf-8, latin-1, cp1252)\n")


def test_an_error_keeps_its_fields_through_pickle():
    """Dask workers send their exceptions back pickled: parameters and hint must survive."""
    import pickle

    from w2v.cli import command_line
    from w2v.errors import ParameterError, W2VWarning, hint

    flags = {"lr": "--lr", "window": "--window", "cv": "--cv"}
    diverged = W2VError("diverged; try a smaller {lr}", ("lr",),
                        hint("resume with", "train", resume="c.npz"))
    for error in (diverged, ParameterError("{window} must be >= 1, got 0", ("window",)),
                  W2VWarning("use {cv} for a steadier estimate", ("cv",))):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)
        assert (again.template, again.parameters, again.hint) == (
            error.template, error.parameters, error.hint)
        assert again.render(flags, command_line) == error.render(flags, command_line)
    assert pickle.loads(pickle.dumps(diverged)).render(flags, command_line) == (
        "diverged; try a smaller --lr; resume with: w2v train --resume c.npz")


# ----- impossible options, for every command -----------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "{corpus}", "--lr", "inf"], "lr must be > 0 and finite, got inf"),
        (["train", "{corpus}", "--lr", "-1"], "lr must be > 0 and finite, got -1.0"),
        (["train", "{corpus}", "--min-count", "0"], "--min-count must be >= 1, got 0"),
        (["train", "{corpus}", "--max-vocab", "-1"], "--max-vocab must be >= 0, got -1"),
        (["train", "{corpus}", "--sample", "nan"], "sample must be >= 0, got nan"),
        (["train", "{corpus}", "--ns-exponent", "nan"], "--ns-exponent must be finite"),
        (["train", "{corpus}", "--checkpoint-every", "0"], "--checkpoint-every must be > 0"),
        (["train", "{corpus}", "--encoding", "klingon"], "'klingon' is not a known text encoding"),
        (["train", "{corpus}", "--dim", "abc"], "argument --dim: invalid int value: 'abc'"),
        (["train", "{corpus}", "--arch", "bert"], "argument --arch: invalid choice: 'bert'"),
        (["neighbors", "{vectors}", "king", "-k", "ten"], "argument -k/--topn: invalid int"),
        (["analogy", "{vectors}", "a", "b"], "the following arguments are required: C"),
        (["eval", "{vectors}", "--similarity", "{corpus}", "--similarity-restrict-vocab", "0"],
         "--similarity-restrict-vocab must be >= 1, got 0"),
        (["plot", "{vectors}", "-o", "{folder}/p.png", "--top", "0"],
         "a picture takes 2 to 200 words (more labels do not fit a readable one), got --top 0"),
        (["plot", "{vectors}", "-o", "{folder}/p.png", "--size", "0x0"], "size must be between"),
        (["plot", "{vectors}", "-o", "{folder}/p.png", "--method", "umap"], "invalid choice"),
        (["plot-loss", "{corpus}"], "the following arguments are required: -o/--output"),
        (["sentiment", "{vectors}", "--data", "{folder}", "--out", "{folder}/r", "--lambdas",
          "nan"], "lambda must be a finite number >= 0, got nan"),
        (["download"], "the following arguments are required: NAME"),
    ],
)
def test_impossible_options_are_one_line_usage_errors(
    tmp_path, capsys, corpus, vectors, argv, message
):
    argv = [part.format(corpus=corpus, vectors=vectors, folder=tmp_path) for part in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert_one_line(err, argv[0], message)
    assert os.listdir(tmp_path) == ["v.bin"]  # the vectors fixture's file, nothing else


def test_unknown_command_and_option_are_one_line(capsys):
    code, _, err = run(capsys, "trian")
    assert code == 2 and err.count("\n") == 1 and "invalid choice: 'trian'" in err
    code, _, err = run(capsys, "train", "--epoch", "3", "--frobnicate")
    assert code == 2 and err.count("\n") == 1 and "unrecognized arguments: --frobnicate" in err


# ----- vectors files: the commands test_cli_query does not drive ---------------------------------


@pytest.mark.parametrize("case", ["truncated binary", "header promises more",
                                  "wrong dimension on a line", "duplicate word", "nan"])
def test_bad_vectors_file_in_analogy_and_sentiment(tmp_path, capsys, sentiment_data, case):
    data, message = BAD_FILES[case]
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    for argv in (["analogy", path, "the", "of", "and"],
                 ["sentiment", path, "--data", sentiment_data, "--out", tmp_path / "r", "--quiet"]):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert_one_line(err, argv[0], path)
        assert re.search(message, err.strip().splitlines()[-1]), f"{message!r} not in {err!r}"
        assert not (tmp_path / "r").exists()


def test_reading_vectors_prints_no_warnings(tmp_path, capsys):
    words_only = tmp_path / "words.txt"
    words_only.write_text("2 3\na\nb\n")  # numpy used to warn "input contained no data"
    code, _, err = run(capsys, "neighbors", words_only, "a")
    assert code == 1
    assert_one_line(err, "neighbors", words_only)
    huge = tmp_path / "huge.txt"
    huge.write_text("a 1e38 1e38\nb 1 0\nc 0 1\n")  # float32 norms overflowed to inf
    code, out, err = run(capsys, "neighbors", huge, "a")
    assert code == 0 and err == ""
    assert out.splitlines()[2].split()[1:] == ["b", "0.7071"]


# ----- exit codes, --debug, and failures that are not W2VErrors ----------------------------------


def test_debug_shows_the_traceback(tmp_path, capsys):
    with pytest.raises(W2VError, match="does not exist"):
        cli.main(["neighbors", str(tmp_path / "none.bin"), "king", "--debug"])
    result = subprocess.run([sys.executable, "-m", "w2v", "--debug", "neighbors",
                             str(tmp_path / "none.bin"), "king"], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.parametrize(
    "failure, code, message",
    [
        (OSError(errno.EIO, "Input/output error", "/mnt/disk/v.bin"), 1,
         "w2v neighbors: error: /mnt/disk/v.bin: Input/output error"),
        (OSError(errno.ENOSPC, "No space left on device"), 1, "w2v neighbors: error: disk full"),
        (MemoryError("Unable to allocate 121. TiB"), 1,
         "w2v neighbors: error: not enough memory (Unable to allocate 121. TiB)"),
        (ValueError("a bug"), 1, "w2v neighbors: internal error: ValueError: a bug (rerun with "
                                 "--debug for the traceback and please report it)"),
        (KeyboardInterrupt(), 130, "w2v neighbors: interrupted"),
    ],
)
def test_unexpected_failures_are_still_one_line(monkeypatch, capsys, vectors, failure, code,
                                                message):
    def fail(path, *args, **options):
        raise failure

    monkeypatch.setattr("w2v.cli.query.load_vectors", fail)
    status, _, err = run(capsys, "neighbors", vectors, "king")
    assert status == code and err == message + "\n"


# ----- diverging training -------------------------------------------------------------------------


def test_diverging_run_names_the_epoch_and_writes_nothing(tmp_path, capsys, corpus):
    output = tmp_path / "v.bin"
    output.write_bytes(GOOD_OLD_CONTENT)
    code, _, err = run(capsys, "train", corpus, "-o", output, *FAST_TRAIN, "--lr", "50")
    assert code == 1
    assert_one_line(err, "train", "diverged in epoch 1", "smaller --lr")
    assert output.read_bytes() == GOOD_OLD_CONTENT
    assert os.listdir(tmp_path) == ["v.bin"]  # no log, no checkpoint, no temporary file


# ----- failed writes: disk full, read-only folder; the old file stays, nothing partial -----------


def _writing_commands(tmp_path, corpus, vectors, training_log, sentiment_data):
    """command -> (argv, the files it writes)."""
    report = tmp_path / "report"
    return {
        "train .bin": (["train", corpus, "-o", tmp_path / "v.bin", *FAST_TRAIN],
                       [tmp_path / "v.bin"]),
        "train .txt": (["train", corpus, "-o", tmp_path / "v.txt", *FAST_TRAIN],
                          [tmp_path / "v.txt"]),
        "train .npz": (["train", corpus, "-o", tmp_path / "v.npz", *FAST_TRAIN],
                       [tmp_path / "v.npz"]),
        "plot": (["plot", vectors, "-o", tmp_path / "p.png"], [tmp_path / "p.png"]),
        "plot-loss": (["plot-loss", training_log, "-o", tmp_path / "l.png"],
                      [tmp_path / "l.png"]),
        "sentiment": (["sentiment", vectors, "--data", sentiment_data, "--out", report, "--quiet"],
                      [report / "sweep.csv", report / "sweep.json"]),
    }


@pytest.fixture(
    params=[("fsync", errno.ENOSPC), ("write", errno.ENOSPC), ("create", errno.EROFS),
            ("fsync", errno.EROFS)],
    ids=["disk-full-at-fsync", "disk-full-at-write", "read-only-at-create", "read-only-at-fsync"],
)
def failing_disk(request, monkeypatch, tmp_path):
    """Files written under tmp_path fail like a full disk or a read-only file system, at the
    point a real one fails (test_real_full_and_read_only_disks_as_a_user_sees_them, which needs
    a tmpfs mount): creating the file, writing it (onto /dev/full), or its fsync."""
    point, number = request.param
    mkstemp = tempfile.mkstemp

    def failing_mkstemp(*args, dir=None, **kwargs):
        if not str(dir).startswith(str(tmp_path)):
            return mkstemp(*args, dir=dir, **kwargs)
        if point == "create":
            raise OSError(number, os.strerror(number))
        fd, name = mkstemp(*args, dir=dir, **kwargs)
        if point == "write":
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, fd)
            os.close(full)
        return fd, name

    def failing_fsync(fd):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp)
    if point == "fsync":
        monkeypatch.setattr(os, "fsync", failing_fsync)
    return "disk full" if number == errno.ENOSPC else "Read-only file system"


@pytest.mark.parametrize("command", ["train .bin", "train .txt", "train .npz", "plot",
                                     "plot-loss", "sentiment"])
def test_failed_write_keeps_the_old_file_and_leaves_nothing(
    tmp_path, capsys, corpus, vectors, training_log, sentiment_data, failing_disk, command
):
    argv, outputs = _writing_commands(tmp_path, corpus, vectors, training_log,
                                      sentiment_data)[command]
    for path in outputs:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(GOOD_OLD_CONTENT)
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert_one_line(err, argv[0], "cannot write", failing_disk)
    assert all(path.read_bytes() == GOOD_OLD_CONTENT for path in outputs)
    assert not leftovers(tmp_path)


def test_sigterm_during_a_write_removes_the_temporary_file(tmp_path, capsys, vectors,
                                                         monkeypatch):
    def terminated_while_syncing(fd):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler raises in this frame at once

    monkeypatch.setattr(os, "fsync", terminated_while_syncing)
    output = tmp_path / "p.png"
    output.write_bytes(GOOD_OLD_CONTENT)
    code, _, err = run(capsys, "plot", vectors, "-o", output)
    assert code == 130 and err == "w2v plot: interrupted\n"
    assert output.read_bytes() == GOOD_OLD_CONTENT and not leftovers(tmp_path)


def test_token_cache_on_a_full_disk(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system to stand for a full disk")
    path = tmp_path / "c.txt"
    path.write_text("a b c\n")
    with pytest.raises(W2VError, match="cannot write the token cache /dev/full: disk full .*TMPDIR"):
        scan(TextSource(str(path)), "/dev/full")


def test_read_error_on_a_plain_file_is_not_called_corrupt_compression(tmp_path, monkeypatch):
    path = tmp_path / "c.txt"
    path.write_text("a b c\n")
    real_open = builtins.open

    def failing_open(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise OSError(errno.EIO, "Input/output error")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    with pytest.raises(W2VError, match=r"cannot read .*c\.txt: Input/output error"):
        list(TextSource(str(path)).blocks())


def _mount_tmpfs(folder, options):
    """None once mounted, else why not."""
    if shutil.which("mount") is None:
        return "no mount command"
    if os.geteuid() != 0:
        return "mounting needs root"
    folder.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                            capture_output=True, text=True)
    if result.returncode:
        return (result.stderr.strip() or f"mount exited {result.returncode}").splitlines()[0]
    return None


@pytest.fixture
def small_disks(tmp_path):
    """A 64 kB tmpfs that is full but for 8 kB, and a read-only one. Runs as root with mount
    permission (CI's machines); skipped, with mount's reason, where a container refuses the
    mount: failing_disk then covers the same messages."""
    full, read_only = tmp_path / "full", tmp_path / "ro"
    refused = _mount_tmpfs(full, "size=64k")
    if refused:
        pytest.skip(f"cannot mount a small tmpfs here: {refused}")
    try:
        refused = _mount_tmpfs(read_only, "ro,size=64k")
        if refused:
            pytest.skip(f"cannot mount a read-only tmpfs here: {refused}")
        with open(full / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass
        os.truncate(full / "filler", os.path.getsize(full / "filler") - 8192)
        yield full, read_only
    finally:
        for folder in (full, read_only):
            subprocess.run(["umount", str(folder)], capture_output=True)


def test_real_full_and_read_only_disks_as_a_user_sees_them(small_disks, corpus, vectors,
                                                           sentiment_data):
    full, read_only = small_disks
    (full / "p.png").write_bytes(GOOD_OLD_CONTENT)
    cases = [
        (["train", corpus, "-o", full / "v.txt", *FAST_TRAIN, "--dim", "50"], "disk full"),
        (["plot", vectors, "-o", full / "p.png"], "disk full"),
        (["plot", vectors, "-o", read_only / "p.png"], "Read-only file system"),
        (["sentiment", vectors, "--data", sentiment_data, "--out", read_only / "r", "--quiet"],
         "Read-only file system"),
    ]
    for argv, message in cases:
        result = subprocess.run([sys.executable, "-m", "w2v", *map(str, argv)],
                                capture_output=True, text=True)
        assert result.returncode == 1, result.stderr
        errors = [line for line in result.stderr.splitlines() if ": warning: " not in line]
        assert len(errors) == 1 and message in errors[0], result.stderr
    assert sorted(os.listdir(full)) == ["filler", "p.png"] and os.listdir(read_only) == []
    assert (full / "p.png").read_bytes() == GOOD_OLD_CONTENT


# ----- stop requests: SIGTERM like Ctrl-C --------------------------------------------------------


def test_sigterm_stops_training_with_a_checkpoint(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(f"{line}\n" for line in synthetic.generate_corpus(20_000, seed=2)))
    output = tmp_path / "v.bin"
    process = subprocess.Popen(
        [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(output), "--epochs", "50",
         "--dim", "16", "--threads", "1"], stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if line.startswith("epoch 1/"):
            break
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert f"resume with: w2v train --resume {output}.checkpoint.npz" in err.splitlines()[-1]
    assert sorted(os.listdir(tmp_path)) == ["c.txt", "v.bin.checkpoint.npz"]


# ----- a new user's first mistakes, as real processes: one line, no traceback ---------------------


def test_first_mistakes_as_real_processes(tmp_path):
    latin1 = tmp_path / "notes.txt"
    latin1.write_bytes("caf\u00e9\n".encode("latin-1"))
    cases = [
        (["train", "/nonexistent"], 1, "w2v train: error: corpus /nonexistent does not exist"),
        (["train", str(latin1)], 1, "line 1: bytes that are not valid utf-8"),
        (["train", "--dim", "0"], 2, "w2v train: error: --dim must be >= 1, got 0"),
        (["neighbors", str(latin1), "café"], 1, f"w2v neighbors: error: {latin1}"),
    ]
    for argv, code, message in cases:
        result = subprocess.run([sys.executable, "-m", "w2v", *argv], capture_output=True,
                                text=True, cwd=tmp_path)
        assert result.returncode == code, result.stderr
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert os.listdir(tmp_path) == ["notes.txt"]
