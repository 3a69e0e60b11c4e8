"""`w2v` subcommands: placeholder, filled in by its owner."""


def register(subparsers):
    pass
