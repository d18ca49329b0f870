"""The platforms' HTTP door (`hwctl serve`, needs `pip install 'hwctl[api]'`): FastAPI over the
application layer. Routes parse HTTP, build a platform context from the bearer token and call
one use case of `hwctl.app`; they never touch the store."""
