"""Replays conversation stories (YAML, see ``tests/conversations/``) through the real engine (used by the tests).

A story is a list of steps. Each step does one thing, as the person would:

* ``say: text`` — a typed message (``reply_to: text`` — as a reply to a message saying this); ``command: /start`` — a command; ``press: label`` — the button with this label
  (or whose label starts with it) among the last replies (fails when absent); ``press_data: raw`` — a button with raw (possibly forged) data;
  ``contact: "+33…"`` — the platform's contact share; ``photo: true`` — unsupported content;
* ``staff: take | ask <question> | route <operator> | close`` — a staff action on the person's newest request,
  through ``bot.staff.service`` (no reply from the engine; check with ``expect_outbox``); ``staff: reply <text>`` —
  a staff member replies in the group to the newest message relayed from this person (a handover);
* ``as: user-id`` (optional) — who acts (default ``user`` of the story, or ``mayor``);
* ``repeat_last: true`` — deliver the previous event again with the same update key (a redelivery);
* ``press_again: true`` — press the person's previous button again (a new update: a double tap, an old copy);

and checks what the assistant says back:

* ``expect: [substrings]`` (case-insensitive, over all reply texts), ``expect_not: [substrings]``;
* ``expect_buttons: [labels]`` (each must be offered), ``expect_contact_request: true``;
* ``expect_silent: true`` — no reply at all;
* ``expect_requests: N`` — requests stored for this person; ``expect_request: {field: value}`` — fields of their
  newest request (a list value means "contains all of these");
* ``expect_step: name`` — the stored conversation step;
* ``{ref}`` anywhere in a step — the newest reference of the story's ``user``;
* ``expect_outbox: [substrings]`` — pending outbox messages addressed to this person contain these;
* ``expect_staff: [substrings]`` — pending outbox messages to the staff group contain these.
"""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from bot.dialogue.events import Event, Reply
from bot.texts import dialogue as T

CHANNEL = "test"
_counter = itertools.count(1)


def load_stories(directory: Path) -> list[dict[str, Any]]:
    stories = []
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.setdefault("name", path.stem)
        data["_file"] = path.name
        stories.append(data)
    return stories


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("\u202f", " ").replace("\u00a0", " ")


def _label(label: str) -> str:
    return label[2:] if label.startswith("✅ ") else label


class StoryRunner:
    def __init__(self, engine: Any, store: Any, default_user: str = "mayor") -> None:
        self.engine = engine
        self.store = store
        self.default_user = default_user
        self.last: dict[str, list[Reply]] = {}
        self.last_event: Event | None = None
        self.transcript: list[str] = []
        self.last_button: dict[str, str] = {}
        self.default_ref_user: str | None = None

    def _event(self, user: str, kind: str, **kw: Any) -> Event:
        return Event(channel=CHANNEL, user_id=user, chat_id=user, kind=kind,
                     update_key=f"story:{next(_counter)}", **kw)

    def event_for(self, step: dict[str, Any], user: str) -> Event:
        if "say" in step:
            return self._event(user, "text", text=str(step["say"]), reply_to=step.get("reply_to"))
        if "command" in step:
            raw = str(step["command"]).lstrip("/")
            name, _, args = raw.partition(" ")
            return self._event(user, "command", command=name, text=args or None)
        if "press" in step:
            wanted = _fold(str(step["press"]))
            offered_buttons = [b for r in self.last.get(user, []) for row in r.buttons for b in row]
            for b in offered_buttons:  # exact label first, then a label starting with the words given
                if _fold(_label(b.label)) == wanted:
                    return self._event(user, "button", data=b.data)
            for b in offered_buttons:
                if _fold(_label(b.label)).startswith(wanted):
                    return self._event(user, "button", data=b.data)
            offered = [b.label for r in self.last.get(user, []) for row in r.buttons for b in row]
            raise AssertionError(f"no button {step['press']!r} offered; offered: {offered}")
        if step.get("press_again"):
            data = self.last_button.get(user)
            assert data is not None, f"no button pressed before: {step}"
            return self._event(user, "button", data=data)
        if "press_data" in step:
            return self._event(user, "button", data=str(step["press_data"]))
        if "contact" in step:
            return self._event(user, "contact", phone=str(step["contact"]))
        if step.get("photo"):
            return self._event(user, "unsupported")
        raise AssertionError(f"step does nothing: {step}")

    async def run(self, story: dict[str, Any]) -> None:
        default = str(story.get("user", self.default_user))
        self.default_ref_user = default
        for i, step in enumerate(story["steps"], 1):
            where = f"{story.get('_file', story['name'])} step {i} {({k: step[k] for k in step if not k.startswith('expect')})}"
            user = str(step.get("as", default))
            if "staff" in step:
                await self.staff_action(str(step["staff"]), user, where)
                await self.check(step, [], "", user, where, staff=True)
                continue
            step = await self.with_reference(step, user)
            if step.get("repeat_last"):
                assert self.last_event is not None, where
                event = self.last_event
            else:
                event = self.event_for(step, user)
            replies = await self.engine.handle(event)
            self.last_event = event
            if event.kind == "button" and event.data is not None:
                self.last_button[user] = event.data
            if replies:
                self.last[user] = replies
            text = "\n".join(r.text for r in replies)
            self.transcript.append(f"--- {where}\n{text}")
            await self.check(step, replies, text, user, where)

    async def with_reference(self, step: dict[str, Any], user: str) -> dict[str, Any]:
        """``{ref}`` in a step stands for the person's newest request reference."""
        if "{ref}" not in str(step):
            return step
        async with self.store.unit() as uow:
            records = await uow.list_requests(channel=CHANNEL, user_id=self.default_ref_user or user)
        ref = records[0].reference if records else "00-0000-0000"

        def sub(value: Any) -> Any:
            if isinstance(value, str):
                return value.replace("{ref}", ref)
            if isinstance(value, list):
                return [sub(v) for v in value]
            if isinstance(value, dict):
                return {k: sub(v) for k, v in value.items()}
            return value

        return sub(step)

    async def staff_action(self, action: str, user: str, where: str) -> None:
        from bot.staff import service
        from bot.store.models import STAFF_CHANNEL

        verb, _, arg = action.partition(" ")
        if verb == "reply":
            async with self.store.unit() as uow:
                relayed = [m for m in await uow.due_outbox(limit=10_000) if m.channel == STAFF_CHANNEL
                           and (m.meta.get("relay_to") or {}).get("chat_id") == user]
                assert relayed, f"{where}: nothing relayed to staff from {user}"
                message_id = f"story-{next(_counter)}"
                await uow.mark_sent(relayed[-1].id, message_id)
                result = await service.relay_to_mayor(uow, arg, "staff:story", reply_to_message_id=message_id)
            assert result.ok, f"{where}: {result}"
            return
        async with self.store.unit() as uow:
            records = await uow.list_requests(channel=CHANNEL, user_id=user)
            assert records, f"{where}: no request to act on"
            ref = records[0].reference
            if verb == "take":
                result = await service.take_charge(uow, ref, "staff:story")
            elif verb == "ask":
                result = await service.ask_details(uow, ref, arg, "staff:story")
            elif verb == "route":
                result = await service.route(uow, ref, arg, "staff:story")
            elif verb == "close":
                result = await service.close(uow, ref, arg or "traitee", "staff:story")
            else:
                raise AssertionError(f"{where}: unknown staff action {action!r}")
        assert result.ok, f"{where}: {result}"

    async def check(self, step: dict[str, Any], replies: list[Reply], text: str, user: str, where: str,
                    staff: bool = False) -> None:
        if "expect_outbox" in step:
            async with self.store.unit() as uow:
                rows = [m for m in await uow.due_outbox(limit=10_000) if m.channel == CHANNEL and m.chat_id == user]
            outbox = _fold("\n".join(m.text for m in rows))
            for want in step["expect_outbox"]:
                assert _fold(str(want)) in outbox, f"{where}: expected {want!r} in the outbox:\n{outbox}"
        if "expect_staff" in step:
            from bot.store.models import STAFF_CHANNEL

            async with self.store.unit() as uow:
                rows = [m for m in await uow.due_outbox(limit=10_000) if m.channel == STAFF_CHANNEL]
            outbox = _fold("\n".join(m.text for m in rows))
            for want in step["expect_staff"]:
                assert _fold(str(want)) in outbox, f"{where}: expected {want!r} in the staff outbox:\n{outbox}"
        if staff:
            return
        folded = _fold(text)
        for want in step.get("expect", []) or []:
            assert _fold(str(want)) in folded, f"{where}: expected {want!r} in:\n{text}"
        for unwanted in step.get("expect_not", []) or []:
            assert _fold(str(unwanted)) not in folded, f"{where}: did not expect {unwanted!r} in:\n{text}"
        raw = [_fold(b.label) for r in replies for row in r.buttons for b in row]
        labels = raw + [_fold(_label(b.label)) for r in replies for row in r.buttons for b in row]
        for label in step.get("expect_buttons", []) or []:
            assert _fold(str(label)) in labels, f"{where}: expected button {label!r}, got {raw}"
        if step.get("expect_contact_request"):
            assert any(r.request_contact for r in replies), f"{where}: expected a request for the phone number"
        if step.get("expect_silent"):
            assert replies == [], f"{where}: expected no reply, got {text!r}"
        elif not step.get("repeat_last"):
            assert replies, f"{where}: no reply"
            for r in replies:
                assert r.text.strip(), f"{where}: empty reply"
                assert r.text not in (T.INTERNAL_ERROR, T.UNAVAILABLE), f"{where}: {r.text}"
                assert len(r.text) <= 4096, f"{where}: reply too long ({len(r.text)})"
                for row in r.buttons:
                    for b in row:
                        assert len(b.data.encode("utf-8")) <= 64, f"{where}: button data too long {b.data!r}"
        if "expect_requests" in step or "expect_request" in step:
            async with self.store.unit() as uow:
                records = await uow.list_requests(channel=CHANNEL, user_id=user)
            if "expect_requests" in step:
                assert len(records) == step["expect_requests"], f"{where}: {len(records)} requests stored"
            if "expect_request" in step:
                assert records, f"{where}: no request stored"
                rec = records[0].model_dump()
                for field, value in step["expect_request"].items():
                    got = rec.get(field)
                    if isinstance(value, list):
                        assert got is not None and all(x in got for x in value), f"{where}: {field}={got!r}"
                    else:
                        assert got == value, f"{where}: {field}={got!r}, expected {value!r}"
        if "expect_step" in step:
            async with self.store.unit() as uow:
                conv = await uow.get_conversation(CHANNEL, user)
            assert conv is not None and conv.step == step["expect_step"], f"{where}: step {conv and conv.step}"
