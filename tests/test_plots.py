"""Plots: projections against NumPy references, plotted coordinates, label overlap, PNG sizes."""

import json
import struct

import numpy as np
import pytest
from matplotlib.text import Text

from w2v.cli import main
from w2v.errors import UsageError, W2VError
from w2v.present.plots import (
    load_training_log,
    plot_training_log,
    plot_words,
    project_2d,
    save_figure,
    word_coordinates,
)
from w2v.vectors import KeyedVectors


def png_size(path):
    with open(path, "rb") as handle:
        data = handle.read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


def clustered_vectors(n=60, dim=16, seed=0):
    """Words in 4 tight clusters: the hardest case for labels, many points close together."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.standard_normal((4, dim))
    vectors = centres[np.arange(n) % 4] + 0.3 * rng.standard_normal((n, dim))
    words = [f"{['animal', 'colour', 'city', 'verb'][i % 4]}{i}" for i in range(n)]
    return KeyedVectors(words, vectors.astype(np.float32))


TRAINING_LOG = {
    "config": {"model": "sg", "loss": "neg", "dim": 100, "window": 5, "negative": 5},
    "vocab_size": 65643,
    "epochs": [
        {"epoch": 1, "loss": 2.91, "words_per_sec": 910000.0, "seconds": 18.7},
        {"epoch": 2, "loss": 2.62, "words_per_sec": 955000.0, "seconds": 17.8},
        {"epoch": 3, "loss": 2.55, "words_per_sec": 948000.0, "seconds": 17.9},
    ],
    "words_per_sec": 937000.0,
    "wall_seconds": 54.4,
}


# ----- projections --------------------------------------------------------------------------------


def test_svd_and_pca_equal_numpy_references():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((30, 8)) + 2
    for method, matrix in (("svd", vectors), ("pca", vectors - vectors.mean(axis=0))):
        coordinates = project_2d(vectors, method)
        _, singular, right = np.linalg.svd(matrix, full_matrices=False)
        expected = matrix @ right[:2].T
        np.testing.assert_allclose(np.abs(coordinates), np.abs(expected), atol=1e-9)
        assert np.allclose(np.linalg.norm(coordinates, axis=0), singular[:2])
    pca = project_2d(vectors, "pca")
    np.testing.assert_allclose(pca.mean(axis=0), 0, atol=1e-9)


@pytest.mark.parametrize("method", ["svd", "pca"])
def test_projection_signs_are_fixed(method):
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((20, 5))
    coordinates = project_2d(vectors, method)
    # the documented rule: each axis's direction (recovered from the coordinates by least
    # squares) has its largest loading positive; so negated data gives the negated picture
    matrix = vectors - vectors.mean(axis=0) if method == "pca" else vectors
    directions = np.linalg.lstsq(matrix, coordinates, rcond=None)[0].T
    for direction in directions:
        assert direction[np.abs(direction).argmax()] > 0
    np.testing.assert_allclose(project_2d(-vectors, method), -coordinates, atol=1e-9)


def test_tsne_is_seeded():
    vectors = clustered_vectors(24, 8).vectors
    first = project_2d(vectors, "tsne", seed=3)
    assert first.shape == (24, 2) and np.isfinite(first).all()
    np.testing.assert_array_equal(first, project_2d(vectors, "tsne", seed=3))


def test_projection_errors():
    with pytest.raises(UsageError, match="method must be one of svd, pca, tsne"):
        project_2d(np.ones((3, 3)), "umap")
    with pytest.raises(UsageError, match="at least 2 vectors"):
        project_2d(np.ones((1, 3)))
    with pytest.raises(W2VError, match="NaN"):
        project_2d(np.array([[1.0, np.nan], [0, 1]]))
    assert project_2d(np.array([[1.0], [2.0]])).shape == (2, 2)  # one dimension: y is zero


# ----- word picture -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["svd", "pca"])
def test_plot_words_draws_the_projected_coordinates(method):
    kv = clustered_vectors()
    words = kv.words[:50]
    figure = plot_words(kv, words, method=method, size=(900, 700))
    ax = figure.axes[0]
    plotted = ax.collections[0].get_offsets()
    np.testing.assert_allclose(plotted, word_coordinates(kv, words, method))
    np.testing.assert_allclose(
        word_coordinates(kv, words, method), project_2d(kv.unit_vectors[:50], method)
    )
    assert [t.get_text() for t in ax.texts] == words


def test_labels_do_not_overlap_each_other_and_stay_inside():
    kv = clustered_vectors()
    figure = plot_words(kv, kv.words[:50], size=(1000, 800))
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    overlapping = [
        (ax.texts[i].get_text(), ax.texts[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert not overlapping, f"labels drawn on top of each other: {overlapping[:5]}"
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)


def test_plot_words_on_given_axes_and_png_size(tmp_path):
    from matplotlib.figure import Figure

    kv = clustered_vectors(12)
    figure = Figure(figsize=(6, 4), dpi=100)
    ax = figure.subplots()
    assert plot_words(kv, kv.words, ax=ax) is figure
    path = tmp_path / "words.png"
    save_figure(plot_words(kv, kv.words, size=(640, 480)), path)
    assert png_size(path) == (640, 480) and path.stat().st_size > 5000


def test_unknown_plot_words_are_named():
    kv = clustered_vectors(8)
    with pytest.raises(W2VError, match="'nope' is not in the vocabulary"):
        plot_words(kv, ["animal0", "nope"])


# ----- training log -------------------------------------------------------------------------------


def test_plot_training_log_draws_loss_and_speed(tmp_path):
    figure = plot_training_log(TRAINING_LOG)
    loss_ax, speed_ax = figure.axes
    np.testing.assert_allclose(loss_ax.lines[0].get_xydata(), [[1, 2.91], [2, 2.62], [3, 2.55]])
    np.testing.assert_allclose(speed_ax.lines[0].get_ydata(), [910, 955, 948])
    assert "sg" in figure._suptitle.get_text() and "65,643" in figure._suptitle.get_text()
    path = tmp_path / "loss.png"
    save_figure(figure, path)
    assert png_size(path) == (1000, 450)


@pytest.mark.parametrize("first_speed", [2000.0, 910000.0, 990000.0],
                         ids=["slow compile", "as fast", "fastest"])
def test_the_compile_note_stays_clear_of_the_axis_and_the_points(first_speed):
    """Issue 27: the note ran over the x-axis and its "2" tick label when epoch 1 was slow."""
    epochs = [dict(TRAINING_LOG["epochs"][0], words_per_sec=first_speed),
              *TRAINING_LOG["epochs"][1:]]
    figure = plot_training_log({**TRAINING_LOG, "epochs": epochs}, size=(640, 300))
    _, speed_ax = figure.axes
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    note = next(t for t in speed_ax.texts if "compile" in t.get_text())
    box = Text.get_window_extent(note, renderer)  # the words, without the arrow
    panel = speed_ax.get_window_extent(renderer)
    assert panel.y0 < box.y0 and box.y1 <= panel.y1, "the note is inside the panel"
    for label in speed_ax.get_xticklabels():
        assert not box.overlaps(label.get_window_extent(renderer)), label.get_text()
    points = speed_ax.transData.transform(speed_ax.lines[0].get_xydata())
    assert all(y < box.y0 for _, y in points), "every point lies below the note"


def test_training_log_errors(tmp_path):
    with pytest.raises(W2VError, match="non-empty 'epochs' list"):
        plot_training_log({"epochs": []})
    with pytest.raises(W2VError, match=r"epochs\[1\] needs a number 'loss', got None"):
        plot_training_log({"epochs": [{"epoch": 1, "loss": 1, "words_per_sec": 5}, {"epoch": 2}]})
    bad = tmp_path / "log.json"
    bad.write_text('{"epochs": [\n  {"epoch": 1,,}\n]}')
    with pytest.raises(W2VError, match=r"log.json, line 2: not valid JSON"):
        load_training_log(bad)
    with pytest.raises(W2VError, match="does not exist"):
        load_training_log(tmp_path / "missing.json")


# ----- commands -----------------------------------------------------------------------------------


def test_plot_command_writes_png_of_requested_size(tmp_path, capsys):
    kv = clustered_vectors()
    kv.save(tmp_path / "v.bin")
    out = tmp_path / "words.png"
    assert (
        main(["plot", str(tmp_path / "v.bin"), "-o", str(out), "--top", "30", "--size", "800x600"])
        == 0
    )
    assert png_size(out) == (800, 600)
    assert "30 words" in capsys.readouterr().out
    words = "animal0,colour1,nope,city2"
    assert (
        main(["plot", str(tmp_path / "v.bin"), "-o", str(out), "--words", words, "--method", "pca"])
        == 0
    )
    assert "'nope' is not in the vocabulary" in capsys.readouterr().err
    assert png_size(out) == (1000, 800)


def test_plot_command_errors(tmp_path, capsys):
    kv = clustered_vectors(8)
    kv.save(tmp_path / "v.bin")
    vectors, out = str(tmp_path / "v.bin"), str(tmp_path / "w.png")
    assert main(["plot", vectors, "-o", out, "--size", "big"]) == 2
    assert "--size must be WIDTHxHEIGHT" in capsys.readouterr().err
    assert main(["plot", vectors, "-o", out, "--words", "nope,animal0"]) == 1
    assert "need at least 2 known words" in capsys.readouterr().err
    (tmp_path / "a_file").write_text("x")
    assert main(["plot", vectors, "-o", str(tmp_path / "a_file" / "w.png")]) == 1
    assert "a_file is a file, not a folder" in capsys.readouterr().err
    assert not (tmp_path / "w.png").exists()


def test_plot_loss_command(tmp_path, capsys):
    log = tmp_path / "train.json"
    log.write_text(json.dumps(TRAINING_LOG))
    out = tmp_path / "loss.png"
    assert main(["plot-loss", str(log), "-o", str(out), "--size", "700x300"]) == 0
    assert png_size(out) == (700, 300)
    assert "3 epochs" in capsys.readouterr().out
    assert main(["plot-loss", str(tmp_path / "none.json"), "-o", str(out)]) == 1
    assert "training log" in capsys.readouterr().err
