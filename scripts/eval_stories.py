#!/usr/bin/env python3
"""Issue 19's conversation stories: played through the engine, measured as a person would judge them.

    .venv/bin/python scripts/eval_stories.py                      # dev and held-aside figures (aggregates only)
    .venv/bin/python scripts/eval_stories.py --set dev --show-errors   # the dev misses, one by one
    .venv/bin/python scripts/eval_stories.py --set samples --show-errors --channels   # the format samples, also
                                                                  # through Telegram (fake Bot API) and the web chat
    .venv/bin/python scripts/eval_stories.py --json

Stories: ``tests/data/stories/{dev,heldout,samples}/*.yaml`` (format: /work/brief/DATA-FORMATS.md §2, copied in
docs/quality.md). Each story runs on a fresh SQLite database with the real knowledge base. The simulator sends the
scripted ``turns`` in order, then answers each question of the guichet from ``facts`` (skipping an optional question
whose fact is absent; asked to replace a value it holds by another, « Oui, remplacer » unless the new value
contradicts the facts: a person keeps what they said), and at the summary confirms sending when ``expect.outcome``
is ``filed``. A story ends when its
outcome is reached, when the guichet asks nothing the simulator can answer, or after 25 actions.

Figures: stories ending as expected; facts asked again (a question for a slot that a previous turn's ``gives``
already carried); replies refusing meaningful words (a refusal line answering a message with meaningful words);
actions per story. Held-aside misses are never printed (``--show-errors`` is refused for them).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import statistics
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bot.dialogue import validators as v  # noqa: E402
from bot.dialogue.slots import SLOTS  # noqa: E402
from bot.texts import dialogue as T  # noqa: E402

STORIES = ROOT / "tests" / "data" / "stories"
MAX_ACTIONS = 25
CHANNEL = "eval"
OUTCOMES = ("filed", "not_filed", "status_given", "addition_recorded", "answered", "off_topic_redirected", "handover",
            "other_departement", "no_fit_explained")
ROLE_STORED = {"maire": "maire", "adjoint": "adjoint", "secretaire": "agent", "dgs": "agent",
               "president_epci": "president-epci", "elu": "conseiller", "agent": "agent", "autre": "autre"}
STAGE_BUTTON = {"idee": "idee", "etude": "etude", "pret": "pret", "en_cours": "pret"}
#: The stories' stages (idee, etude, pret, en_cours) have no « projet défini », the step between a study and works
#: ready to start: the writers file an APD validated, an APS delivered or a maître d'œuvre chosen under « etude »
#: (tests/data/stories/dev/104, 106, 110, batch 2's README) as others file a signed quote under « pret ». So the
#: guichet's « projet-defini » is right for either neighbour (it was accepted for « pret » only until issue 19).
STAGE_OK = {"idee": {"idee"}, "etude": {"etude", "projet-defini"}, "pret": {"pret", "projet-defini"},
            "en_cours": {"pret", "projet-defini"}}
HELP_BUTTON = {"financement": "financement", "ingenierie": "ingenierie", "autre": "information"}
STATUS_PATH = {"recue": [], "en_cours": ["en_cours"], "en_attente": ["en_cours", "en_attente"],
               "orientee": ["orientee"], "close": ["traitee"]}
#: Lines that refuse what was said (the person's words were not taken).
REFUSALS = tuple(t for t in (getattr(T, n, None) for n in (
    "USE_BUTTONS", "MENU_HINT", "RECAP_NOT_UNDERSTOOD", "NEED_UNREADABLE", "EMPTY_OR_UNREADABLE", "ROLE_REASK",
    "TIMING_INVALID", "BUDGET_INVALID", "COMMUNE_NOT_FOUND", "NAME_INVALID")) if isinstance(t, str))
_keys = itertools.count(1)


def fold(text: Any) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text.casefold().replace("’", "'")).strip()


# --- what a channel gives back ------------------------------------------------------------------------------------
@dataclass
class Said:
    text: str
    buttons: list[tuple[str, str]]  # (label, data)


@dataclass
class Result:
    id: str
    file: str
    expected: str
    ok: bool
    reached: str | None
    actions: int
    asked_again: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    channel: str = "engine"


def load(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data["_file"] = path.name
        out.append(data)
    return out


# --- the world of one story ---------------------------------------------------------------------------------------
_KB: list[Any] = []


def kb() -> Any:
    if not _KB:
        from knowledge.base import KnowledgeBase

        _KB.append(KnowledgeBase.load("90"))
    return _KB[0]


def settings() -> Any:
    from bot.config import load_settings

    return load_settings(departement="90", flood_max_messages=10**6, staff_chat_id=-1001)


async def open_store(path: Path) -> Any:
    from bot.store.repository import Store

    return await Store.open(f"sqlite:///{path}", departement="90", timezone_name="Europe/Paris")


def commune_of(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    res = kb().resolve(str(name))
    code = res.resolved or (res.candidates[0].code if res.candidates else None)
    place = kb().place(code) if code else None
    return (code, place.name) if place else (None, str(name))


async def prepare(store: Any, story: dict[str, Any], channel: str, user: str) -> None:
    """The state before the story: a remembered person, requests already filed."""
    import datetime as dt

    from bot.store.models import RequestDraft

    before = story.get("before") or {}
    person = before.get("person") or {}
    async with store.unit() as uow:
        if person:
            code, name = commune_of(person.get("commune"))
            phone = v.validate_phone(str(person["phone"])) if person.get("phone") else None
            await uow.save_person(channel, user, name=person.get("name"), phone=phone, email=person.get("email"),
                                  role=ROLE_STORED.get(str(person.get("role") or ""), None), commune_code=code,
                                  commune_name=name)
        for item in before.get("filed") or []:
            code, name = commune_of(item.get("commune") or person.get("commune"))
            rec = await uow.create_request(RequestDraft(
                channel=channel, user_id=user, chat_id=user, commune_code=code, commune_name=name,
                role=ROLE_STORED.get(str(person.get("role") or ""), None), contact_name=person.get("name"),
                email=person.get("email"), description=str(item.get("need") or ""), departement="90",
                consent_at=dt.datetime.now(dt.timezone.utc)))
            for status in STATUS_PATH.get(str(item.get("status") or "recue"), []):
                extra = {"operator": "ademe"} if status == "orientee" else {}
                await uow.set_status(rec.reference, status, "staff:eval", **extra)


class EngineDriver:
    """The engine, called directly (the measured path)."""

    name = "engine"

    def __init__(self, engine: Any, user: str) -> None:
        self.engine = engine
        self.user = user
        self.channel = CHANNEL

    async def send(self, kind: str, value: str) -> list[Said]:
        from bot.dialogue.events import Event

        key = f"s{next(_keys)}"
        if kind == "say":
            ev = Event(self.channel, self.user, self.user, "text", text=value, update_key=key)
        else:
            ev = Event(self.channel, self.user, self.user, "button", data=value, update_key=key)
        replies = await self.engine.handle(ev)
        return [Said(r.text, [(b.label, b.data) for row in r.buttons for b in row]) for r in replies]


# --- the simulator ------------------------------------------------------------------------------------------------
class Player:
    def __init__(self, story: dict[str, Any], driver: Any, store: Any) -> None:
        self.story = story
        self.driver = driver
        self.store = store
        self.facts = story.get("facts") or {}
        self.expect = story.get("expect") or {}
        self.outcome = str(self.expect.get("outcome") or "filed")
        self.replies: list[Said] = []
        self.last: list[Said] = []
        self.actions = 0
        self.given: set[str] = set()
        self.asked_again: list[str] = []
        self.refusals: list[str] = []
        self.helped: set[str] = set()

    async def state(self) -> tuple[str, dict[str, Any]]:
        async with self.store.unit(readonly=True) as uow:
            conv = await uow.get_conversation(self.driver.channel, self.driver.user)
        return (conv.step, dict(conv.data or {})) if conv else ("start", {})

    async def counts(self) -> tuple[int, int]:
        async with self.store.unit(readonly=True) as uow:
            records = await uow.list_requests(channel=self.driver.channel, user_id=self.driver.user)
            appended = 0
            for r in records:
                appended += sum(1 for e in await uow.history(r.reference) if e.kind == "appended")
        return len(records), appended

    async def act(self, kind: str, value: str) -> None:
        before_step, _ = await self.state()
        said = await self.driver.send(kind, value)
        self.actions += 1
        self.replies += said
        self.last = said or self.last
        after_step, _ = await self.state()
        if kind == "say" and v.meaningful_words(value):
            for r in said:
                if any(line in r.text for line in REFUSALS):
                    self.refusals.append(f"{value[:50]!r} -> {r.text[:70]!r}")
        if after_step in SLOTS and after_step in self.given and (after_step != before_step or kind == "say"):
            if any(_asks(r.text, after_step) for r in said):
                self.asked_again.append(f"{after_step} after {value[:40]!r}")

    def button(self, pred: Any) -> str | None:
        for r in self.last:
            for label, data in r.buttons:
                if pred(label, data):
                    return data
        return None

    async def reached(self, base: tuple[int, int]) -> bool:
        filed, appended = await self.counts()
        texts = [r.text for r in self.replies]
        o = self.outcome
        if o == "filed":
            return filed > base[0]
        if o == "addition_recorded":
            return appended > base[1]
        if o == "status_given":
            return any(T.STATUS_TITLE in t or T.MY_REQUESTS_TITLE in t for t in texts)
        if o == "answered":
            return any("\nSource : " in t for t in texts)
        if o == "off_topic_redirected":
            from knowledge.redirect import Redirects

            return any(Redirects.load().guichet in t for t in texts)
        if o == "handover":
            _, data = await self.state()
            return bool(data.get("handover"))
        if o == "other_departement":
            return any("hors du périmètre de ce guichet" in t for t in texts)
        if o == "no_fit_explained":
            return any(t.find(T.no_fit_why("")) >= 0 for t in texts)
        return False  # not_filed: judged at the end

    async def answer(self) -> bool:
        """Answer what the guichet asks from the facts; False when there is nothing to answer."""
        extra = getattr(self.driver, "extra_answer", None)  # a channel's own step (the web chat's e-mail code)
        if extra is not None:
            action = await extra(self.last)
            if action is not None:
                return await self._do(*action)
        step, data = await self.state()
        f = self.facts
        if step == "commune" and f.get("commune"):
            return await self._do("say", str(f["commune"]))
        if step == "commune_pick":
            want = fold(f.get("commune"))
            d = self.button(lambda lbl, d: d.startswith("set:commune:") and fold(lbl).startswith(want)) \
                or self.button(lambda lbl, d: d.startswith("set:commune:"))
            return await self._do("press", d)
        if step == "commune_confirm":
            return await self._do("press", self.button(lambda lbl, d: d.startswith("set:commune:")))
        if step == "role" and f.get("role"):
            key = ROLE_STORED.get(str(f["role"]), "autre")
            return await self._do("press", self.button(lambda lbl, d: d == "set:role:" + key))
        if step == "need" and f.get("need"):
            return await self._do("say", str(f["need"]))
        if step == "stage":
            key = STAGE_BUTTON.get(str(f.get("stage") or ""), None)
            if key is None:
                return False
            return await self._do("press", self.button(lambda lbl, d: d == "set:stage:" + key))
        if step == "help":
            kinds = [HELP_BUTTON.get(str(k), "information") for k in (f.get("help") or ["financement"])]
            selected = set(data.get("help_sel") or [])
            todo = [k for k in kinds if k not in selected and k not in self.helped]
            if todo:
                self.helped.add(todo[0])
                return await self._do("press", self.button(lambda lbl, d: d == "add:help:" + todo[0]))
            return await self._do("press", self.button(lambda lbl, d: d == "done:help"))
        if step in ("budget", "timing", "phone", "email", "name"):
            value = f.get(step)
            if value:
                text = f"{int(value):,} €".replace(",", " ") if step == "budget" and str(value).isdigit() else str(value)
                return await self._do("say", text)
            return await self._do("press", self.button(lambda lbl, d: d == f"set:{step}:-"))
        if step == "identity":
            known = (self.story.get("before") or {}).get("person") or {}
            same = known and (not f.get("name") or fold(f.get("name")) == fold(known.get("name")))
            return await self._do("press", self.button(lambda lbl, d: d == ("id:yes" if same else "id:no")))
        if step == "conflict":  # the person keeps what was said when the new reading contradicts the facts
            c = data.get("conflict") or {}
            keep = self.contradicts(str(c.get("slot") or ""), c.get("value"))
            return await self._do("press", self.button(lambda lbl, d: d == ("fix:no" if keep else "fix:yes")))
        if step == "themes_edit":
            return await self._do("press", self.button(lambda lbl, d: d == "done:th"))
        if step in ("recap", "duplicate") and self.outcome == "filed":
            return await self._do("press", self.button(lambda lbl, d: d.startswith(("send:", "dup:new:"))))
        if self.outcome == "filed":
            d = self.button(lambda lbl, d: d.startswith("out:file:"))
            if d:
                return await self._do("press", d)
        if self.outcome == "addition_recorded":
            d = self.button(lambda lbl, d: d.startswith("ar:"))
            if d:
                return await self._do("press", d)
        return False

    def contradicts(self, slot: str, value: Any) -> bool:
        """The value the guichet proposes for ``slot`` is not what the person knows (their story's facts): a stage
        or a role of another kind, a budget off by more than a tenth; unknown slots never contradict."""
        known = self.facts.get(slot)
        if known is None or value is None:
            return False
        if slot == "stage":
            return str(value) not in STAGE_OK.get(str(known), {str(known)})
        if slot == "role":
            return str(value) != ROLE_STORED.get(str(known), str(known))
        if slot == "budget":
            from intents import extract as x

            b = x.find_amount(str(value), asked=True)
            said = (b.high or b.low) if b else None
            return said is not None and abs(float(said) - float(known)) > 0.1 * float(known)
        return False

    async def _do(self, kind: str, value: str | None) -> bool:
        if not value:
            return False
        await self.act(kind, value)
        return True

    async def play(self) -> Result:
        base = await self.counts()
        reached = False
        for turn in self.story.get("turns") or []:
            if self.actions >= MAX_ACTIONS:
                break
            self.given |= set(turn.get("gives") or [])
            if "press" in turn:
                want = fold(turn["press"])
                await self._do("press", self.button(lambda lbl, d: fold(lbl).lstrip("✅ ").startswith(want)))
            else:
                await self.act("say", str(turn.get("say") or ""))
            reached = reached or await self.reached(base)
        while not reached and self.actions < MAX_ACTIONS:
            if not await self.answer():
                break
            reached = await self.reached(base)
        return await self.judge(base, reached)

    async def judge(self, base: tuple[int, int], reached: bool) -> Result:
        why: list[str] = []
        async with self.store.unit(readonly=True) as uow:
            records = await uow.list_requests(channel=self.driver.channel, user_id=self.driver.user)
        new = len(records) - base[0]
        if self.outcome == "not_filed":
            reached = new == 0
        if not reached:
            why.append(f"outcome {self.outcome} not reached")
        elif self.outcome != "filed" and new > 0:
            why.append("a request was filed")
        if self.outcome == "filed" and reached:
            why += check_request(records[0], self.expect)
        if self.outcome == "addition_recorded" and reached:
            async with self.store.unit(readonly=True) as uow:
                target = [r for r in records if any(e.kind == "appended" for e in await uow.history(r.reference))]
            why += check_request(target[0], self.expect) if target else ["no request has the addition"]
        allsaid = fold("\n".join(r.text for r in self.replies))
        for word in self.expect.get("reply_has") or []:
            if fold(word) not in allsaid:
                why.append(f"no reply says {word!r}")
        return Result(id=str(self.story.get("id") or self.story["_file"]), file=self.story["_file"],
                      expected=self.outcome, ok=not why, reached=self.outcome if reached else None,
                      actions=self.actions, asked_again=self.asked_again, refusals=self.refusals, why=why,
                      channel=self.driver.name)


_ASK = {"commune": T.ASK_COMMUNE, "role": T.ASK_ROLE, "need": T.ASK_NEED, "stage": T.ASK_STAGE, "help": T.ASK_HELP,
        "budget": T.ASK_BUDGET, "timing": T.ASK_TIMING, "name": T.ASK_NAME, "phone": T.ASK_PHONE}


def _asks(text: str, slot: str) -> bool:
    q = _ASK.get(slot) or getattr(T, f"ASK_{slot.upper()}", None)
    return bool(q) and q[:25] in text


def check_request(rec: Any, expect: dict[str, Any]) -> list[str]:
    from intents import extract as x

    why = []
    want = expect.get("request") or {}
    for key, value in want.items():
        if key == "commune" and fold(rec.commune_name) != fold(value) \
                and (not rec.commune_code or commune_of(str(value))[0] != rec.commune_code):
            # the same collectivité under another of its names (« CC du Sud Territoire » for « Communauté de
            # communes du Sud Territoire ») is the same: compared through the referential's code
            why.append(f"commune {rec.commune_name!r}")
        elif key == "role" and rec.role != ROLE_STORED.get(str(value), value):
            why.append(f"role {rec.role!r}")
        elif key == "stage" and rec.stage not in STAGE_OK.get(str(value), {value}):
            why.append(f"stage {rec.stage!r}")
        elif key == "budget":
            b = x.find_amount(rec.budget or "", asked=True)
            lo, hi = (b.low or b.high, b.high or b.low) if b else (None, None)
            if lo is None or not (float(lo) * 0.999 <= float(value) <= float(hi) * 1.001):
                why.append(f"budget {rec.budget!r}")
        elif key == "timing" and fold(value) not in fold(rec.timing):
            why.append(f"timing {rec.timing!r}")
        elif key == "name" and fold(rec.contact_name) != fold(value):
            why.append(f"name {rec.contact_name!r}")
        elif key == "phone" and re.sub(r"\D", "", rec.phone or "")[-9:] != re.sub(r"\D", "", str(value))[-9:]:
            why.append(f"phone {rec.phone!r}")
        elif key == "email" and fold(rec.email) != fold(value):
            why.append(f"email {rec.email!r}")
        elif key == "help" and not set(HELP_BUTTON.get(str(h), h) for h in value) <= set(rec.help_kinds or []):
            why.append(f"help {rec.help_kinds!r}")
    need = fold(rec.description)
    for word in expect.get("need_has") or []:
        if fold(word) not in need:
            why.append(f"need lacks {word!r}")
    for word in expect.get("need_lacks") or []:
        if not fold(word):  # a pictograph (« 👋 ») folds to nothing: looked for as written
            if str(word) in (rec.description or ""):
                why.append(f"need has {word!r}")
        elif re.search(r"\b" + re.escape(fold(word)) + r"\b", need):
            why.append(f"need has {word!r}")
    return why


# --- running ------------------------------------------------------------------------------------------------------
async def play_engine(story: dict[str, Any], tmp: Path, n: int) -> Result:
    from bot.dialogue.engine import Engine

    store = await open_store(tmp / f"s{n}.db")
    try:
        user = f"p{n}"
        await prepare(store, story, CHANNEL, user)
        driver = EngineDriver(Engine(kb(), store, settings()), user)
        return await Player(story, driver, store).play()
    finally:
        await store.close()


async def run_set(stories: list[dict[str, Any]]) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, story in enumerate(stories):
            results.append(await play_engine(story, Path(tmp), n))
    return results


def summary(results: list[Result]) -> dict[str, Any]:
    n = len(results)
    ok = sum(r.ok for r in results)
    return {"stories": n, "as_expected": ok, "rate": round(ok / n, 3) if n else None,
            "asked_again": sum(len(r.asked_again) for r in results),
            "refusals": sum(len(r.refusals) for r in results),
            "actions_mean": round(statistics.mean(r.actions for r in results), 1) if n else None,
            "actions_max": max((r.actions for r in results), default=None)}


def show_errors(results: list[Result]) -> None:
    for r in results:
        if r.ok and not r.asked_again and not r.refusals:
            continue
        print(f"  {r.file} [{r.channel}] expected {r.expected}, {r.actions} actions")
        for line in r.why:
            print(f"    ✗ {line}")
        for line in r.asked_again:
            print(f"    ↻ asked again: {line}")
        for line in r.refusals:
            print(f"    ⊘ refused: {line}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=("dev", "heldout", "samples", "both"), default="both")
    ap.add_argument("--dir", type=Path, help="play the stories of this directory instead (a new batch, before it joins dev)")
    ap.add_argument("--show-errors", action="store_true", help="list the misses (dev and samples only)")
    ap.add_argument("--channels", action="store_true",
                    help="also play a sample of the stories through Telegram (fake Bot API) and the web chat (HTTP)")
    ap.add_argument("--sample", type=int, default=3, help="stories per channel with --channels")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    names = ("dev", "heldout") if args.set == "both" else (args.set,)
    if args.dir:
        names = (str(args.dir),)
    out: dict[str, Any] = {}
    for name in names:
        stories = load(args.dir if args.dir else STORIES / name)
        if not stories:
            out[name] = {"stories": 0}
            continue
        results = asyncio.run(run_set(stories))
        out[name] = summary(results)
        if args.channels:
            from story_channels import run_channels  # scripts/story_channels.py

            chan = asyncio.run(run_channels(stories[: args.sample], Player, prepare))
            out[name]["channels"] = {k: summary(v) for k, v in chan.items()}
            results += [r for v in chan.values() for r in v]
        if not args.json:
            s = out[name]
            print(f"{name}: {s['as_expected']}/{s['stories']} as expected ({s['rate']:.0%}), facts asked again "
                  f"{s['asked_again']}, refusals {s['refusals']}, actions mean {s['actions_mean']} (max "
                  f"{s['actions_max']})")
            if name != "heldout":  # per kind of outcome: dev only (finer than an aggregate)
                kinds: dict[str, list[int]] = {}
                for r in results:
                    kinds.setdefault(r.expected, [0, 0])[0] += r.ok
                    kinds[r.expected][1] += 1
                print("  by outcome: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(kinds.items())))
            for ch, cs in (s.get("channels") or {}).items():
                print(f"  via {ch}: {cs['as_expected']}/{cs['stories']} as expected, asked again {cs['asked_again']}, "
                      f"refusals {cs['refusals']}")
        if args.show_errors:
            if name == "heldout":
                print("  (held-aside misses are never shown)")
            else:
                show_errors(results)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
