"""Conversation stories (tests/conversations/*.yaml) replayed through the real engine, knowledge base and store,
on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.stories import StoryRunner, load_stories

STORIES = load_stories(Path(__file__).resolve().parent.parent / "conversations")


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture
def settings():
    from bot.config import load_settings

    return load_settings(departement="90", flood_max_messages=10_000, staff_chat_id=-1001)


@pytest.fixture
def engine(kb, store, settings):
    from bot.dialogue.engine import Engine

    return Engine(kb=kb, store=store, settings=settings)


def test_there_are_enough_stories() -> None:
    assert len(STORIES) >= 8


@pytest.mark.parametrize("story", STORIES, ids=[s["_file"].removesuffix(".yaml") for s in STORIES])
async def test_story(story, engine, store) -> None:
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise
