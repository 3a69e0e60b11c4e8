"""How fast the explorer page is: in headless Chromium (Debian's `chromium`, driven by
Playwright, network blocked), the time from opening the file to the map drawn (Bokeh's document
idle) for 10,000 and 50,000 words, the file's size, and each map method's time for 10,000 x 100
vectors. Prints a Markdown table with the CPU model and the date.

    flock /tmp/w2v-cpu.lock python scripts/explorer_bench.py            # everything
    flock /tmp/w2v-cpu.lock python scripts/explorer_bench.py --words 10000 --methods pca

Vectors are synthetic, shaped like trained ones: 100 dimensions, words in clusters of 20 around
random centres. Targets (issue 26): 50,000 words drawn in under 3 s, the file under 15 MB, t-SNE
or UMAP of 10,000 x 100 in under 60 s.
"""

import argparse
import datetime
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from w2v.present.embedding_maps import map_2d, unit_rows  # noqa: E402
from w2v.present.explorer import explore  # noqa: E402
from w2v.vectors import KeyedVectors  # noqa: E402

DRAWN = "() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"


def synthetic_vectors(n, dim=100, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n // 20, 1), dim)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), n)] + 0.5 * rng.standard_normal((n, dim))
    return KeyedVectors([f"word{i}" for i in range(n)], vectors.astype(np.float32))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def time_drawing(path, chromium, repeats):
    """Seconds from page.goto to the Bokeh document idle (each run in a fresh page), best and
    median, and whether WebGL drew it."""
    from playwright.sync_api import sync_playwright

    times, webgl = [], None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1330, "height": 800})
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file://") else route.abort())
            started = time.perf_counter()
            page.goto(pathlib.Path(path).as_uri())
            page.wait_for_function(DRAWN, timeout=120_000, polling=20)
            times.append(time.perf_counter() - started)
            webgl = page.evaluate("""() => { let gl = null;
              const walk = (v) => { if (v.model.type == 'Figure') gl = v.canvas_view.webgl != null;
                                    for (const c of (v.child_views || [])) walk(c); };
              for (const r of Bokeh.index.roots) walk(r); return gl }""")
            page.close()
        browser.close()
    return min(times), float(np.median(times)), webgl


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--methods", nargs="+", default=["pca", "tsne", "umap"])
    parser.add_argument("--projection-words", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    rows = [f"Explorer page, {datetime.date.today()}, {cpu_model()}, {os.cpu_count()} CPUs; "
            f"headless Chromium ({args.chromium}), network blocked; {args.repeats} loads each", "",
            "| words | page built (s, PCA) | file (MB) | opened -> drawn, best / median (s) | WebGL |",
            "|---:|---:|---:|---:|:---|"]
    with tempfile.TemporaryDirectory() as folder:
        for n in args.words:
            kv = synthetic_vectors(n)
            started = time.perf_counter()
            page = explore(kv, top=n, method="pca")
            built = time.perf_counter() - started
            path = page.save(os.path.join(folder, f"page{n}.html"))
            best, median, webgl = time_drawing(path, args.chromium, args.repeats)
            rows.append(f"| {n:,} | {built:.1f} | {os.path.getsize(path) / 1e6:.1f} | "
                        f"{best:.2f} / {median:.2f} | {webgl} |")
            print(rows[-1], file=sys.stderr, flush=True)
    rows += ["", f"| map of {args.projection_words:,} x 100 | seconds |", "|:---|---:|"]
    matrix = unit_rows(synthetic_vectors(args.projection_words).vectors)
    for method in args.methods:
        try:
            started = time.perf_counter()
            map_2d(matrix, method, seed=0)
            rows.append(f"| {method} | {time.perf_counter() - started:.1f} |")
        except Exception as exc:  # a missing optional library: say so in the table
            rows.append(f"| {method} | not run: {exc} |")
        print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
