"""The application layer: the use cases, the only way in for every door (the CLI for
super-admins, the HTTP API for platforms).

Each use case is one function taking a `Context` first (the store, the principal, a clock;
`hwctl.app.context`), checking the one authorisation rule, doing its work in one transaction
with its audit entry, and returning plain views (`hwctl.app.views`), never ORM rows. Errors
are `hwctl.errors` kinds with a code and fields; no use case names a command-line option.
They never print or prompt.
"""
