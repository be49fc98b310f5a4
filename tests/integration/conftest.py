"""Fixtures shared by the engine's integration tests: the knowledge base (loaded once per module), settings with
flood control out of reach, and an engine on the parametrised ``store`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture
def settings():
    from bot.config import load_settings

    return load_settings(departement="90", flood_max_messages=100_000, staff_chat_id=-1001)


@pytest.fixture
def engine(kb, store, settings):
    from bot.dialogue.engine import Engine

    return Engine(kb=kb, store=store, settings=settings)
