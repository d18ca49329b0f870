"""Fixtures shared by the CLI's prompt tests."""

from __future__ import annotations

import pytest

from hwctl.cli import prompts


@pytest.fixture
def confirmations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The yes/no questions asked, in order (each still answered from the keyboard)."""
    asked: list[str] = []
    real = prompts.confirm

    def observed(question: str, **kw) -> bool:  # noqa: ANN003
        asked.append(question)
        return real(question, **kw)

    monkeypatch.setattr(prompts, "confirm", observed)
    return asked
