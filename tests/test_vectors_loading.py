"""Loading vectors files a block at a time (w2v/vectors/streaming.py, parse_kernels.py,
mapped.py): equality with a reference on every format and compression, block boundaries,
`limit`, `words`, `mmap`, `w2v convert`, the progress bar, and the located errors of streaming."""

import bz2
import gzip
import json
import lzma

import numpy as np
import pytest

import w2v
from w2v.cli import main
from w2v.errors import W2VError
from w2v.vectors import KeyedVectors, formats, streaming, whole_file

COMPRESSIONS = {"": lambda b: b, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
ODD_NUMBERS = ["1e-30", "-0", "+.5", "5.", "1.5E+3", "0.12345678901234567", "-123456789012345678",
               "3.4028235e38", "1e-45", "7"]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 bytes and 7 rows a kernel call: every boundary is crossed many times."""
    monkeypatch.setattr(streaming, "BLOCK_BYTES", 256)
    monkeypatch.setattr(streaming, "ROWS_PER_CALL", 7)
    monkeypatch.setattr(whole_file, "CHUNK", whole_file.ALIGN)  # a binary file's reads too


def table(n=300, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" if i != 8 else "w8éé" for i in range(n)]  # one word in two-byte UTF-8
    return words, (rng.standard_normal((n, dim)) * 10.0 ** rng.integers(-3, 3, (n, 1)))


def text_file(words, values, header, odd=False):
    lines = [f"{len(words)} {values.shape[1]}"] if header else []
    for i, (word, row) in enumerate(zip(words, values)):
        numbers = ["%.9g" % x for x in row]
        if odd:
            numbers[i % len(numbers)] = ODD_NUMBERS[i % len(ODD_NUMBERS)]
        lines.append(word + " " + " ".join(numbers) + (" \r" if i % 5 == 0 else ""))
    return ("\n".join(lines) + "\n").encode("utf-8")


def reference_text(data, header):
    """What the readers before streaming gave: float() then float32, per line."""
    lines = [line.split() for line in data.decode("utf-8").splitlines() if line.strip()]
    lines = lines[1:] if header else lines
    return ([line[0] for line in lines],
            np.array([[float(x) for x in line[1:]] for line in lines]).astype(np.float32))


def binary_file(words, values):
    rows = values.astype("<f4")
    return (f"{len(words)} {values.shape[1]}\n".encode() +
            b"".join(w.encode() + b" " + r.tobytes() + b"\n" for w, r in zip(words, rows)))


@pytest.mark.parametrize("suffix", list(COMPRESSIONS))
@pytest.mark.parametrize("layout", ["bin", "txt", "vec", "glove"])
def test_every_format_and_compression_reads_as_before(tmp_path, small_blocks, layout, suffix):
    words, values = table()
    if layout == "bin":
        data = binary_file(words, values)
        expected = words, values.astype(np.float32)
    else:
        data = text_file(words, values, header=layout != "glove", odd=True)
        expected = reference_text(data, header=layout != "glove")
    path = tmp_path / f"v.{'txt' if layout == 'glove' else layout}{suffix}"
    path.write_bytes(COMPRESSIONS[suffix](data))
    kv = KeyedVectors.load(path)
    assert kv.words == expected[0]
    assert kv.vectors.dtype == np.float32 and np.array_equal(kv.vectors, expected[1])
    assert np.array_equal(np.signbit(kv.vectors), np.signbit(expected[1]))  # -0 stays -0
    assert kv.key_to_index["w8éé"] == 8


def test_a_file_without_header_grows_the_matrix_past_its_estimate(tmp_path, small_blocks):
    words, values = table(2000, 3)
    short_first = [("a", np.zeros(3))] + list(zip(words, values))  # a short line: a low guess
    data = "".join(f"{w} {' '.join('%.9g' % x for x in row)}\n" for w, row in short_first)
    path = tmp_path / "glove.txt.gz"
    path.write_bytes(gzip.compress(data.encode()))
    kv = KeyedVectors.load(path)
    assert len(kv) == 2001 and kv.vectors.shape == (2001, 3) and kv.words[-1] == "w1999"


@pytest.mark.parametrize("layout", ["bin", "txt", "glove"])
def test_limit_reads_only_the_first_words(tmp_path, small_blocks, monkeypatch, layout):
    words, values = table(400)
    data = binary_file(words, values) if layout == "bin" else \
        text_file(words, values, header=layout == "txt")
    path = tmp_path / f"v.{'bin' if layout == 'bin' else 'txt'}"
    path.write_bytes(data + b"garbage that no reader accepts \x00\x01\n" * 3)
    with pytest.raises(W2VError):
        KeyedVectors.load(path)  # the whole file: the garbage is an error
    read = []
    original = streaming.Buffer.refill

    def counting_refill(buffer, keep_from):
        moved_to = original(buffer, keep_from)
        read.append(buffer.source.consumed)
        return moved_to

    monkeypatch.setattr(streaming.Buffer, "refill", counting_refill)
    kv = KeyedVectors.load(path, limit=10)
    assert kv.words == words[:10]
    assert np.allclose(kv.vectors, values[:10], rtol=1e-6)
    assert max(read) < len(data) / 10, "limit=10 of 400 words reads a small part of the file"
    gensim_style = KeyedVectors.load_word2vec_format(path, binary=layout == "bin", limit=10) \
        if layout != "glove" else kv
    assert gensim_style.words == words[:10]


@pytest.mark.parametrize("name", ["v.txt", "v.bin.gz", "v.npz"])
def test_words_keeps_those_rows_in_file_order(tmp_path, small_blocks, name):
    words, values = table(100)
    KeyedVectors(words, values).save(tmp_path / name)
    kv = KeyedVectors.load(tmp_path / name, words=iter(["w50", "w8éé", "absent", "w99"]))
    assert kv.words == ["w8éé", "w50", "w99"]
    assert np.array_equal(kv.vectors, values[[8, 50, 99]].astype(np.float32))
    assert kv.file_rows.tolist() == [8, 50, 99] and kv.rows_in_file == 100
    with pytest.raises(W2VError, match="none of the 2 words asked for is in the file"):
        KeyedVectors.load(tmp_path / name, words=["x", "y"])
    limited = KeyedVectors.load(tmp_path / name, words=["w3", "w50"], limit=10)
    assert limited.words == ["w3"]


def test_zipf_weights_of_a_restricted_load_are_the_full_files(tmp_path):
    from w2v.sentiment.features import word_probabilities

    words, values = table(50)
    KeyedVectors(words, values).save(tmp_path / "v.txt")
    full = KeyedVectors.load(tmp_path / "v.txt")
    part = KeyedVectors.load(tmp_path / "v.txt", words=["w4", "w40"])
    with pytest.warns(Warning):
        expected = word_probabilities(full)[[4, 40]]
    with pytest.warns(Warning):
        assert np.array_equal(word_probabilities(part), expected)


def test_mmap_maps_the_matrix_and_answers_as_the_loaded_set(tmp_path):
    words, values = table(5000, 16)
    KeyedVectors(words, values, counts=np.arange(5000, 0, -1)).save(tmp_path / "v.npz")
    loaded = KeyedVectors.load(tmp_path / "v.npz")
    mapped = KeyedVectors.load(tmp_path / "v.npz", mmap="r")
    assert mapped.mapped and not mapped.vectors.flags.writeable
    assert mapped.vectors.ctypes.data % 64 == 0, "our .npz aligns the rows for the mapping"
    assert mapped.words[:3] == words[:3] and len(mapped.words) == 5000
    assert mapped.counts.tolist() == loaded.counts.tolist()
    for query in (dict(positive=["w1"]), dict(positive=["w2", "w3"], negative=["w4"])):
        assert mapped.most_similar(**query, topn=5) == loaded.most_similar(**query, topn=5)
    assert mapped.most_similar_cosmul(["w1"], topn=3) == loaded.most_similar_cosmul(["w1"],
                                                                                    topn=3)
    assert mapped.similarity("w1", "w2") == loaded.similarity("w1", "w2")
    assert mapped._unit_vectors is None, "queries on mapped vectors make no unit matrix"
    first = KeyedVectors.load(tmp_path / "v.npz", mmap="r", limit=100)
    assert first.mapped and first.words == words[:100]


def test_mmap_reads_npz_written_by_numpy_and_refuses_other_files(tmp_path, capsys):
    words, values = table(20)
    np.savez(tmp_path / "numpy.npz", vectors=values.astype(np.float32),
             words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8))
    assert KeyedVectors.load(tmp_path / "numpy.npz", mmap="r").most_similar("w1", topn=2) == \
        KeyedVectors.load(tmp_path / "numpy.npz").most_similar("w1", topn=2)
    KeyedVectors(words, values).save(tmp_path / "v.txt")
    with pytest.raises(W2VError, match=r"cannot be memory-mapped.*w2v.convert\("):
        KeyedVectors.load(tmp_path / "v.txt", mmap="r")
    np.savez_compressed(tmp_path / "packed.npz", vectors=values.astype(np.float32),
                        words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8))
    with pytest.raises(W2VError, match="compressed in the archive"):
        KeyedVectors.load(tmp_path / "packed.npz", mmap="r")


def test_convert_writes_any_format_from_any_other(tmp_path, capsys):
    words, values = table(60)
    KeyedVectors(words, values).save(tmp_path / "v.txt.gz")
    assert main(["convert", str(tmp_path / "v.txt.gz"), str(tmp_path / "v.npz")]) == 0
    assert "wrote" in capsys.readouterr().out
    back = KeyedVectors.load(tmp_path / "v.npz", mmap="r")
    assert list(back.words) == words
    assert np.array_equal(back.vectors, values.astype(np.float32))
    assert main(["convert", str(tmp_path / "v.npz"), str(tmp_path / "top.bin"), "--limit",
                 "5", "--quiet"]) == 0
    assert KeyedVectors.load(tmp_path / "top.bin").words == words[:5]
    assert w2v.convert(tmp_path / "top.bin", tmp_path / "top.vec").words == words[:5]
    assert main(["convert", str(tmp_path / "v.npz"), str(tmp_path / "v.doc")]) == 2
    assert "cannot tell the vectors format" in capsys.readouterr().err


def test_mmap_error_hint_is_a_command_on_the_command_line(tmp_path, capsys, monkeypatch):
    KeyedVectors(*table(5)).save(tmp_path / "v.txt")
    from w2v.cli import query

    monkeypatch.setattr(query, "load_vectors", lambda path, quiet, **options:
                        KeyedVectors.load(path, mmap="r"))
    assert main(["neighbors", str(tmp_path / "v.txt"), "w1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"w2v convert {tmp_path / 'v.txt'} vectors.npz" in err


def test_quiet_turns_the_progress_bar_off(tmp_path, capsys, monkeypatch):
    KeyedVectors(*table(5)).save(tmp_path / "v.txt")
    shown = []
    original = formats.progress_bar

    def recording(total, progress, **options):
        shown.append((progress, options["delay"]))
        return original(total, progress, **options)

    monkeypatch.setattr(formats, "progress_bar", recording)
    for argv in (["neighbors", "v.txt", "w1"], ["neighbors", "v.txt", "w1", "--quiet"],
                 ["convert", "v.txt", "v.bin", "--quiet"]):
        assert main([str(tmp_path / a) if a.startswith("v.") else a for a in argv]) == 0
    assert shown == [(True, 3), (False, 3), (False, 3)]
    assert capsys.readouterr().err == "", "a short load draws no bar"


def test_errors_say_where_across_blocks(tmp_path, small_blocks):
    words, values = table(300)
    lines = text_file(words, values, header=False).decode().splitlines()
    cases = {
        250: (lines[249].split()[0] + " 1 2 x 4 5", r"line 250: 'x' is not a number"),
        251: (lines[250] + " 6", r"line 251: expected 5 numbers after the word, got 6"),
        252: ("w8éé " + lines[251].split(None, 1)[1],
              r"line 252: duplicate word 'w8éé' \(first at line 9\)"),
        253: (lines[252].split()[0] + " 1 2 nan 4 5", r"line 253: the vector of .* holds NaN"),
    }
    for number, (line, message) in cases.items():
        damaged = lines[: number - 1] + [line] + lines[number:]
        (tmp_path / "g.txt").write_text("\n".join(damaged) + "\n", encoding="utf-8")
        with pytest.raises(W2VError, match=message):
            KeyedVectors.load(tmp_path / "g.txt")
    data = binary_file(words, values)
    (tmp_path / "v.bin").write_bytes(data[:-11])
    with pytest.raises(W2VError, match=r"record 300 of 300 \(byte \d+\): file ends inside the "
                                       r"vector of 'w299' \(\d+ of 20 bytes; truncated\?\)"):
        KeyedVectors.load(tmp_path / "v.bin")
    (tmp_path / "v.bin").write_bytes(data + b"more")
    with pytest.raises(W2VError, match=f"byte {len(data)}: more data after the 300 words"):
        KeyedVectors.load(tmp_path / "v.bin")
    (tmp_path / "bad.txt.gz").write_bytes(gzip.compress(text_file(words, values, True))[:-40])
    with pytest.raises(W2VError, match="corrupt or truncated gzip data"):
        KeyedVectors.load(tmp_path / "bad.txt.gz")


def test_a_header_that_promises_too_much_is_not_allocated(tmp_path):
    (tmp_path / "v.txt").write_text("999999999999 300\nw 1 2 3\n")
    with pytest.raises(W2VError, match="999999999999"):  # an error, not a MemoryError
        KeyedVectors.load(tmp_path / "v.txt")
    (tmp_path / "v.bin").write_bytes(b"999999999999 3\nw " + bytes(12) + b"\n")
    with pytest.raises(W2VError, match="record 2 of 999999999999"):
        KeyedVectors.load(tmp_path / "v.bin")


def test_sentiment_loads_only_the_datas_words(tmp_path, capsys):
    rng = np.random.default_rng(0)
    vocabulary = ["the", "film", "good", "bad", "fun", "dull"] + [f"x{i}" for i in range(3000)]
    vectors = rng.standard_normal((len(vocabulary), 6))
    vectors[[2, 4], 0] += 2
    vectors[[3, 5], 0] -= 2
    KeyedVectors(vocabulary, vectors).save(tmp_path / "v.txt")
    data = tmp_path / "data"
    data.mkdir()
    for split, n in (("train", 80), ("dev", 30), ("test", 30)):
        lines = [f"{'pos' if i % 2 else 'neg'}\tthe film {'good fun' if i % 2 else 'bad dull'} "
                 f"{'unseen' if i % 3 == 0 else ''}" for i in range(n)]
        (data / f"{split}.tsv").write_text("label\ttext\n" + "\n".join(lines) + "\n")
    reports = {}
    for flag in ([], ["--all-words"]):
        out = tmp_path / f"report{len(flag)}"
        assert main(["sentiment", str(tmp_path / "v.txt"), "--data", str(data), "--out",
                     str(out), "--lambdas", "1e-2", "--no-baselines", *flag]) == 0
        reports[len(flag)] = json.loads((out / "sweep.json").read_text())
        err = capsys.readouterr().err
        if not flag:
            assert "kept 6 of the file's 3,006 words: 6 of the data's 7 words found" in err
    assert reports[0]["chosen"] == reports[1]["chosen"], "the same scores from fewer words"


def test_eval_reads_only_the_rows_its_benchmarks_use_and_scores_as_before(tmp_path, capsys):
    from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs

    rng = np.random.default_rng(1)
    vocabulary = ["king", "queen", "man", "woman", "Paris", "paris", "France", "berlin",
                  "germany", "boy", "girl"] + [f"x{i}" for i in range(400)]
    KeyedVectors(vocabulary, rng.standard_normal((len(vocabulary), 8))).save(tmp_path / "v.txt")
    (tmp_path / "pairs.txt").write_text("king queen 8\nparis france 7\nboy girl 6\nman x399 1\n"
                                        "absent king 3\n")
    (tmp_path / "analogies.txt").write_text(": capitals\nparis france berlin germany\n"
                                            ": family\nking queen man woman\nboy girl x1 x2\n")
    full = KeyedVectors.load(tmp_path / "v.txt")
    expected_pairs = evaluate_word_pairs(full, tmp_path / "pairs.txt").to_dict()
    expected_analogies = evaluate_analogies(full, tmp_path / "analogies.txt",
                                            restrict_vocab=12).to_dict()
    assert main(["eval", str(tmp_path / "v.txt"), "--similarity", str(tmp_path / "pairs.txt"),
                 "--analogies", str(tmp_path / "analogies.txt"), "--restrict-vocab", "12",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["similarity"] == [expected_pairs] and report["analogies"] == [
        expected_analogies]
    assert report["words"] == len(vocabulary)


@pytest.mark.parametrize("layout", ["bin", "glove", "npz-mapped"])
def test_loaded_words_are_packed_and_behave_as_a_list(tmp_path, small_blocks, layout):
    from w2v.vectors.packed_words import PackedWords

    words, values = table(50, 4)
    if layout == "npz-mapped":
        KeyedVectors(words, values).save(tmp_path / "v.npz")
        kv = KeyedVectors.load(tmp_path / "v.npz", mmap="r")
    else:
        path = tmp_path / f"v.{'bin' if layout == 'bin' else 'txt'}"
        path.write_bytes(binary_file(words, values) if layout == "bin" else
                         text_file(words, values, header=False))
        kv = KeyedVectors.load(path)
    assert isinstance(kv.words, PackedWords), "a str per word would cost ~60 bytes each"
    assert kv.words == words and words == kv.words and kv.words != words[:-1]
    assert (kv.words[0], kv.words[8], kv.words[-1]) == (words[0], words[8], words[-1])
    assert kv.words[3:7] == words[3:7] and kv.words[::10] == words[::10] and kv.words[7:3] == []
    assert list(kv.words) == words and "w8éé" in kv.words and kv.index_to_key[8] == "w8éé"
    with pytest.raises(IndexError):
        kv.words[50]
    kv.add_vector("new", np.ones(4, np.float32))
    assert kv.words == words + ["new"] and kv.key_to_index["new"] == 50


def test_a_binary_file_becomes_its_matrix_read_around_the_page_cache(tmp_path, small_blocks,
                                                                     monkeypatch):
    import errno
    import fcntl
    import os

    words, values = table(3000, 7)
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(words, values))
    made, direct_reads = [], []
    original_init, original_preadv = whole_file.WholeFile.__init__, os.preadv

    def spying_init(self, *args, **kwargs):
        made.append(self)
        original_init(self, *args, **kwargs)

    def preadv(fd, buffers, offset):
        direct_reads.append(bool(fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0)))
        return original_preadv(fd, buffers, offset)

    monkeypatch.setattr(whole_file.WholeFile, "__init__", spying_init)
    monkeypatch.setattr(os, "preadv", preadv)
    kv = KeyedVectors.load(path)
    assert kv.words == words and np.array_equal(kv.vectors, values.astype(np.float32))
    assert np.shares_memory(kv.vectors, made[0].data), "the vectors are where the file was read"
    assert len(direct_reads) > 10 and all(direct_reads) == hasattr(os, "O_DIRECT")

    def refusing_direct(fd, buffers, offset):  # a device that refuses O_DIRECT at the read
        if fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return original_preadv(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", refusing_direct)
    again = KeyedVectors.load(path)
    assert again.words == words and np.array_equal(again.vectors, kv.vectors)


def test_a_damaged_npz_is_refused_and_left_closed(tmp_path):
    import gc
    import warnings

    path = tmp_path / "damaged.npz"
    path.write_bytes(b"PK\x03\x04" + bytes(60))  # a zip's signature, then nothing of a zip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(W2VError, match="not a readable .npz archive"):
            KeyedVectors.load(path)
        gc.collect()  # an unclosed file warns when it is collected
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], \
        [str(w.message) for w in caught]
