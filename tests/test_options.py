"""Every training option declared once: the CLI's flags and help, w2v.train's signature, the
validation and the documentation's option table all come from the declarations."""

import dataclasses
import inspect
import pathlib
import sys

import pytest

import w2v
from w2v.cli import build_parser, command_parser
from w2v.errors import ParameterError
from w2v.training.cluster.config import ClusterConfig
from w2v.training.options import RunOptions, TrainConfig, declared, flag_of, help_of

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
import options_table  # noqa: E402

CONFIGS = (TrainConfig, RunOptions, ClusterConfig)
PYTHON_OPTIONS = [f for cls in CONFIGS for f in declared(cls, "python")]
CLI_OPTIONS = [f for cls in CONFIGS for f in declared(cls, "cli")]


def test_the_documented_table_is_the_declarations_table():
    text = options_table.PAGE.read_text(encoding="utf-8")
    assert options_table.page_table(text) == options_table.table(), \
        "docs/guide/training.md's option table differs from the declarations: " \
        "python scripts/options_table.py --write"


def test_train_s_signature_shows_every_option_keyword_only():
    parameters = inspect.signature(w2v.train).parameters
    assert list(parameters) == ["corpus"] + [f.name for f in PYTHON_OPTIONS]
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for field in PYTHON_OPTIONS:
        parameter = parameters[field.name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        assert parameter.default == field.default, field.name
        assert " ".join(help_of(field).split()) in " ".join(w2v.train.__doc__.split())


def test_every_cli_option_has_its_flag_and_help():
    train = command_parser(build_parser(), "train")
    actions = {}
    for action in train._actions:  # the first of a dest's flags: the option's own
        actions.setdefault(action.dest, action)
    for field in CLI_OPTIONS:
        action = actions[field.name]
        assert flag_of(field) in action.option_strings
        assert action.default is None, f"{field.name}: a given value must be told from none"
        names = {f.name: flag_of(f) for f in CLI_OPTIONS}
        assert help_of(field, names) in action.help
        assert "{" not in action.help, f"an unrendered option mark in {field.name}'s help"
    opposite = [a for a in train._actions if a.option_strings == ["--cbow-sum"]]
    assert opposite and opposite[0].dest == "cbow_mean" and opposite[0].const is False


def test_python_only_options_have_no_flag():
    train = command_parser(build_parser(), "train")
    dests = {action.dest for action in train._actions}
    for name in ("callbacks", "callback_words", "progress"):
        assert name not in dests


@pytest.mark.parametrize("field", [f for f in PYTHON_OPTIONS if f.metadata["check"]],
                         ids=lambda f: f.name)
def test_each_check_refuses_a_bad_value_naming_the_option(field):
    bad = {int: -1, float: float("nan"), str: "nonsense"}
    kind = type(field.default) if field.default not in (None, ()) else (
        str if field.metadata["choices"] else float)
    value = bad.get(kind, -1)
    config_class = next(cls for cls in CONFIGS if field in dataclasses.fields(cls))
    with pytest.raises(ParameterError) as caught:
        config_class(**{field.name: value}).validate()
    assert caught.value.parameters[0] == field.name
    assert str(caught.value).startswith(f"{field.name} must be")


def test_a_gensim_user_s_workers_is_told_what_it_is_here(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    with pytest.raises(ParameterError, match="gensim's name for threads: threads=N; Dask worker "
                                             "processes are dask_workers=N"):
        w2v.train(str(corpus), workers=4)
    with pytest.raises(ParameterError, match=r"'dims' \(did you mean 'dim'\?\)"):
        w2v.train(str(corpus), dims=4)
