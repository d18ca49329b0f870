"""Pure domain rules: no I/O, no SQL, no terminal. Standard library only."""
