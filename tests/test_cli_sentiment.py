"""`w2v sentiment` end to end, in-process: report files, summary table, one-line errors."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from w2v.cli import build_parser, main
from w2v.vectors import KeyedVectors

SHARED = os.environ.get("W2V_SHARED_DATA")
needs_shared = pytest.mark.skipif(not SHARED, reason="W2V_SHARED_DATA is not set (real SST data)")

POSITIVE = ["good", "great", "fun", "superb", "moving"]
NEGATIVE = ["bad", "dull", "awful", "boring", "flat"]
FILLER = ["the", "film", "a", "story", "is", "was", "and", "cast", "plot", "of"]


def sentences(rng, n):
    """(label, text) pairs: 'pos'/'neg' sentences of filler plus a sentiment word (10% flipped)."""
    for _ in range(n):
        label = rng.choice(["pos", "neg"])
        words = list(rng.choice(FILLER, size=rng.integers(3, 7)))
        words.append(rng.choice(POSITIVE if label == "pos" else NEGATIVE))
        if rng.random() < 0.1:
            label = "neg" if label == "pos" else "pos"
        yield label, " ".join(rng.permutation(words))


@pytest.fixture(scope="module")
def tsv_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for split, n in (("train", 200), ("dev", 60), ("test", 60)):
        lines = [f"{label}\t{text}" for label, text in sentences(rng, n)]
        (folder / f"{split}.tsv").write_text("label\ttext\n" + "\n".join(lines) + "\n")
    return folder


def hand_made_vectors(path, dim=8, seed=0):
    """Sentiment words along +/- one axis, filler words random: a learnable signal."""
    rng = np.random.default_rng(seed)
    words = FILLER + POSITIVE + NEGATIVE
    vectors = rng.normal(scale=0.5, size=(len(words), dim))
    vectors[len(FILLER) : len(FILLER) + 5, 0] += 2.0
    vectors[len(FILLER) + 5 :, 0] -= 2.0
    KeyedVectors(words, vectors).save(str(path))
    return str(path)


@pytest.fixture(scope="module")
def vectors_path(tmp_path_factory):
    return hand_made_vectors(tmp_path_factory.mktemp("vectors") / "hand.txt")


def run(capsys, *argv):
    code = main(["sentiment", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def largest_class_share(labels):
    """The accuracy of the best constant guess: the bar a classifier must clear by a margin."""
    return max(labels.count(label) for label in set(labels)) / len(labels)


def tsv_labels(path):
    return [line.split("\t")[0] for line in path.read_text().splitlines()[1:] if line]


def test_end_to_end_with_hand_made_vectors(tmp_path, capsys, tsv_data, vectors_path):
    out_dir = tmp_path / "report"
    code, out, err = run(
        capsys,
        vectors_path,
        "--data",
        tsv_data,
        "--out",
        out_dir,
        "--lambdas",
        "1e-4",
        "1e-2",
        "1",
        "--quiet",
    )
    assert code == 0, err
    # --quiet: no progress; only the one-line warnings (60 test sentences: < 100 per class)
    assert err.splitlines() == [
        "w2v sentiment: warning: fewer than 100 test sentences for class neg (28), pos (32): "
        "test accuracy is noisy; use --cv for a steadier estimate"
    ]
    table = out.splitlines()
    assert [line.split()[0] for line in table[:4]] == ["model", "vectors", "majority", "bow"]
    assert "coverage: 100.0% of" in out and f"report: {out_dir}" in out
    report = json.loads((out_dir / "sweep.json").read_text())
    chosen = report["chosen"]["vectors"]
    # the sentiment word decides 90% of the labels; measured 0.817 against a constant 0.533
    baseline = largest_class_share(tsv_labels(tsv_data / "test.tsv"))
    assert chosen["test_accuracy"] > baseline + 0.2, "the hand-made vectors separate the classes"
    assert report["config"]["classes"] == ["neg", "pos"]
    assert report["config"]["vectors"] == vectors_path
    for name in ("accuracy_vs_lambda.png", "confusion_test.png", "roc_test.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def train_corpus(path, rng, lines=4000):
    """Each line: filler words plus three words of one polarity, so skip-gram puts the
    positive words near each other and away from the negative ones."""
    with open(path, "w") as handle:
        for i in range(lines):
            group = POSITIVE if i % 2 else NEGATIVE
            words = [*rng.choice(FILLER, size=4), *rng.choice(group, size=3)]
            handle.write(" ".join(rng.permutation(words)) + "\n")
    return path


def test_end_to_end_with_vectors_trained_by_w2v_train(tmp_path, capsys, tsv_data):
    corpus = train_corpus(tmp_path / "corpus.txt", np.random.default_rng(1))
    vectors = tmp_path / "trained.txt"
    code = main(
        [
            "train",
            str(corpus),
            "-o",
            str(vectors),
            "--epochs",
            "3",
            "--min-count",
            "1",
            "--dim",
            "16",
            "--seed",
            "1",
            "--threads",
            "1",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    code, out, err = run(
        capsys,
        vectors,
        "--data",
        tsv_data,
        "--out",
        tmp_path / "report",
        "--lambdas",
        "1e-5",
        "1e-3",
        "1e-1",
        "--quiet",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "report" / "sweep.json").read_text())
    assert report["coverage"]["all"]["token_coverage"] == 1.0
    chosen = report["chosen"]["vectors"]
    # measured 0.833 against a constant 0.533
    baseline = largest_class_share(tsv_labels(tsv_data / "test.tsv"))
    assert chosen["test_accuracy"] > baseline + 0.2, f"trained vectors separate them: {chosen}"
    points = report["sweeps"]["vectors"]["points"]
    best = max(points, key=lambda point: point["dev_accuracy"])
    assert best["chosen"] and best["test_accuracy"] == chosen["test_accuracy"], "chosen by dev"
    assert points[0]["train_accuracy"] > points[-1]["train_accuracy"], "lambda regularizes"
    for row in report["per_class_test"]:
        assert row["auc"] > 0.7, row  # measured 0.85; a constant scores 0.5
    for name in ("accuracy_vs_lambda.png", "confusion_test.png", "roc_test.png"):
        data = (tmp_path / "report" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name


def test_progress_goes_to_stderr(tmp_path, capsys, tsv_data, vectors_path):
    code, out, err = run(
        capsys,
        vectors_path,
        "--data",
        tsv_data,
        "--out",
        tmp_path / "r",
        "--lambdas",
        "1e-2",
        "--no-baselines",
        "--classifier",
        "mlp",
        "--hidden",
        "4",
        "--pooling",
        "sum",
        "--no-lowercase",
    )
    assert code == 0, err
    assert "data: train 200, dev 60, test 60 sentences; classes neg, pos" in err
    assert "lowercase=False, alnum=True" in err
    assert len(out.splitlines()[0:2]) == 2 and "MLP (4 hidden units) on sum-pooled" in out


def test_help_lists_the_options():
    help_text = build_parser()._subparsers._group_actions[0].choices["sentiment"].format_help()
    for option in (
        "--data",
        "--out",
        "--lambdas",
        "--pooling",
        "--cv",
        "--classifier",
        "--lowercase",
        "--quiet",
    ):
        assert option in help_text


def one_file(folder, n=240):
    """All the labelled sentences in one TSV file, no split."""
    rng = np.random.default_rng(1)
    lines = [f"{label}\t{text}" for label, text in sentences(rng, n)]
    path = folder / "reviews.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_file_is_split_and_the_report_says_so(tmp_path, capsys, vectors_path):
    data = one_file(tmp_path)
    status, out, err = run(
        capsys, vectors_path, "--data", data, "--out", tmp_path / "r", "--lambdas", "0.01",
        "--pooling", "all",
    )
    assert status == 0, err
    assert f"{data} split 80/10/10 into train/dev/test, stratified by class, seed 0" in err
    report = json.loads((tmp_path / "r" / "sweep.json").read_text())
    assert report["config"]["sizes"] == {"train": 192, "dev": 24, "test": 24}
    assert "stratified" in report["config"]["split"]
    pooling_lines = out.split("pooling ")[1].splitlines()
    assert [line.split()[0] for line in pooling_lines[1:6]] == [
        "mean", "sum", "sif", "tfidf", "minmax"
    ]
    assert sum("<- chosen by dev" in line for line in pooling_lines) == 1


def test_cross_validation_reports_each_fold_and_mean_std(tmp_path, capsys, vectors_path):
    data = one_file(tmp_path)
    status, out, err = run(
        capsys, vectors_path, "--data", data, "--out", tmp_path / "r", "--cv", "5",
        "--lambdas", "1e-3", "1e-1", "--quiet",
    )
    assert status == 0, err
    report = json.loads((tmp_path / "r" / "cv.json").read_text())
    folds = [fold["test_accuracy"] for fold in report["folds"]]
    assert len(folds) == 5 and sum(f["test_size"] for f in report["folds"]) == 240
    mean, std = report["summary"]["test_accuracy"].values()
    assert mean == pytest.approx(np.mean(folds)) and std == pytest.approx(np.std(folds, ddof=1))
    assert f"5-fold cross-validation: test accuracy {mean:.3f} ± {std:.3f}" in out
    # the sentiment word decides 90% of the labels: measured 0.887 against a constant 0.5
    labels = [line.split("\t")[0] for line in data.read_text().splitlines()]
    assert mean > largest_class_share(labels) + 0.25
    assert (tmp_path / "r" / "cv.csv").read_text().count("\n") == 6
    status, _, err = run(
        capsys, vectors_path, "--data", data, "--out", tmp_path / "r", "--cv", "1"
    )
    assert status == 2 and err == "w2v sentiment: error: --cv must be an integer >= 2, got 1\n"


# ----- bad input: exit code and one line naming the problem ----------------------------------


def write(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    "files, code, message",
    [
        (
            {
                "train.tsv": "pos\ta\nneg\tb\n",
                "dev.tsv": "pos\ta\nneg\tb\nmeh\tc\n",
                "test.tsv": "pos\ta\nneg\tb\n",
            },
            1,
            r"dev.tsv:3: unknown label 'meh': not among the train labels {neg, pos}",
        ),
        (
            {"train.tsv": "pos\ta\nneg\tb\n", "dev.tsv": "\n", "test.tsv": "pos\ta\nneg\tb\n"},
            1,
            "dev.tsv: no sentences in the dev split (the file is empty)",
        ),
        (
            {
                "train.tsv": "pos\ta\nneg\tb\n",
                "dev.tsv": "pos\ta\n",
                "test.tsv": "pos\ta\nneg\tb\n",
            },
            1,
            "dev.tsv: no sentence with label {neg}",
        ),
        (
            {"train.txt": "(3 (3 good))\n(1 (1 bad))\n", "test.tsv": "3\tgood\n1\tbad\n"},
            1,
            "mismatched files:",
        ),
        (
            {"train.txt": "(3 (3 good))\n(9 (1 bad))\n", "test.txt": "(3 (3 good))\n"},
            1,
            "train.txt:2: unknown label '9' (SST labels are 0..4)",
        ),
        (
            {"notes.txt": "hello\n"},
            1,
            "no train/dev/test files, nor one file or subfolder per class",
        ),
    ],
)
def test_bad_data_gives_one_line_and_exit_code(
    tmp_path, capsys, vectors_path, files, code, message
):
    data = write(tmp_path / "data", files)
    status, out, err = run(capsys, vectors_path, "--data", data, "--out", tmp_path / "r")
    assert status == code
    assert err.count("\n") == 1 and err.startswith("w2v sentiment: error: "), err
    assert message in err
    assert not (tmp_path / "r").exists(), "no report for bad data"


def test_missing_paths_and_bad_options(tmp_path, capsys, tsv_data, vectors_path):
    status, _, err = run(capsys, tmp_path / "nope.bin", "--data", tsv_data, "--out", tmp_path)
    assert status == 1 and "nope.bin does not exist" in err
    status, _, err = run(capsys, vectors_path, "--data", tmp_path / "nope", "--out", tmp_path)
    assert status == 1 and "nope: no such file or folder" in err
    status, _, err = run(
        capsys, vectors_path, "--data", tsv_data, "--out", tmp_path, "--lambdas", "-1"
    )
    assert status == 2 and "lambda must be a finite number >= 0, got -1.0" in err
    (tmp_path / "afile").write_text("x")
    status, _, err = run(capsys, vectors_path, "--data", tsv_data, "--out", tmp_path / "afile")
    assert status == 2 and "is a file, expected a folder" in err
    status, _, err = run(
        capsys,
        vectors_path,
        "--data",
        tsv_data,
        "--out",
        tmp_path,
        "--hidden",
        "0",
        "--classifier",
        "mlp",
    )
    assert status == 2 and "--hidden must be >= 1, got 0" in err


def test_errors_name_the_flags_and_leave_paths_alone(tmp_path, capsys, tsv_data, vectors_path):
    status, _, err = run(
        capsys, vectors_path, "--data", tsv_data, "--out", tmp_path, "--lambdas", "1", "1"
    )
    assert status == 2
    assert err == "w2v sentiment: error: --lambdas has repeated values: [1.0, 1.0]\n"
    data = write(tmp_path / "data", {"data.test": "1 a\n", "test.tsv": "1\ta\n"})
    status, _, err = run(
        capsys, vectors_path, "--data", data / "data.test", data / "test.tsv", "--out", tmp_path
    )
    assert status == 2
    assert err.startswith(
        f"w2v sentiment: error: --data: several test files ({data}/data.test, {data}/test.tsv)"
    ), err


def test_truncated_vectors_file(tmp_path, capsys, tsv_data, vectors_path):
    truncated = tmp_path / "cut.txt"
    truncated.write_bytes(Path(vectors_path).read_bytes()[:-40])
    status, _, err = run(capsys, truncated, "--data", tsv_data, "--out", tmp_path / "r")
    last = err.splitlines()[-1]
    assert status == 1 and last.startswith("w2v sentiment: error: ") and "cut.txt" in last


# ----- real data slices ----------------------------------------------------------------------


@needs_shared
def test_sst_slice_end_to_end(tmp_path, capsys, vectors_path):
    """The SST reader and the whole command on evenly spaced lines of each real split."""
    data = tmp_path / "sst"
    data.mkdir()
    labels = {}
    for split, n in (("train", 2000), ("dev", 400), ("test", 400)):
        with open(os.path.join(SHARED, "sst", "trees", f"{split}.txt"), encoding="utf-8") as f:
            lines = f.readlines()
        lines = lines[:: len(lines) // n][:n]
        (data / f"{split}.txt").write_text("".join(lines))
        labels[split] = [line[1] for line in lines]  # a tree starts "(LABEL "
    code, out, err = run(
        capsys,
        vectors_path,
        "--data",
        data,
        "--out",
        tmp_path / "r",
        "--lambdas",
        "1e-3",
        "1e-1",
        "--quiet",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "r" / "sweep.json").read_text())
    assert report["config"]["sizes"] == {"train": 2000, "dev": 400, "test": 400}
    assert report["config"]["classes"] == ["0", "1", "2", "3", "4"]
    majority = max(set(labels["train"]), key=labels["train"].count)
    chosen = report["chosen"]
    assert chosen["majority"]["test_accuracy"] == pytest.approx(
        labels["test"].count(majority) / 400, abs=1e-6
    )
    # 5 classes from 2000 sentences: bag of words measured 0.343 against a constant's best 0.273;
    # the 20 hand-made vectors know a fifth of the tokens and carry no SST signal
    assert chosen["bow"]["test_accuracy"] > largest_class_share(labels["test"]) + 0.04, chosen


def test_glove_text_without_header(tmp_path, capsys, tsv_data, vectors_path):
    """GloVe's format is word2vec text without the `count dim` line: a user's pretrained vectors."""
    lines = Path(vectors_path).read_text(encoding="utf-8").splitlines()[1:]
    glove = tmp_path / "glove.6B.8d.txt"
    glove.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        glove,
        "--data",
        tsv_data,
        "--out",
        tmp_path / "r",
        "--lambdas",
        "1e-3",
        "--no-baselines",
        "--quiet",
    )
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "sweep.json").read_text())["config"]["vocabulary"] == 20
