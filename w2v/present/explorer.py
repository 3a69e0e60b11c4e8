"""The explorer page: an interactive 2-D map of word vectors in one self-contained HTML file.

`explore(kv, ...)` maps the most frequent words (PCA, t-SNE or UMAP), precomputes each mapped
word's nearest neighbours in the full vector space, and returns an `ExplorerPage`: `.html` (Bokeh,
its JavaScript inlined, so the file works offline), `.save(path)` (atomic) and `_repr_html_` (shown
inline in Jupyter). On the page: labels on hover, zoom and pan, a search box that centres a word
and lists its neighbours, colours by frequency or by groups, and with `compare` a second set of
vectors aligned onto the first, the words that moved most listed and marked.
"""

import dataclasses
import html as html_escaping

import numpy as np

from ..errors import W2VError, check_parameter
from ..files import atomic_write
from .embedding_maps import (MAP_METHODS, align, check_method, cosine_distances, groups_of,
                             map_2d, nearest_neighbours, read_groups, unit_rows)

DEFAULT_TOP = 10_000
DEFAULT_METHOD = "tsne"
NEIGHBOURS = 10
MOVED_LISTED = 20
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
NO_GROUP = "(no group)"
SEARCH_JS = """
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
  '"': "&quot;"}[c]));
const data = points.data;
if (!window.__w2v_index) {
  window.__w2v_index = new Map();
  data.word.forEach((w, i) => window.__w2v_index.set(w, i));
}
const word = search.value.trim();
let i = window.__w2v_index.get(word);
if (i === undefined) i = window.__w2v_index.get(word.toLowerCase());
const empty = {x: [], y: [], word: [], size: [], color: []};
if (i === undefined) {
  highlight.data = empty;
  panel.text = word ? `<p class="w2v-missing">${esc(word)} is not among the ${data.word.length}
    words on the map</p>` : "";
  return;
}
const xs = [data.x[i]], ys = [data.y[i]], ws = [data.word[i]], sizes = [22], colors = ["#d62728"];
const index = neighbours.data.index, cosine = neighbours.data.cosine;
let rows = "";
for (let j = 0; j < k; j++) {
  const t = index[i * k + j];
  if (t < 0) break;
  const onMap = t < data.word.length;
  const name = onMap ? data.word[t] : extra[t - data.word.length];
  rows += `<tr class="w2v-neighbour"><td>${j + 1}</td><td class="w2v-word">${esc(name)}</td>` +
    `<td class="w2v-cosine">${cosine[i * k + j].toFixed(4)}</td>` +
    `<td>${onMap ? "" : "not on the map"}</td></tr>`;
  if (onMap) { xs.push(data.x[t]); ys.push(data.y[t]); ws.push(name); sizes.push(14);
               colors.push("#ff7f0e"); }
}
if (data.other !== undefined && data.other[i] >= 0) {
  const o = others.data, r = data.other[i];
  xs.push(o.x[r]); ys.push(o.y[r]); ws.push(data.word[i] + " (other)"); sizes.push(18);
  colors.push("#9467bd");
}
highlight.data = {x: xs, y: ys, word: ws, size: sizes, color: colors};
// zoom to the word and most of its neighbours: a far one or two must not zoom out to all
const far = [];
for (let j = 1; j < xs.length; j++)
  far.push(Math.max(Math.abs(xs[j] - xs[0]), Math.abs(ys[j] - ys[0])));
far.sort((a, b) => a - b);
const reach = Math.max(2.5 * (far.length ? far[Math.floor(0.7 * (far.length - 1))] : 0),
                       0.005 * extent);
x_range.start = xs[0] - reach; x_range.end = xs[0] + reach;
y_range.start = ys[0] - reach; y_range.end = ys[0] + reach;
panel.text = `<h3>nearest to <span class="w2v-query">${esc(ws[0])}</span></h3>` +
  `<table class="w2v-neighbours"><tr><th>#</th><th>word</th><th>cosine</th><th></th></tr>` +
  rows + `</table><p>cosines in the full ${dim}-dimensional space</p>`;
"""
TAP_JS = """
const chosen = points.selected.indices;
if (chosen.length) { search.value = points.data.word[chosen[0]]; }
"""


@dataclasses.dataclass
class ExplorerPage:
    """A finished explorer page: `html` (a standalone document), the mapped `words`, their
    `coordinates` (n, 2) and, with a comparison, `moved`: [(word, cosine distance), ...] most
    moved first."""

    html: str
    words: list
    coordinates: np.ndarray
    method: str
    moved: list = dataclasses.field(default_factory=list)

    def save(self, path):
        """Write the page to `path` atomically (UTF-8); return `path`."""
        with atomic_write(path, "w", encoding="utf-8") as handle:
            handle.write(self.html)
        return path

    def _repr_html_(self):
        source = html_escaping.escape(self.html, quote=True)
        return (f'<iframe srcdoc="{source}" style="width: 100%; height: 860px; border: 0" '
                f'sandbox="allow-scripts"></iframe>')

    def __repr__(self):
        return (f"<ExplorerPage: {len(self.words)} words, {METHOD_NAMES[self.method]}, "
                f"{len(self.html) / 1e6:.1f} MB>")


def explore(kv, *, top=DEFAULT_TOP, method=DEFAULT_METHOD, groups=None, compare=None,
            k=NEIGHBOURS, seed=0, title=None, progress=None):
    """The explorer page of the `top` most frequent words of `kv` (all of them if it has fewer).

    groups: a `word group` file's path, or {word: group}: colours by group instead of frequency.
    compare: a second KeyedVectors (e.g. after more training) aligned onto `kv` by orthogonal
    Procrustes on the mapped words both know; each shared word's two positions are joined and
    the words that moved most are listed. k: neighbours listed per word. progress: called with
    a line saying what runs (the map takes a minute for 10,000 words with t-SNE), or None.
    """
    check_parameter(isinstance(top, (int, np.integer)) and not isinstance(top, bool)
                    and top >= 2, f"{{top}} must be an integer >= 2, got {top!r}", "top")
    check_parameter(isinstance(k, (int, np.integer)) and k >= 1,
                    f"{{k}} must be an integer >= 1, got {k!r}", "k")
    check_method(method)
    if len(kv) < 2:
        raise W2VError(f"need at least 2 words to map, the vectors hold {len(kv)}")
    say = progress or (lambda line: None)
    count = min(int(top), len(kv))
    words = list(kv.words[:count])
    word_groups = None
    if groups is not None:
        source = "the groups" if isinstance(groups, dict) else str(groups)
        table = groups if isinstance(groups, dict) else read_groups(groups)
        word_groups = groups_of(words, table, kv.key_to_index, source)
    unit = kv.unit_vectors
    say(f"nearest {k} neighbours of {count:,} words among {len(kv):,}")
    neighbour_index, neighbour_cosine = nearest_neighbours(unit, np.arange(count), k)
    comparison = _compare(kv, compare, words) if compare is not None else None
    stack = unit[:count] if comparison is None else np.vstack([comparison["mine"],
                                                               comparison["theirs"]])
    say(f"{METHOD_NAMES[method]} map of {len(stack):,} words x {stack.shape[1]} dimensions")
    coordinates = map_2d(stack, method, seed)
    document = _page(kv, words, coordinates, neighbour_index, neighbour_cosine, k, method,
                     word_groups, comparison, title)
    moved = [] if comparison is None else comparison["moved"]
    return ExplorerPage(document, words, coordinates[:count], method, moved)


def _compare(kv, other, words):
    """The shared mapped words' unit vectors, the other's aligned onto kv's, and the distances."""
    rows = np.array([i for i, word in enumerate(words) if word in other.key_to_index],
                    dtype=np.int64)
    if len(rows) < 2:
        raise W2VError(f"the two sets of vectors share {len(rows)} of the {len(words)} mapped "
                       f"words; at least 2 are needed to align them")
    theirs_rows = [other.key_to_index[words[i]] for i in rows]
    mine, theirs = align(kv.unit_vectors[rows], unit_rows(other.vectors[theirs_rows]))
    distances = cosine_distances(mine, theirs)
    # all of kv's mapped words are mapped; the other's shared words follow them
    everything = kv.unit_vectors[:len(words)]
    if everything.shape[1] < mine.shape[1]:
        everything = np.hstack([everything, np.zeros((len(everything), mine.shape[1]
                                                      - everything.shape[1]), np.float32)])
    order = np.lexsort((rows, -distances))[:MOVED_LISTED]
    return {"rows": rows, "mine": everything, "theirs": theirs, "distances": distances,
            "moved": [(words[rows[i]], float(distances[i])) for i in order],
            "moved_rows": order}


def _page(kv, words, coordinates, neighbour_index, neighbour_cosine, k, method, word_groups,
          comparison, title):
    from bokeh.embed import file_html
    from bokeh.layouts import column, row
    from bokeh.models import (AutocompleteInput, ColorBar, ColumnDataSource, CustomJS, Div,
                              HoverTool, LabelSet, Range1d, TapTool)
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure
    from bokeh.resources import INLINE
    from bokeh.transform import factor_cmap, log_cmap

    count = len(words)
    xy = coordinates[:count]
    index, extra = _neighbour_names(neighbour_index, count, kv.words)
    columns = {"x": xy[:, 0].copy(), "y": xy[:, 1].copy(), "word": words,
               "rank": np.arange(1, count + 1, dtype=np.int32)}
    if word_groups is not None:
        columns["group"] = [group or NO_GROUP for group in word_groups]
    if comparison is not None:
        other = np.full(count, -1, dtype=np.int32)
        other[comparison["rows"]] = np.arange(len(comparison["rows"]), dtype=np.int32)
        columns["other"] = other
    points = ColumnDataSource(columns, name="points")
    neighbours = ColumnDataSource({"index": index.ravel(),
                                   "cosine": neighbour_cosine.ravel()}, name="neighbours")
    # fixed ranges: a DataRange1d would zoom back out whenever the highlighted words change
    low, high = coordinates.min(axis=0), coordinates.max(axis=0)
    margin = 0.05 * np.maximum(high - low, 1e-6)
    plot = figure(width=950, height=720, output_backend="webgl", name="map",
                  x_range=Range1d(float(low[0] - margin[0]), float(high[0] + margin[0])),
                  y_range=Range1d(float(low[1] - margin[1]), float(high[1] + margin[1])),
                  tools="pan,wheel_zoom,box_zoom,reset,save", active_scroll="wheel_zoom",
                  title=f"{count:,} most frequent words, {METHOD_NAMES[method]}")
    plot.axis.visible = False
    plot.grid.visible = False
    size = 6 if count <= 2_000 else 4
    others = ColumnDataSource({"x": [], "y": []}, name="others")
    if comparison is not None:
        others = _draw_comparison(plot, coordinates, comparison, words)
    if word_groups is None:
        colour = log_cmap("rank", Viridis256, 1, max(count, 2))
        dots = plot.scatter("x", "y", source=points, size=size, color=colour, alpha=0.7)
        plot.add_layout(ColorBar(color_mapper=colour["transform"], title="frequency rank",
                                 width=10), "right")
    else:
        factors = sorted(set(columns["group"]) - {NO_GROUP}) + [NO_GROUP]
        palette = _palette(len(factors) - 1) + ["#d0d0d0"]
        dots = plot.scatter("x", "y", source=points, size=size, alpha=0.75,
                            color=factor_cmap("group", palette, factors), legend_field="group")
        legend = plot.legend[0]
        plot.add_layout(legend, "right")
        legend.click_policy = "hide"
    tooltips = [("word", "@word"), ("rank", "@rank")]
    if word_groups is not None:
        tooltips.append(("group", "@group"))
    plot.add_tools(HoverTool(renderers=[dots], tooltips=tooltips))
    highlight = ColumnDataSource({"x": [], "y": [], "word": [], "size": [], "color": []},
                                 name="highlight")
    plot.scatter("x", "y", source=highlight, size="size", fill_alpha=0, line_color="color",
                 line_width=3)
    plot.add_layout(LabelSet(x="x", y="y", text="word", source=highlight, x_offset=7,
                             y_offset=5, text_font_size="11pt", background_fill_color="white",
                             background_fill_alpha=0.75))
    # sorted: a typed word comes before the longer words it begins, so Enter picks it
    search = AutocompleteInput(title="Find a word (Enter):", completions=sorted(words),
                               restrict=False, case_sensitive=True, width=300, name="search",
                               placeholder=words[0])
    panel = Div(text="", width=330, name="neighbours_panel")
    extent = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-9))
    search.js_on_change("value", CustomJS(code=SEARCH_JS, args=dict(
        search=search, points=points, neighbours=neighbours, highlight=highlight, panel=panel,
        others=others, extra=extra, k=int(k), extent=extent, dim=int(kv.dim),
        x_range=plot.x_range, y_range=plot.y_range)))
    plot.add_tools(TapTool(renderers=[dots], callback=CustomJS(
        code=TAP_JS, args=dict(points=points, search=search))))
    heading = Div(text=f"<b>{html_escaping.escape(title or 'w2v explorer')}</b>: "
                  f"{count:,} of {len(kv):,} words, {kv.dim} dimensions. Hover a point for "
                  "its word, scroll to zoom, drag to pan, click a point or type a word to see "
                  "its nearest neighbours.", width=1280)
    side = [search, panel]
    if comparison is not None:
        side.append(Div(text=_moved_table(comparison["moved"]), width=330, name="moved_panel"))
    layout = column(heading, row(plot, column(*side)))
    return file_html(layout, INLINE, title=title or "w2v explorer")


def _neighbour_names(neighbour_index, count, vocabulary):
    """The neighbours as indices into the mapped words followed by `extra`, the neighbours
    that are not on the map (-1 stays -1)."""
    index = neighbour_index.astype(np.int32).copy()
    beyond = np.unique(index[index >= count])
    position = {int(row): count + i for i, row in enumerate(beyond)}
    for row, new in position.items():
        index[index == row] = new
    return index, [vocabulary[int(row)] for row in beyond]


def _draw_comparison(plot, coordinates, comparison, words):
    from bokeh.models import ColumnDataSource, HoverTool, LabelSet

    count, rows = len(words), comparison["rows"]
    start, end = coordinates[rows], coordinates[count:]
    shared = [words[i] for i in rows]
    joins = ColumnDataSource({"x0": start[:, 0], "y0": start[:, 1], "x1": end[:, 0],
                              "y1": end[:, 1]}, name="joins")
    plot.segment("x0", "y0", "x1", "y1", source=joins, color="#999999", alpha=0.25,
                 line_width=1)
    others = ColumnDataSource({"x": end[:, 0].copy(), "y": end[:, 1].copy(), "word": shared,
                               "distance": comparison["distances"]}, name="others")
    second = plot.scatter("x", "y", source=others, marker="triangle", size=5, color="#9467bd",
                          alpha=0.5)
    plot.add_tools(HoverTool(renderers=[second],
                             tooltips=[("word (other vectors)", "@word"),
                                       ("moved", "@distance{0.000}")]))
    chosen = comparison["moved_rows"]
    moved = ColumnDataSource({"x0": start[chosen, 0], "y0": start[chosen, 1],
                              "x1": end[chosen, 0], "y1": end[chosen, 1],
                              "word": [shared[i] for i in chosen]}, name="moved")
    plot.segment("x0", "y0", "x1", "y1", source=moved, color="#d62728", line_width=2)
    plot.scatter("x0", "y0", source=moved, size=10, color="#d62728", marker="circle")
    plot.add_layout(LabelSet(x="x0", y="y0", text="word", source=moved, x_offset=5,
                             y_offset=-14, text_font_size="9pt", text_color="#d62728"))
    return others


def _moved_table(moved):
    rows = "".join(f'<tr class="w2v-moved-word"><td>{rank}</td><td class="w2v-word">'
                   f'{html_escaping.escape(word)}</td><td>{distance:.3f}</td></tr>'
                   for rank, (word, distance) in enumerate(moved, 1))
    return ("<h3>Moved most</h3><p>cosine distance between a word's two vectors after "
            "aligning the other set onto this one (red on the map)</p>"
            f'<table class="w2v-moved"><tr><th>#</th><th>word</th><th>moved</th></tr>{rows}'
            "</table>")


def _palette(n):
    from bokeh.palettes import Category10, Category20, turbo

    if n <= 10:
        return list(Category10[10][:max(n, 1)])[:n]
    if n <= 20:  # without its two greys, which look like NO_GROUP's
        colours = [{"#7f7f7f": "#393b79", "#c7c7c7": "#e7ba52"}.get(c, c) for c in Category20[20]]
        return colours[:n]
    return list(turbo(n))


__all__ = ["explore", "ExplorerPage", "MAP_METHODS", "DEFAULT_TOP", "DEFAULT_METHOD"]
