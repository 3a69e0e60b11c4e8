"""Sentiment data readers: the three formats, split discovery, tokenization, and bad data."""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.sentiment.datasets import load_all, load_dataset
from w2v.sentiment.readers import read_split, undo_ptb_escapes
from w2v.sentiment.split_discovery import find_split_files
from w2v.sentiment.tokenizer import Tokenizer
from w2v.errors import UsageError, W2VError, W2VWarning

SHARED = os.environ.get("W2V_SHARED_DATA")
needs_shared = pytest.mark.skipif(not SHARED, reason="W2V_SHARED_DATA is not set (real SST data)")

TREES = {
    "train.txt": [
        "(3 (2 The) (3 (3 (2 film) (3 rocks)) (2 .)))",
        "(1 (2 It) (1 (2 does) (1 (1 n't) (2 (2 work) (2 .)))))",
        "(3 (2 -LRB-) (3 great) (2 -RRB-))",
        "(1 (2 co-writer\\/director) (1 (2 ``) (1 bad) (2 '')))",
    ],
    "dev.txt": ["(3 (3 good) (2 fun))", "(1 (2 dull) (1 stuff))"],
    "test.txt": ["(1 (1 boring))", "(3 (2 Andr\u00e9) (3 shines))"],
}


def write_files(folder, files):
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_sst_trees_root_labels_leaves_and_escapes(tmp_path):
    data = load_dataset(write_files(tmp_path, TREES))
    assert [len(s) for s in data.splits] == [4, 2, 2]
    assert data.classes == ("1", "3")
    assert data.train.labels == ["3", "1", "3", "1"]
    assert data.train.sentences == [
        "The film rocks .",
        "It does n't work .",
        "( great )",
        'co-writer/director " bad "',
    ]
    assert data.test.sentences[1] == "Andr\u00e9 shines"
    assert list(data.targets(data.train)) == [1, 0, 1, 0]
    assert data.train.format == "sst-tree"


def test_label_sentence_lines_with_lowercased_escapes_and_mojibake(tmp_path):
    mojibake = "Andr\u00e9".encode("utf-8").decode("latin-1")  # how stsa.* spells it
    write_files(
        tmp_path,
        {
            "stsa.fine.train": ["4 a -lrb- great -rrb- film", "0 awful \\/ dull", "", "2 meh"],
            "stsa.fine.dev": ["4 wow", "0 no", "2 so-so"],
            "stsa.fine.test": [f"4 {mojibake} rules", "0 bad", "2 fine"],
        },
    )
    data = load_dataset(tmp_path / "stsa.fine")
    assert data.train.format == "label-sentence"
    assert data.train.sentences == ["a ( great ) film", "awful / dull", "meh"]
    assert data.train.line_numbers == [1, 2, 4]
    assert data.test.sentences[0] == "Andr\u00e9 rules"
    assert data.classes == ("0", "2", "4")


def test_tsv_and_csv_with_headers_and_string_labels(tmp_path):
    write_files(
        tmp_path,
        {
            "train.tsv": ["label\ttext", "pos\tloved it", "neg\thated\tit"],
            "test.tsv": ["neg\tmeh", "pos\tyes"],
            "dev.csv": ["text,label", '"great, really",pos', "awful,neg"],
        },
    )
    train = read_split(tmp_path / "train.tsv", "train")
    assert train.labels == ["pos", "neg"]
    assert train.sentences == ["loved it", "hated it"]  # only the first tab separates
    assert train.line_numbers == [2, 3]
    dev = read_split(tmp_path / "dev.csv", "dev")
    assert dev.labels == ["pos", "neg"] and dev.sentences[0] == "great, really"


def test_missing_dev_is_held_out_from_train_stratified(tmp_path):
    write_files(
        tmp_path,
        {
            "train.tsv": [f"{'pos' if i % 2 else 'neg'}\tsentence {i}" for i in range(40)],
            "test.tsv": ["pos\ta", "neg\tb"],
        },
    )
    data = load_dataset(tmp_path, dev_fraction=0.25, seed=3)
    assert data.dev_held_out
    assert len(data.train) == 30 and len(data.dev) == 10
    assert Counter(data.dev.labels) == {"pos": 5, "neg": 5}
    assert not set(data.train.sentences) & set(data.dev.sentences)


def test_split_discovery_folder_trees_subfolder_prefix_and_explicit(tmp_path):
    (tmp_path / "trees").mkdir()
    write_files(tmp_path / "trees", TREES)
    assert find_split_files(tmp_path)["dev"].endswith(os.path.join("trees", "dev.txt"))
    files = [str(tmp_path / "trees" / name) for name in ("test.txt", "train.txt")]
    assert set(find_split_files(files)) == {"train", "test"}
    renamed = tmp_path / "a.txt"
    renamed.write_text(TREES["dev.txt"][0] + "\n")
    explicit = find_split_files([f"dev={renamed}", *files])
    assert explicit["dev"] == str(renamed)


@pytest.mark.parametrize(
    "tokenizer, expected",
    [
        (Tokenizer(lowercase=True, alnum=False), ["it", "does", "n't", "work", "(", "really", ")"]),
        (
            Tokenizer(lowercase=False, alnum=False),
            ["It", "does", "n't", "work", "(", "really", ")"],
        ),
        (Tokenizer(lowercase=True, alnum=True), ["it", "doesn", "t", "work", "really"]),
    ],
)
def test_tokenizer_variants(tokenizer, expected):
    assert tokenizer("It does n't work ( really )") == expected


def test_tokenizer_inferred_from_vocabulary():
    assert (
        Tokenizer.for_vocabulary(["the", "film", "42"]).__dict__.items()
        >= {"lowercase": True, "alnum": True}.items()
    )
    glove_like = Tokenizer.for_vocabulary(["the", "n't", "("])
    assert glove_like.lowercase and not glove_like.alnum
    cased = Tokenizer.for_vocabulary(["The", "film"])
    assert not cased.lowercase and cased.alnum
    assert not Tokenizer.for_vocabulary(["the"], alnum=False).alnum


def test_undo_ptb_escapes():
    assert undo_ptb_escapes(["-LRB-", "-rsb-", "``", "''", "1\\/2", "\\*"]) == [
        "(",
        "]",
        '"',
        '"',
        "1/2",
        "*",
    ]


# ----- bad data: one clear error naming the file and line -------------------------------------


def expect_error(kind, match, paths):
    with pytest.raises(kind, match=match):
        load_dataset(paths)


def test_unknown_sst_label_names_file_and_line(tmp_path):
    write_files(tmp_path, {**TREES, "dev.txt": ["(3 (3 good))", "(7 (2 odd))"]})
    expect_error(W2VError, r"dev\.txt:2: unknown label '7' \(SST labels are 0\.\.4\)", tmp_path)


def test_non_integer_label_in_label_sentence_file(tmp_path):
    write_files(tmp_path, {"x.train": ["1 a", "1 b", "pos c"], "x.test": ["1 a"]})
    expect_error(W2VError, r"x\.train:3: unknown label 'pos'", tmp_path / "x")


def test_dev_label_not_in_train(tmp_path):
    write_files(
        tmp_path,
        {
            "train.tsv": ["a\tx", "b\ty"],
            "dev.tsv": ["a\tx", "b\tz", "c\tw"],
            "test.tsv": ["a\tx", "b\ty"],
        },
    )
    expect_error(
        W2VError, r"dev\.tsv:3: unknown label 'c': not among the train labels \{a, b\}", tmp_path
    )


def test_binary_train_with_fine_test_is_a_mismatch(tmp_path):
    write_files(
        tmp_path,
        {"s.train": ["0 a", "1 b"], "s.dev": ["0 a", "1 b"], "s.test": ["0 a", "1 b", "4 c"]},
    )
    expect_error(W2VError, r"s\.test:3: unknown label '4'.*mismatched files", tmp_path / "s")


def test_split_missing_a_class(tmp_path):
    write_files(
        tmp_path, {"train.tsv": ["a\tx", "b\ty"], "dev.tsv": ["a\tx"], "test.tsv": ["a\tx", "b\ty"]}
    )
    expect_error(W2VError, r"dev\.tsv: no sentence with label \{b\}", tmp_path)


def test_empty_split(tmp_path):
    write_files(tmp_path, {**TREES, "test.txt": ["", "  "]})
    expect_error(W2VError, r"test\.txt: no sentences in the test split", tmp_path)


def test_formats_differ_across_splits(tmp_path):
    write_files(
        tmp_path,
        {"train.txt": TREES["train.txt"], "dev.tsv": ["1\ta"], "test.txt": TREES["test.txt"]},
    )
    expect_error(
        W2VError,
        r"mismatched files: .*train\.txt is SST PTB trees.*dev\.tsv is " r"label<TAB>text",
        tmp_path,
    )


def test_single_label_train(tmp_path):
    write_files(tmp_path, {"train.tsv": ["a\tx", "a\ty"], "test.tsv": ["a\tx"]})
    expect_error(W2VError, r"train\.tsv: only one label \('a'\)", tmp_path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("(3 (2 good) (2 fun)", r"train\.txt:2: unbalanced brackets"),
        ("(3 (2 good)))", r"train\.txt:2: unbalanced '\)'"),
        ("(3 (2 a)) (2 (2 b))", r"train\.txt:2: more than one tree"),
    ],
)
def test_malformed_trees(tmp_path, line, message):
    write_files(tmp_path, {**TREES, "train.txt": [TREES["train.txt"][0], line]})
    expect_error(W2VError, message, tmp_path)


def test_not_utf8_names_file_and_line(tmp_path):
    write_files(tmp_path, TREES)
    (tmp_path / "dev.txt").write_bytes(b"(3 (3 good))\n(1 (1 caf\xe9))\n")
    expect_error(W2VError, r"dev\.txt:2: bytes that are not UTF-8", tmp_path)


def test_label_without_text(tmp_path):
    write_files(tmp_path, {"train.tsv": ["a\tx", "b\t  "], "test.tsv": ["a\tx"]})
    expect_error(W2VError, r"train\.tsv:2: label 'b' without text", tmp_path)


def test_path_errors(tmp_path):
    expect_error(W2VError, r"no such file or folder", tmp_path / "nothing")
    expect_error(
        W2VError, r"missing\.tsv: no such file", [tmp_path / "missing.tsv", tmp_path / "test.tsv"]
    )
    expect_error(W2VError, r"no train/dev/test files, nor one file or subfolder per", tmp_path)
    write_files(tmp_path, {"reviews.tsv": ["a\tx"], "test.tsv": ["a\tx"]})
    expect_error(
        UsageError,
        r"reviews\.tsv: cannot tell which split",
        [tmp_path / "reviews.tsv", tmp_path / "test.tsv"],
    )
    write_files(tmp_path, {"a.train": ["1 x"], "b.train": ["1 x"], "a.test": ["1 x"]})
    expect_error(UsageError, r"several test files", tmp_path)


# ----- data without a split: one file, one file or subfolder per class -------------------------


def labelled_lines(n_per_class, classes=("neg", "pos", "neutral")):
    return [f"{c}\t{c} sentence number {i}" for c in classes for i in range(n_per_class)]


def test_one_file_is_split_stratified_and_reproducibly(tmp_path):
    path = tmp_path / "reviews.tsv"
    path.write_text("\n".join(labelled_lines(50)) + "\n")
    data = load_dataset(path, seed=4)
    assert [len(s) for s in data.splits] == [120, 15, 15]
    for split in data.splits:
        assert Counter(split.labels) == {c: len(split) // 3 for c in ("neg", "pos", "neutral")}
    every = [s for split in data.splits for s in split.sentences]
    assert sorted(every) == sorted(line.split("\t")[1] for line in labelled_lines(50))
    assert "split 80/10/10 into train/dev/test, stratified by class, seed 4" in data.split_note
    assert load_dataset(path, seed=4).test.sentences == data.test.sentences
    assert load_dataset(path, seed=5).test.sentences != data.test.sentences


def test_one_file_per_class_takes_the_class_from_the_file_names(tmp_path):
    for label in ("pos", "neg"):
        lines = [f"a {label} line {i}" for i in range(20)]
        (tmp_path / f"rt-polarity.{label}").write_text("\n".join(lines) + "\n\n")
    data = load_dataset(tmp_path)
    assert data.classes == ("neg", "pos") and sum(len(s) for s in data.splits) == 40
    assert all(f" {label} " in s for label, s in zip(data.train.labels, data.train.sentences))
    whole, classes, note = load_all(tmp_path)
    assert len(whole) == 40 and classes == ("neg", "pos") and "all 40 sentences" in note


def test_one_subfolder_per_class_one_document_per_file(tmp_path):
    for label in ("pos", "neg"):
        (tmp_path / label).mkdir()
        for i in range(10):
            (tmp_path / label / f"{i}_7.txt").write_text(f"A {label} review,\nline two {i}.\n")
    (tmp_path / "README").write_text("not a class\n")
    whole, classes, _ = load_all(tmp_path)
    assert classes == ("neg", "pos") and len(whole) == 20
    assert whole.sentences[0] == "A neg review, line two 0."


def test_train_and_test_class_folders_as_imdb_lays_them_out(tmp_path):
    for split, n in (("train", 12), ("test", 6)):
        for label in ("pos", "neg"):
            (tmp_path / split / label).mkdir(parents=True)
            for i in range(n):
                (tmp_path / split / label / f"{i}.txt").write_text(f"{split} {label} {i}\n")
    data = load_dataset(tmp_path)
    assert [len(s) for s in data.splits] == [22, 2, 12] and data.classes == ("neg", "pos")
    assert all(s.startswith("test ") for s in data.test.sentences)
    assert all(s.startswith("train ") for s in data.train.sentences + data.dev.sentences)


def test_load_all_concatenates_given_splits(tmp_path):
    write_files(tmp_path, TREES)
    whole, classes, note = load_all(tmp_path)
    assert len(whole) == 8 and classes == ("1", "3") and "concatenated" in note


def test_same_file_as_train_and_test_warns(tmp_path):
    write_files(tmp_path, {"train.tsv": [f"{'ab'[i % 2]}\tx{i}" for i in range(20)]})
    with pytest.warns(W2VWarning, match="train.tsv is both the train and the test file"):
        load_dataset([tmp_path / "train.tsv", f"test={tmp_path / 'train.tsv'}"])


def test_too_small_to_split_is_one_line(tmp_path):
    write_files(tmp_path, {"tiny.tsv": ["a\tx", "b\ty", "a\tz"]})
    expect_error(W2VError, r"too few sentences per class to split", tmp_path / "tiny.tsv")


# ----- the real SST -------------------------------------------------------------------------


@needs_shared
def test_real_sst_trees_sizes_and_label_counts():
    data = load_dataset(os.path.join(SHARED, "sst"))
    assert [len(s) for s in data.splits] == [8544, 1101, 2210]
    expected = {  # root-label counts from $W2V_SHARED_DATA/sst/PROVENANCE.md
        "train": {"0": 1092, "1": 2218, "2": 1624, "3": 2322, "4": 1288},
        "dev": {"0": 139, "1": 289, "2": 229, "3": 279, "4": 165},
        "test": {"0": 279, "1": 633, "2": 389, "3": 510, "4": 399},
    }
    for split in data.splits:
        assert Counter(split.labels) == expected[split.name], split.name
    assert not any("-LRB-" in s or "\\/" in s or "``" in s for s in data.train.sentences)


@needs_shared
def test_real_stsa_fine_holds_the_same_sentences_as_the_trees():
    trees = load_dataset(os.path.join(SHARED, "sst"))
    lines = load_dataset(os.path.join(SHARED, "sst-stsa", "stsa.fine"))
    for tree_split, line_split in zip(trees.splits, lines.splits):
        as_lines = Counter(zip(line_split.labels, line_split.sentences))
        as_trees = Counter(zip(tree_split.labels, (s.lower() for s in tree_split.sentences)))
        assert as_lines == as_trees, tree_split.name


@needs_shared
def test_real_stsa_binary_sizes():
    data = load_dataset(os.path.join(SHARED, "sst-stsa", "stsa.binary"))
    assert [len(s) for s in data.splits] == [6920, 872, 1821]
    assert data.classes == ("0", "1")


# ----- arbitrary input never crashes with anything but our clear error ------------------------

_SST_LIKE = st.lists(
    st.sampled_from(
        ["(", ")", "(3 ", "(2 a)", "-LRB-", "x", " ", "\t", "\n", "7", "\\/", "``", "\xe9", ","]
    ),
    max_size=40,
).map("".join)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(st.binary(max_size=200), _SST_LIKE.map(str.encode)),
    name=st.sampled_from(["train.txt", "train.tsv", "train.csv", "stsa.fine.train"]),
)
def test_any_bytes_give_sentences_or_our_error(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        split = read_split(path, "train")
    except W2VError as error:
        assert str(path) in str(error) and "\n" not in str(error)
    else:
        assert len(split.sentences) == len(split.labels) == len(split.line_numbers) > 0
        assert all(label and label.strip() == label for label in split.labels)
