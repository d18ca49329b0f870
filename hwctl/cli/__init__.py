"""The command line: thin commands that parse, call one service and render.

Nothing here imports SQLAlchemy, SQLModel or questionary at module level, so `--help` and TAB
completion stay fast (a test guards this).
"""
