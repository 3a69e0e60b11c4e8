"""`w2v explore` and w2v.present.explorer without a browser: the numbers behind the page
(neighbours, alignment, groups, maps), the page's self-containment, and the command's bad input
(one line, non-zero exit, no file). tests/test_explorer_browser.py drives the page itself."""

import re
import sys

import numpy as np
import pytest

pytest.importorskip("bokeh", reason="the explorer needs Bokeh: pip install 'w2v[explore]'")

from w2v.cli import main  # noqa: E402
from w2v.errors import ParameterError, W2VError, W2VWarning  # noqa: E402
from w2v.present.embedding_maps import (align, groups_of, map_2d,  # noqa: E402
                                        nearest_neighbours, read_groups)
from w2v.present.explorer import explore  # noqa: E402
from w2v.vectors import KeyedVectors  # noqa: E402


def random_vectors(n=300, dim=16, seed=0, prefix="w"):
    rng = np.random.default_rng(seed)
    return KeyedVectors([f"{prefix}{i}" for i in range(n)],
                        rng.standard_normal((n, dim)).astype(np.float32))


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "vectors.txt"
    random_vectors(60).save(path)
    return path


@pytest.mark.parametrize("n, k", [(200, 10), (11, 10), (6, 10), (2, 3)])
def test_neighbours_are_most_similar_s_answers(n, k):
    kv = random_vectors(n)
    rows = np.arange(min(n, 40))
    index, cosine = nearest_neighbours(kv.unit_vectors, rows, k=k, block=7)
    for row in rows:
        expected = kv.most_similar(kv.words[row], topn=k)
        found = [(kv.words[i], float(c)) for i, c in zip(index[row], cosine[row]) if i >= 0]
        assert [w for w, _ in found] == [w for w, _ in expected], kv.words[row]
        assert np.allclose([c for _, c in found], [c for _, c in expected], atol=1e-6)
        assert (index[row] >= 0).sum() == min(k, n - 1)


def test_alignment_undoes_a_rotation_and_finds_the_moved_words():
    kv = random_vectors(200, dim=8)
    rotation, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((8, 8)))
    other = KeyedVectors(kv.words, (kv.unit_vectors @ rotation).astype(np.float32))
    mine, theirs = align(kv.unit_vectors, other.vectors)
    assert np.allclose(mine, theirs, atol=1e-5)
    other.vectors[[7, 50]] = -other.vectors[[7, 50]]  # two words turned around
    page = explore(kv, top=100, method="pca", compare=other)
    assert [word for word, _ in page.moved[:2]] == ["w7", "w50"]
    assert page.moved[0][1] > 1.5 and page.moved[2][1] < 0.1
    assert "w2v-moved" in page.html and "&gt;w7&lt;" in page.html  # the HTML of a Div


def test_compare_with_a_smaller_dimension_and_too_few_shared_words():
    kv = random_vectors(50, dim=8)
    smaller = KeyedVectors(kv.words[:30], kv.vectors[:30, :5].copy())
    assert len(explore(kv, method="pca", compare=smaller).moved) == 20
    with pytest.raises(W2VError, match="share 0 of the 50"):
        explore(kv, method="pca", compare=random_vectors(5, prefix="x"))


def test_fewer_words_than_top_maps_them_all():
    page = explore(random_vectors(37), top=10_000, method="pca")
    assert len(page.words) == 37 and page.coordinates.shape == (37, 2)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_maps_keep_groups_apart(method):
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((2, 20)) * 5
    matrix = np.vstack([centres[i] + rng.standard_normal((40, 20)) for i in (0, 1)])
    xy = map_2d(matrix, method, seed=0)
    assert xy.shape == (80, 2) and xy.dtype == np.float32
    gap = np.linalg.norm(xy[:40].mean(0) - xy[40:].mean(0))
    spread = max(xy[:40].std(0).max(), xy[40:].std(0).max())
    assert gap > 2 * spread, (gap, spread)


def test_the_page_is_self_contained_and_saved_atomically(tmp_path):
    page = explore(random_vectors(50), top=20, method="pca", title="a <title>")
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page.html), "loads something"
    assert "Bokeh" in page.html and "a &lt;title&gt;" in page.html
    assert page._repr_html_().startswith("<iframe srcdoc=")
    path = page.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8") == page.html
    with pytest.raises(W2VError):
        page.save(tmp_path)  # a folder: nothing written, nothing left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_groups_colour_and_count_unknown_words(tmp_path):
    kv = random_vectors(50)
    groups = tmp_path / "groups.txt"
    groups.write_text("# planted\nw1 animals\nw2 animals\nw3 fruit salad\nnope x\nw40 far\n",
                      encoding="utf-8")
    assert read_groups(groups)["w3"] == "fruit salad"
    with pytest.warns(W2VWarning, match=r"1 of its 5 words are not in the vectors.*1 known "
                                        r"words are beyond the map's 10 words"):
        page = explore(kv, top=10, method="pca", groups=groups)
    assert "fruit salad" in page.html and "(no group)" in page.html
    with pytest.raises(W2VError, match="no word of"):
        groups_of(["w1"], {"nope": "x"}, kv.key_to_index)
    groups.write_text("w1\n", encoding="utf-8")
    with pytest.raises(W2VError, match="line 1: expected `word group`"):
        read_groups(groups)


def test_python_errors_name_the_parameter():
    with pytest.raises(ParameterError, match="top must be an integer >= 2, got 1"):
        explore(random_vectors(10), top=1)
    with pytest.raises(ParameterError, match="method must be one of pca, tsne, umap"):
        explore(random_vectors(10), method="mds")


def run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_writes_the_page(vectors_file, tmp_path, capsys):
    output = tmp_path / "out" / "page.html"
    code, out, err = run(["explore", str(vectors_file), "-o", str(output), "--top", "30",
                          "--method", "pca"], capsys)
    assert code == 0, err
    assert "wrote" in out and "30 words" in out and "PCA map of 30 words" in err
    assert "Bokeh.embed" in output.read_text(encoding="utf-8")


def bad_input_cases(tmp_path):
    unknown = tmp_path / "unknown_groups.txt"
    unknown.write_text("zzz animals\nyyy fruit\n", encoding="utf-8")
    return {
        "top": (["--top", "1"], "--top must be >= 2, got 1"),
        "method": (["--method", "mds"], "--method must be one of pca, tsne, umap, got 'mds'"),
        "groups": (["--groups", str(unknown)], "no word of"),
        "missing groups": (["--groups", str(tmp_path / "none.txt")], "does not exist"),
        "umap": (["--method", "umap"], "needs umap-learn: pip install umap-learn"),
        "bokeh": ([], "needs Bokeh: pip install 'w2v[explore]'"),
    }


@pytest.mark.parametrize("case", ["top", "method", "groups", "missing groups", "umap", "bokeh"])
def test_bad_input_is_one_line_and_no_file(case, vectors_file, tmp_path, capsys, monkeypatch):
    options, message = bad_input_cases(tmp_path)[case]
    if case == "umap":
        monkeypatch.setitem(sys.modules, "umap", None)  # as if umap-learn were not installed
    if case == "bokeh":
        monkeypatch.setitem(sys.modules, "bokeh", None)
    output = tmp_path / "page.html"
    code, out, err = run(["explore", str(vectors_file), "-o", str(output), "--method", "pca",
                          "--quiet", *options], capsys)
    assert code != 0
    assert message in err and err.count("\n") == 1 and err.startswith("w2v explore: error:"), err
    left = {p.name for p in tmp_path.iterdir()} - {"vectors.txt", "unknown_groups.txt"}
    assert not left, f"a file was left behind: {left}"
