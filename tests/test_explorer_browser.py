"""The explorer page in a real browser: headless Chromium (Debian's `chromium` package) driven by
Playwright, every request that is not the page's own file blocked. Skipped, with the reason,
where Playwright, Bokeh or Chromium is missing (`.ci/run` installs Chromium first).

The page is made by `w2v explore` from the quick start's vectors (the embedded default corpus,
conftest's `quick_start`). W2V_UPDATE_SCREENSHOT=1 writes the README's docs/explorer.png.
"""

import os
import pathlib
import re
import shutil

import numpy as np
import pytest

from w2v.cli import main
from w2v.synthetic import planted_groups
from w2v.vectors import KeyedVectors

pytest.importorskip("bokeh", reason="the explorer needs Bokeh: pip install 'w2v[explore]'")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="browser tests need Playwright: pip install playwright")
CHROMIUM = os.environ.get("W2V_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"browser tests need Chromium ({CHROMIUM} is missing): apt-get install chromium",
                allow_module_level=True)

SCREENSHOT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "explorer.png"
TURNED = ["violin", "apple", "red"]  # turned around in the compared vectors
SEARCHED = ["horse", "violin", "the"]
DRAWN = "() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"
POINT_ON_SCREEN = """(row) => {
  let figure = null;
  const walk = (view) => { if (view.model.type == "Figure") figure = view;
                           for (const child of (view.child_views || [])) walk(child); };
  for (const root of Bokeh.index.roots) walk(root);
  const points = Bokeh.documents[0].get_model_by_name("points");
  const box = figure.canvas_view.el.getBoundingClientRect();
  return [points.data.word[row], box.left + figure.frame.x_scale.compute(points.data.x[row]),
          box.top + figure.frame.y_scale.compute(points.data.y[row])];
}"""


@pytest.fixture(scope="module")
def made(quick_start, tmp_path_factory):
    """The vectors, and the pages `w2v explore` makes of them: one coloured by the planted
    groups (t-SNE), one comparing them with a copy where TURNED point the other way (PCA)."""
    folder = tmp_path_factory.mktemp("explorer")
    vectors = quick_start / "vectors.bin"
    groups = folder / "groups.txt"
    groups.write_text("".join(f"{word} {name}\n" for name, words in planted_groups().items()
                              for word in words), encoding="utf-8")
    kv = KeyedVectors.load(vectors)
    turned = kv.vectors.copy()
    turned[kv.indices_of(TURNED)] *= -1
    KeyedVectors(kv.words, turned).save(folder / "other.bin")
    pages = {"groups": folder / "groups.html", "compare": folder / "compare.html"}
    assert main(["explore", str(vectors), "-o", str(pages["groups"]), "--groups", str(groups),
                 "--quiet"]) == 0
    assert main(["explore", str(vectors), "-o", str(pages["compare"]), "--method", "pca",
                 "--compare", str(folder / "other.bin"), "--quiet"]) == 0
    return {"vectors": vectors, "kv": kv, **pages}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


class Opened:
    """A page opened offline: `requests` it tried beyond its own file (all blocked), `errors`
    its scripts raised."""

    def __init__(self, browser, path):
        self.page = browser.new_page(viewport={"width": 1330, "height": 800})
        self.requests, self.errors = [], []
        self.page.route("**/*", self._only_the_file)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(path.as_uri())
        self.page.wait_for_function(DRAWN, timeout=30_000)

    def _only_the_file(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def search(self, word):
        box = self.page.locator("input").first
        box.fill(word)
        box.press("Enter")
        self.page.wait_for_selector(".w2v-query")
        assert self.page.locator(".w2v-query").inner_text() == word
        rows = self.page.locator("tr.w2v-neighbour").all()
        return [(row.locator(".w2v-word").inner_text(), float(row.locator(".w2v-cosine")
                                                             .inner_text())) for row in rows]


@pytest.fixture
def opened(browser, made):
    pages = []

    def open_page(name):
        pages.append(Opened(browser, made[name]))
        return pages[-1]

    yield open_page
    for opened_page in pages:
        opened_page.page.close()


def test_the_page_draws_offline_with_every_point(opened, made):
    page = opened("groups")
    assert page.requests == [] and page.errors == []
    count = page.page.evaluate("() => Bokeh.documents[0].get_model_by_name('points')"
                               ".data.word.length")
    assert count == len(made["kv"]) == 332  # fewer words than --top: all of them


def cli_neighbours(vectors, word, capsys):
    capsys.readouterr()
    assert main(["neighbors", str(vectors), word, "-k", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()[2:]
    return [(found[1], float(found[2])) for found in (line.split() for line in lines)]


@pytest.mark.parametrize("word", SEARCHED)
def test_search_lists_the_neighbours_w2v_neighbors_gives(opened, made, word, capsys):
    page = opened("groups")
    found = page.search(word)
    expected = cli_neighbours(made["vectors"], word, capsys)
    assert len(found) == 10
    assert [w for w, _ in found] == [w for w, _ in expected]
    assert np.allclose([c for _, c in found], [c for _, c in expected], atol=1.01e-4)
    highlighted = page.page.evaluate("() => Bokeh.documents[0].get_model_by_name('highlight')"
                                     ".data.word")
    assert highlighted == [word] + [w for w, _ in found]  # all on the map: marked there
    if word == "violin" and os.environ.get("W2V_UPDATE_SCREENSHOT"):
        page.page.screenshot(path=str(SCREENSHOT))


def test_hover_shows_the_word(opened):
    page = opened("groups")
    for row in (0, 57, 200):
        word, x, y = page.page.evaluate(POINT_ON_SCREEN, row)
        page.page.mouse.move(x, y)
        label = page.page.locator(".bk-tooltip-row-value").first
        label.wait_for(timeout=5_000)
        values = page.page.locator(".bk-tooltip-row-value").all_inner_texts()
        assert word in values, (word, values)


def test_unknown_word_says_so(opened):
    page = opened("groups")
    box = page.page.locator("input").first
    box.fill("zzzz")
    box.press("Escape")  # close the completions, then ask for the word as typed
    box.press("Enter")
    message = page.page.locator(".w2v-missing")
    message.wait_for(timeout=5_000)
    assert re.search(r"zzzz is not among the 332\s+words", message.inner_text())


def test_compare_lists_the_words_that_moved_most(opened):
    page = opened("compare")
    assert page.requests == [] and page.errors == []
    listed = page.page.locator("tr.w2v-moved-word .w2v-word").all_inner_texts()
    assert sorted(listed[:3]) == sorted(TURNED) and len(listed) == 20
    joins = page.page.evaluate("() => Bokeh.documents[0].get_model_by_name('joins')"
                               ".data.x0.length")
    assert joins == 332
    assert page.search("violin")[0][0] != "violin"
