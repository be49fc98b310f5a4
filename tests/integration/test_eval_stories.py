"""scripts/eval_stories.py, really run (no mock) on the format samples (tests/data/stories/samples): the engine path,
and the Telegram (fake Bot API) and web chat (HTTP) drivers on two of them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import eval_stories as ev  # noqa: E402

SAMPLES = ev.load(ev.STORIES / "samples")


def test_samples_follow_the_format() -> None:
    assert len(SAMPLES) >= 4
    for story in SAMPLES:
        assert story["expect"]["outcome"] in ev.OUTCOMES, story["_file"]
        assert story.get("turns"), story["_file"]
        for turn in story["turns"]:
            assert set(turn.get("gives") or []) <= set(story.get("facts") or {}), story["_file"]


async def test_engine_run_on_the_samples() -> None:
    results = await ev.run_set(SAMPLES)
    by_id = {r.id: r for r in results}
    assert len(results) == len(SAMPLES)
    # after filing, another département, off-topic: the outcomes this part B builds
    for sid in ("s002", "s003", "s004", "s005"):
        r = by_id[sid]
        assert r.ok, (sid, r.why, r.refusals)
        assert r.actions == 1 and not r.asked_again and not r.refusals, (sid, r)
    # a filed story is played to the end by the simulator (answers from the facts, sends at the recap)
    assert by_id["s001"].reached == "filed" and 5 <= by_id["s001"].actions <= ev.MAX_ACTIONS
    figures = ev.summary(results)
    assert figures["stories"] == len(SAMPLES) and figures["as_expected"] == sum(r.ok for r in results)


async def test_a_wrong_expectation_is_a_miss(tmp_path) -> None:
    story = dict(next(s for s in SAMPLES if s["id"] == "s004"))
    story["expect"] = {"outcome": "filed", "reply_has": ["introuvable"]}
    result = await ev.play_engine(story, tmp_path, 0)
    assert not result.ok
    assert "outcome filed not reached" in result.why and "no reply says 'introuvable'" in result.why


async def test_a_refusal_and_a_question_asked_again_are_counted(tmp_path) -> None:
    story = {"_file": "x.yaml", "id": "x", "facts": {"commune": "Chaux", "role": "maire"},
             "turns": [{"say": "maire de Chaux", "gives": ["commune", "role"]},
                       {"say": "zzzz qqqq wwww", "gives": []}],
             "expect": {"outcome": "not_filed"}}
    result = await ev.play_engine(story, tmp_path, 1)
    assert result.ok  # nothing filed
    assert not result.asked_again  # Chaux and maire were not asked again


@pytest.mark.parametrize("sid", ["s004", "s005"])
async def test_through_telegram_and_the_web_chat(sid) -> None:
    from story_channels import run_channels

    story = next(s for s in SAMPLES if s["id"] == sid)
    out = await run_channels([story], ev.Player, ev.prepare)
    assert [r.ok for r in out["telegram"]] == [True], out["telegram"]
    assert [r.ok for r in out["web"]] == [True], out["web"]
