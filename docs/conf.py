"""Sphinx configuration of the w2v documentation.

Why Sphinx + MyST-Parser + autodoc: the pages stay Markdown (as README.md, so their examples run
in tests/test_readme.py with the same marks), and the API reference is generated from the
docstrings by autodoc, the choice of scikit-learn, Dask and gensim; Sphinx's built-in search
works offline, with no service. Build:

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys

sys.path.insert(0, os.path.abspath(".."))  # this checkout's w2v, not an installed one

import w2v  # noqa: E402  (importing w2v has no side effects: its API is loaded on first use)

project = "w2v"
author = "the w2v authors"
copyright = "2026, the w2v authors"
release = version = w2v.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.viewcode"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_heading_anchors = 3  # links to #headings of a page, as on GitHub
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the docstrings say what each argument takes
default_role = "code"  # `name` in a docstring is code, as in the Markdown pages

html_theme = "furo"
html_title = f"w2v {release}"
html_static_path = []


# The docstrings are plain text written for help() (DESIGN.md), not reStructuredText: an indented
# block follows its line without a blank line, and attributes end in "_" (coef_), which reST
# reads as a link. Rendered here rather than rewritten: help() stays as it is.
_OPTION = re.compile(r"^    (\w+) \((.*?)\): ")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`*\\])(\w+)_(?=$|[\s,.;:)\]])")


def _escape_underscores(line):
    pieces = line.split("`")  # odd pieces are inside backticks: code, left alone
    return "`".join(p if i % 2 else _TRAILING_UNDERSCORE.sub(r"\1\\_", p)
                    for i, p in enumerate(pieces))


def _blocks_apart(lines):
    """A blank line wherever the indentation changes, so an indented block is a block quote."""
    out, previous = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if line.strip() and previous is not None and indent != previous and out and out[-1]:
            out.append("")
        out.append(line)
        previous = indent if line.strip() else previous
    return out


def _options_as_list(lines):
    """w2v.train's option lines (`    name (default): help`, wrapped deeper) as a bullet list."""
    out = []
    for line in lines:
        option = _OPTION.match(line)
        if option:
            out.append(f"- `{option.group(1)}` (`{option.group(2)}`): {line[option.end():]}")
        elif out and out[-1].startswith("- ") and line.startswith("        "):
            out[-1] += " " + line.strip()
        else:
            if line.strip().endswith(":") and not line.startswith(" "):
                line = f"{line}\n"
            out.append(line)
    return "\n".join(out).splitlines()


def _render_docstring(app, what, name, obj, options, lines):
    text = lines if name != "w2v.train" else _options_as_list(lines)
    lines[:] = _blocks_apart([_escape_underscores(line) for line in text])


def setup(app):
    app.connect("autodoc-process-docstring", _render_docstring)
