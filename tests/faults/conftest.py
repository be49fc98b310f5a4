"""Fixtures of the fault, abuse and privacy tests: the e2e fixtures (fake Bot API, a bot in process) are reused."""

from __future__ import annotations

from tests.e2e.conftest import bot, fake  # noqa: F401 - re-exported fixtures
