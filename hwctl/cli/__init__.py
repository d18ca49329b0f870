"""The command line: thin commands that parse, call one service and render.

Nothing here imports SQLAlchemy, SQLModel or questionary at module level, so `--help` and TAB
completion stay fast (a test guards this). Command modules also avoid
`from __future__ import annotations`: with string annotations Typer evaluates (compiles) every
parameter's annotation at start-up, about 18 ms of every --help and TAB.
"""
