"""The package's shape: stages that import only downward, no reaching into another module's
private names, short files, and no command-line text inside the core's messages."""

import ast
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "w2v"
# lowest first: a module may import from its own stage and those before it
STAGES = [("errors", "files", "synthetic", "catalogue", "progress"), ("text",), ("vectors",), ("training",),
          ("sentiment",), ("present",), ("api", "cli", "__init__", "__main__")]
MAX_LINES = 450
LONGER_ALLOWED = {"training/kernels.py"}  # its docstring says why
CORE = ("text", "vectors", "training", "sentiment")
MODULES = sorted(PACKAGE.rglob("*.py"))


def stage_of(relative):
    top = relative.split("/")[0].removesuffix(".py")
    return next(i for i, names in enumerate(STAGES) if top in names)


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """(imported module as a path under w2v/, the names imported) of every w2v import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            if target and target[0] == "w2v":
                yield "/".join(target[1:]), [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("w2v."):
                    yield "/".join(alias.name.split(".")[1:]), []


def relative(path):
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_modules_import_only_from_their_stage_and_below(path):
    own = stage_of(relative(path))
    for target, names in imports(path):
        targets = [f"{target}/{name}" for name in names] if target else names
        for name in targets or [target]:
            if name.endswith("__") and not name.endswith("__init__"):  # __version__
                continue
            assert stage_of(name) <= own, f"{relative(path)} imports {name} from a stage above"


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_no_module_imports_another_s_private_names(path):
    for target, names in imports(path):
        private = [name for name in names if name.startswith("_") and not name.endswith("__")]
        assert not private, f"{relative(path)} imports {private} from w2v/{target}"


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_files_stay_short(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if relative(path) in LONGER_ALLOWED:
        assert "long" in ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))).lower()
    else:
        assert lines <= MAX_LINES, f"{relative(path)}: {lines} lines"


def message_strings(path):
    """The string literals of a module that are not docstrings (f-strings' literal parts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield node.value


COMMAND_LINE = re.compile(r"(?<![\w-])--[a-z]|\bw2v (train|neighbors|phrases|sentiment|eval)\b")


@pytest.mark.parametrize("path", [p for p in MODULES if relative(p).split("/")[0] in CORE],
                         ids=relative)
def test_core_messages_name_no_flag_and_no_command(path):
    found = [text for text in message_strings(path) if COMMAND_LINE.search(text)]
    assert not found, f"{relative(path)}: command-line text in {found}"
