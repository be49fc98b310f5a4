"""The intake conversation engine: events in, replies out, state in the database. Transport-free.

One :meth:`Engine.handle` call is one database unit: the update mark, the conversation state, a filed request and its
outbox rows are committed together, or not at all.

State (``ConversationState.step`` and ``.data``) is plain JSON:

* ``step``: the question being asked (see :data:`bot.dialogue.steps.STEPS`);
* ``data["buttons"]``: the button data valid for that question (anything else pressed is stale or forged);
* ``data["draft"]``: the answers collected so far;
* a few step-local keys (``candidates``, ``theme_sel``, ``help_sel``, ``need_partial``, ``back_to_recap``,
  ``resume_step``, ``prev_step``, ``dup_ref``, ``awaiting``).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import re
import time
from collections import deque
from typing import Any, Callable

from bot.dialogue import validators as v
from bot.dialogue.events import Button, Event, Reply
from bot.dialogue.steps import (
    AGENT_DATA,
    BUTTON_STEPS,
    EDIT_GROUPS,
    FREE_TEXT_STEPS,
    INTAKE_STEPS,
    next_step_after,
)
from bot.texts import dialogue as T

log = logging.getLogger(__name__)

COMMANDS = {
    "start", "demande", "question", "mesdemandes", "agent", "aide", "annuler", "recommencer", "mesdonnees", "supprimer",
}
DUPLICATE_WINDOW = dt.timedelta(days=30)
#: Steps without an intake in progress (no reminder is sent for them).
IDLE_STEPS: tuple[str, ...] = ("start", "menu", "question", "erase_confirm")
#: Buttons of the reminder message queued by the Telegram jobs (valid whatever the step).
REMINDER_RESUME = "reminder:resume"
REMINDER_DROP = "reminder:drop"
MAX_CANDIDATE_BUTTONS = 6
#: The timing question's "Passer": distinct from the budget's "skip" that comes just before, so that a double tap on
#: the budget's button is stale at the timing question instead of skipping it too.
TIMING_SKIP = "tskip"
#: Channels without flood control: the terminal chat is used by whoever runs the process (often with piped input).
FLOOD_EXEMPT_CHANNELS = frozenset({"console"})


def _log_exc(msg: str, *args: Any) -> None:
    """Log the exception being handled: its type and frames, never its message (it may quote personal data)."""
    import sys

    from bot.logsafe import safe_traceback

    log.error(msg + "\n%s", *args, safe_traceback(sys.exc_info()[1]))


def _db_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, asyncio.TimeoutError, ConnectionError]
    try:
        from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as SATimeout

        errors += [DBAPIError, OperationalError, SATimeout]
    except ImportError:  # pragma: no cover
        pass
    try:
        import asyncpg

        errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from bot.store.repository import ConcurrentUpdate, StoreUnavailable

        errors += [StoreUnavailable, ConcurrentUpdate]
    except ImportError:  # pragma: no cover
        pass
    try:
        import sqlite3

        errors += [sqlite3.OperationalError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


DB_ERRORS = _db_errors()


def _norm(text: str) -> str:
    try:
        from intents.normalize import normalize

        return normalize(text)
    except Exception:  # pragma: no cover - intents not available
        return re.sub(r"\W+", " ", text.lower()).strip()


def _value(x: Any) -> str:
    return getattr(x, "value", x)


class Engine:
    def __init__(self, kb: Any, store: Any, settings: Any, clock: Callable[[], float] | None = None,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self.kb = kb
        self.store = store
        self.settings = settings
        self._clock = clock or time.monotonic
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self._flood: dict[tuple[str, str], deque[float]] = {}
        self._flood_warned: dict[tuple[str, str], float] = {}
        try:
            self._vocabulary = set(getattr(kb, "vocabulary", None) or ())
        except Exception:
            self._vocabulary = set()

    # --- flood control (in memory, per person) ---------------------------------------------------------------
    def _flooding(self, event: Event) -> tuple[bool, bool]:
        """(over the limit, first time told in this window)."""
        key = (event.channel, str(event.user_id))
        now = self._clock()
        window = float(self.settings.flood_window_seconds)
        q = self._flood.setdefault(key, deque())
        while q and now - q[0] >= window:
            q.popleft()
        q.append(now)
        if len(q) <= int(self.settings.flood_max_messages):
            self._flood_warned.pop(key, None)
            return False, False
        warned_at = self._flood_warned.get(key)
        if warned_at is not None and now - warned_at < window:
            return True, False
        self._flood_warned[key] = now
        return True, True

    # --- entry point ----------------------------------------------------------------------------------------
    async def handle(self, event: Event) -> list[Reply]:
        if not isinstance(event, Event) or not event.channel or event.chat_id in (None, "") or event.user_id in (None, ""):
            return [Reply(T.INTERNAL_ERROR)]
        if event.channel not in FLOOD_EXEMPT_CHANNELS:
            over, tell = self._flooding(event)
            if over:
                return [Reply(T.FLOOD)] if tell else []
        try:
            async with self.store.unit() as uow:
                if event.update_key is not None and not await uow.mark_update_handled(event.update_key):
                    return []
                turn = Turn(self, uow, event)
                await turn.load()
                replies = await turn.run()
                await turn.save()
                turn.close_phone_keyboard(replies)
                # issue 14: durable channels (Telegram) reply through the outbox, written in this same unit
                from bot.dialogue.delivery import queue_replies

                replies = await queue_replies(uow, event, replies)
            return replies
        except DB_ERRORS as exc:
            log.warning("database unavailable while handling an update: %s", type(exc).__name__)
            return [Reply(T.UNAVAILABLE)]
        except Exception:
            _log_exc("error while handling an update (channel=%s)", event.channel)
            return [Reply(T.INTERNAL_ERROR)]


class Turn:
    """One event handled against one conversation state."""

    def __init__(self, engine: Engine, uow: Any, event: Event) -> None:
        self.e = engine
        self.kb = engine.kb
        self.s = engine.settings
        self.uow = uow
        self.ev = event
        self.conv: Any = None
        self.step = "start"
        self.st: dict[str, Any] = {}
        self._orig: tuple[str, dict[str, Any]] | None = None
        self.first_contact = False

    # --- persistence ------------------------------------------------------------------------------------------
    async def load(self) -> None:
        self.conv = await self.uow.get_conversation(self.ev.channel, str(self.ev.chat_id))
        if self.conv is None:
            from bot.store.models import ConversationState

            self.first_contact = True
            self.conv = ConversationState(channel=self.ev.channel, chat_id=str(self.ev.chat_id),
                                          user_id=str(self.ev.user_id), step="start", data={})
        self.step = self.conv.step or "start"
        self.st = copy.deepcopy(self.conv.data or {})
        self._orig = (self.step, copy.deepcopy(self.st))

    async def save(self) -> None:
        if self.first_contact or (self.step, self.st) != self._orig:
            self.conv.step = self.step
            self.conv.data = self.st
            await self.uow.save_conversation(self.conv)

    def close_phone_keyboard(self, replies: list[Reply]) -> None:
        """Leaving the phone question another way than sharing the number: the channel removes its contact keyboard."""
        if self._orig and self._orig[0] == "phone" and self.step != "phone" and replies:
            if not any(r.request_contact or r.remove_keyboard for r in replies):
                target = next((r for r in replies if not r.buttons), replies[0])
                target.remove_keyboard = True

    @property
    def draft(self) -> dict[str, Any]:
        return self.st.setdefault("draft", {})

    @property
    def actor(self) -> str:
        return f"{self.ev.channel}:{self.ev.user_id}"

    # --- dispatch -------------------------------------------------------------------------------------------------
    async def run(self) -> list[Reply]:
        ev = self.ev
        out: list[Reply] = []
        if self.first_contact or self.step == "start":
            out += self.welcome()
            self.goto("menu")
            if ev.kind == "command" and self._command_name() not in ("start", None):
                return out[:-1] + await self.on_command()
            if ev.kind == "text" and self._is_question(v.clean_text(ev.text)):
                return out[:-1] + await self.answer_question(v.clean_text(ev.text), reprompt=True)
            return out
        if ev.kind == "command":
            return await self.on_command()
        if ev.kind == "button":
            return await self.on_button(ev.data or "")
        if ev.kind == "contact":
            if self.step == "phone":
                return await self.step_phone(ev.phone or "", from_platform=True)
            return [Reply(T.CONTACT_NOT_EXPECTED)] + self.prompt()
        if ev.kind == "text":
            return await self.on_text(ev.text or "")
        return [Reply(T.UNSUPPORTED)] + self.prompt()

    def _command_name(self) -> str | None:
        raw = (self.ev.command or self.ev.text or "").strip()
        name = raw.lstrip("/").split("@", 1)[0].split(None, 1)[0].lower() if raw.strip("/") else ""
        return name if name in COMMANDS else None

    # --- navigation ------------------------------------------------------------------------------------------
    def goto(self, step: str) -> None:
        self.step = step

    def in_intake(self) -> bool:
        return self.step in INTAKE_STEPS

    def welcome(self) -> list[Reply]:
        notice = T.privacy_short(self.s.controller, self.s.privacy_url, self.s.retention_closed_months,
                                 self.s.retention_unfinished_days, self.s.controller_contact)
        return [Reply(T.WELCOME), Reply(notice)] + self.menu()

    def menu(self, text: str = T.MENU_PROMPT) -> list[Reply]:
        self.goto("menu")
        buttons = self._set_buttons([[Button(T.MENU_FILE, "m:file")], [Button(T.MENU_QUESTION, "m:question")],
                                     [Button(T.MENU_TRACK, "m:track")]])
        return [Reply(text, buttons)]

    def _set_buttons(self, rows: list[list[Button]]) -> list[list[Button]]:
        """Offer these buttons: only their data is valid from now on (labels kept to understand a typed label)."""
        self.st["buttons"] = [b.data for row in rows for b in row]
        self.st["labels"] = {b.data: _strip_mark(b.label) for row in rows for b in row}
        return rows

    def _no_buttons(self) -> None:
        self.st["buttons"] = []
        self.st["labels"] = {}

    # --- commands -------------------------------------------------------------------------------------------
    async def on_command(self) -> list[Reply]:
        name = self._command_name()
        if name is None:
            return [Reply(T.UNKNOWN_COMMAND)] + self.prompt()
        if name == "start":
            if self.in_intake():
                self.st["resume_step"] = self.step
            return self.welcome()
        if name == "demande":
            return self.start_or_resume_intake()
        if name == "question":
            return self.question_mode()
        if name == "mesdemandes":
            return await self.my_requests()
        if name == "agent":
            # "/agent <message>": the message is relayed with the handoff
            return await self.handoff(v.clean_text(self.ev.text) if self.ev.kind == "command" and self.ev.text else None)
        if name == "aide":
            full = T.privacy_full(self.s.controller, self.s.controller_contact, self.s.privacy_url,
                                  self.s.retention_closed_months, self.s.retention_unfinished_days)
            return [Reply(T.HELP_COMMANDS), Reply(full)] + self.prompt()
        if name == "annuler":
            return self.ask_cancel()
        if name == "recommencer":
            return [Reply(T.RESTARTED)] + self.start_intake()
        if name == "mesdonnees":
            return await self.my_data()
        if name == "supprimer":
            if self.step not in ("erase_confirm", "cancel_confirm"):
                self.st["prev_step"] = self.step
            self.goto("erase_confirm")
            return self.prompt()
        return self.prompt()  # pragma: no cover

    def ask_cancel(self) -> list[Reply]:
        has_draft = self.in_intake() or bool(self.st.get("resume_step"))
        if not has_draft:
            return [Reply(T.NOTHING_TO_CANCEL)] + self.prompt()
        if self.step not in ("cancel_confirm", "erase_confirm"):
            self.st["prev_step"] = self.step
        self.goto("cancel_confirm")
        return self.prompt()

    def clear_draft(self) -> None:
        for key in ("draft", "candidates", "theme_sel", "help_sel", "need_partial", "need_more_asked",
                    "back_to_recap", "resume_step", "dup_ref", "pending_need"):
            self.st.pop(key, None)

    def start_intake(self) -> list[Reply]:
        self.clear_draft()
        self.goto("commune")
        return self.prompt()

    def start_or_resume_intake(self) -> list[Reply]:
        resume = self.st.pop("resume_step", None)
        if self.in_intake():
            return [Reply(T.RESUME)] + self.prompt()
        if resume in INTAKE_STEPS:
            self.goto(resume)
            return [Reply(T.RESUME)] + self.prompt()
        return self.start_intake()

    def question_mode(self) -> list[Reply]:
        if self.in_intake():
            self.st["resume_step"] = self.step
        self.goto("question")
        return self.prompt()

    # --- buttons --------------------------------------------------------------------------------------------
    async def on_button(self, data: str) -> list[Reply]:
        if data == AGENT_DATA:
            return await self.handoff(None)
        # Buttons of the reminder sent by the Telegram jobs (bot.channels.telegram.jobs), valid at any step.
        if data == REMINDER_RESUME:
            if self.in_intake() or self.st.get("resume_step") in INTAKE_STEPS:
                return self.start_or_resume_intake()
            return self.menu()
        if data == REMINDER_DROP:
            if self.in_intake() or self.st.get("resume_step"):
                if not self.in_intake():
                    self.goto(self.st.pop("resume_step"))
                return self.ask_cancel()
            return self.menu()
        if not isinstance(data, str) or data not in (self.st.get("buttons") or []):
            # Stale (an old message, a double tap) or forged: refused, and recorded in the audit trail (the step and
            # the size of the data, not the data itself, which the sender controls).
            await self.uow.log_event(None, self.actor, "button_refused",
                                     {"channel": self.ev.channel, "step": self.step,
                                      "bytes": len(str(data or "").encode("utf-8", "replace"))})
            return [Reply(T.STALE_BUTTON)] + self.prompt()
        return await self.on_choice(data)

    async def on_choice(self, data: str) -> list[Reply]:
        """A valid button of the current step (pressed, or its label typed)."""
        step = self.step
        if data.startswith("m:"):
            what = data[2:]
            if what == "file":
                return self.start_or_resume_intake()
            if what == "question":
                return self.question_mode()
            if what == "track":
                return await self.my_requests()
            if what == "menu":
                return self.menu()
        handler = getattr(self, f"choice_{step}", None)
        if handler is None:  # pragma: no cover - a step without buttons never stores any
            return self.prompt()
        return await handler(data)

    # --- text -----------------------------------------------------------------------------------------------------
    async def on_text(self, raw: str) -> list[Reply]:
        text = v.clean_text(raw)
        if text.startswith("/"):
            self.ev.command = text
            if self._command_name():
                return await self.on_command()
        if v.is_meaningless(text):
            return [Reply(T.EMPTY_OR_UNREADABLE)] + self.prompt()
        norm = _norm(text[:200])
        # Words that act as commands wherever the person is.
        if norm in ("annuler", "abandonner", "stop"):
            return self.ask_cancel()
        if norm in ("recommencer", "tout recommencer"):
            return [Reply(T.RESTARTED)] + self.start_intake()
        if norm in ("aide", "help"):
            self.ev.command = "/aide"
            return await self.on_command()
        if norm == "menu" and not self.in_intake():
            return self.menu()
        if self.step != "role" and self._wants_agent(norm):
            return await self.handoff(text)
        # A staff question awaiting the mayor's answer: the next free text outside an intake is the answer.
        awaiting = self.st.get("awaiting")
        if awaiting and self.step not in FREE_TEXT_STEPS and self.step not in ("cancel_confirm", "erase_confirm"):
            replies = await self.deliver_answer(awaiting, text)
            if replies:
                return replies
        # A typed button label.
        data = self._typed_choice(norm)
        if data is not None:
            return await self.on_choice(data)
        step = self.step
        if step in FREE_TEXT_STEPS:
            handler = getattr(self, f"step_{step}")
            return await handler(text)
        if step == "question":
            return await self.answer_question(text, reprompt=True)
        if step == "menu":
            return await self.menu_text(text, norm)
        if step in ("commune_confirm", "commune_pick") and not self._is_question(text):
            # Another name typed instead of answering: look it up.
            replies = await self.step_commune(text)
            return replies if self.step != step or self.st.get("candidates") != self._orig[1].get("candidates") \
                else replies + self.prompt()
        # A step answered by buttons: a question is answered, anything else re-asked.
        if self._is_question(text):
            return await self.answer_question(text, reprompt=True)
        return [Reply(T.USE_BUTTONS)] + self.prompt()

    def _typed_choice(self, norm: str) -> str | None:
        if not norm or self.step in ("commune",):
            return None
        labels = self.st.get("labels") or {}
        valid = self.st.get("buttons") or []
        normed = {data: _norm(labels.get(data) or "") for data in valid}
        for data, label in normed.items():
            if label and label == norm:
                return data
        if len(norm) >= 4:  # the start of exactly one label ("ingenierie" for "Ingénierie (étude, conseil)")
            starts = [d for d, label in normed.items() if label.startswith(norm + " ")]
            if len(starts) == 1:
                return starts[0]
        if norm in ("oui", "o", "yes", "ok", "d accord", "oui c est ca", "c est ca", "exact"):
            for data in ("y", "ok", "send", "consent", "x:yes"):
                if data in valid:
                    return data
        if norm in ("non", "n", "no", "pas du tout"):
            if "n" in valid:
                return "n"
            if "fix" in valid:
                return "fix"
            if "x:no" in valid:
                return "x:no"
        if norm in ("passer", "suivant", "je passe", "aucun", "aucune", "non merci", "non", "rien"):
            for data in ("skip", TIMING_SKIP):
                if data in valid:
                    return data
        if self.step == "role":
            return _guess_role(norm)
        if self.step == "stage":
            return _guess_stage(norm)
        return None

    def _wants_agent(self, norm: str) -> bool:
        if norm in ("agent", "un agent", "humain", "un humain", "parler a un agent"):
            return True
        if not re.search(r"\b(parler|joindre|contacter|discuter|echanger)\b.{0,30}\b(agent|humain|quelqu un|conseiller"
                         r"|conseillere|interlocuteur|une personne|quelqu un de la prefecture)\b", norm):
            return False
        # In a free-text answer (the need), only a short sentence is a request for a person.
        return self.step != "need" or len(norm.split()) <= 12

    def _is_question(self, text: str) -> bool:
        if not text:
            return False
        if text.rstrip().endswith("?"):
            return True
        try:
            from intents.classify import classify

            intent = classify(text, self.e._vocabulary)
            return intent.name == "question" and float(intent.confidence) >= 0.6
        except Exception:
            return False

    def _faq(self, text: str) -> Any:
        try:
            return self.kb.answer(text[:1000])
        except Exception:
            _log_exc("kb.answer failed")
            return None

    async def answer_question(self, text: str, reprompt: bool) -> list[Reply]:
        ans = self._faq(text)
        if ans is None:
            out = [Reply(T.FAQ_UNSURE, [[Button(T.FAQ_ASK_AGENT, AGENT_DATA)]])]
        else:
            out = [Reply(T.faq_answer(ans.text, str(ans.source)))]
        if reprompt:
            if self.step == "question":
                out += self.prompt(again=True)
            else:
                out += self.prompt()
        return out

    async def menu_text(self, text: str, norm: str) -> list[Reply]:
        if self._is_question(text):
            return await self.answer_question(text, reprompt=True)
        if re.search(r"\b(mes demandes|ma demande|suivi|suivre|ou en est)\b", norm):
            return await self.my_requests()
        described = len(v.meaningful_words(text)) >= v.MIN_NEED_WORDS
        if re.search(r"\b(deposer|demande|projet|besoin|aide|accompagnement)\b", norm) or described:
            if described and not self.in_intake() and self.st.get("resume_step") not in INTAKE_STEPS:
                # The person described the need straight away: keep it for the need step instead of asking again.
                out = self.start_intake()
                self.st["pending_need"], _ = v.truncate(text, v.NEED_MAX_CHARS)
                return [Reply(T.NEED_KEPT_FROM_START)] + out
            return self.start_or_resume_intake()
        return [Reply(T.MENU_HINT)] + self.prompt()

    # --- prompts (the question of each step; pure function of the state, sets the valid buttons) ------------------
    def prompt(self, again: bool = False) -> list[Reply]:
        fn = getattr(self, f"prompt_{self.step}", None)
        if fn is None:
            return self.menu()
        return fn() if not again else fn(again=True)  # type: ignore[call-arg]

    def prompt_start(self) -> list[Reply]:
        return self.menu()

    def prompt_menu(self) -> list[Reply]:
        return self.menu()

    def prompt_question(self, again: bool = False) -> list[Reply]:
        rows = self._set_buttons([[Button(T.MENU_FILE, "m:file")], [Button(T.MENU_TRACK, "m:track")],
                                  [Button(T.MENU_BACK, "m:menu")]])
        return [Reply(T.QUESTION_MODE_NEXT if again else T.QUESTION_MODE_PROMPT, rows)]

    def prompt_cancel_confirm(self) -> list[Reply]:
        rows = self._set_buttons([[Button(T.CANCEL_YES, "x:yes"), Button(T.CANCEL_NO, "x:no")]])
        return [Reply(T.CANCEL_CONFIRM, rows)]

    def prompt_erase_confirm(self) -> list[Reply]:
        rows = self._set_buttons([[Button(T.ERASE_YES, "x:yes"), Button(T.ERASE_NO, "x:no")]])
        return [Reply(T.ERASE_CONFIRM, rows)]

    def prompt_commune(self) -> list[Reply]:
        self._no_buttons()
        return [Reply(T.ASK_COMMUNE)]

    def prompt_commune_confirm(self) -> list[Reply]:
        cands = self.st.get("candidates") or []
        if not cands:
            self.goto("commune")
            return self.prompt_commune()
        c = cands[0]
        if c.get("outside"):
            text = T.commune_outside(c["name"], c["departement"], self.s.departement)
            rows = [[Button(T.YES, "y"), Button(T.COMMUNE_OTHER, "n")]]
        else:
            text = T.commune_confirm(c["name"], c["departement"], c.get("population"), c.get("epci_name"))
            rows = [[Button(T.YES, "y"), Button(T.NO, "n")]]
        return [Reply(text, self._set_buttons(rows))]

    def prompt_commune_pick(self) -> list[Reply]:
        cands = self.st.get("candidates") or []
        rows = [[Button(_candidate_label(c), "c:" + c["code"])] for c in cands]
        rows.append([Button(T.COMMUNE_NONE_OF_THESE, "n")])
        return [Reply(T.COMMUNE_PICK, self._set_buttons(rows))]

    def prompt_role(self) -> list[Reply]:
        items = list(T.ROLES.items())
        rows = [[Button(lbl, "r:" + key)] for key, lbl in items]
        return [Reply(T.ASK_ROLE, self._set_buttons(rows))]

    def prompt_need(self) -> list[Reply]:
        self._no_buttons()
        if self.st.get("need_partial"):
            return [Reply(T.NEED_MORE)]
        return [Reply(T.ASK_NEED)]

    def prompt_themes_confirm(self) -> list[Reply]:
        labels = [self._theme_label(t) for t in self.draft.get("themes") or []]
        rows = [[Button(T.YES, "y"), Button(T.THEMES_FIX, "fix")]]
        return [Reply(T.themes_understood(labels), self._set_buttons(rows))]

    def prompt_themes_edit(self) -> list[Reply]:
        selected = set(self.st.get("theme_sel") or [])
        buttons = [Button(("✅ " if tid in selected else "") + self._theme_label(tid), "t:" + tid)
                   for tid in self._theme_ids()]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([Button(T.VALIDATE, "ok")])
        return [Reply(T.THEMES_EDIT, self._set_buttons(rows))]

    def prompt_stage(self) -> list[Reply]:
        rows = [[Button(lbl, "s:" + key)] for key, lbl in T.STAGES.items()]
        return [Reply(T.ASK_STAGE, self._set_buttons(rows))]

    def prompt_help(self) -> list[Reply]:
        selected = set(self.st.get("help_sel") or [])
        rows = [[Button(("✅ " if key in selected else "") + lbl, "h:" + key)] for key, lbl in T.HELP_KINDS.items()]
        rows.append([Button(T.VALIDATE, "ok")])
        return [Reply(T.ASK_HELP, self._set_buttons(rows))]

    def prompt_budget(self) -> list[Reply]:
        return [Reply(T.ASK_BUDGET, self._set_buttons([[Button(T.SKIP, "skip")]]))]

    def prompt_timing(self) -> list[Reply]:
        # Not "skip": a double tap on the budget's "Passer" must not skip this question too (its data is stale here).
        return [Reply(T.ASK_TIMING, self._set_buttons([[Button(T.SKIP, TIMING_SKIP)]]))]

    def prompt_name(self) -> list[Reply]:
        self._no_buttons()
        return [Reply(T.ASK_NAME)]

    def prompt_phone(self) -> list[Reply]:
        rows = self._set_buttons([[Button(T.SKIP, "skip")]])
        return [Reply(T.ASK_PHONE, rows, request_contact=True)]

    def prompt_email(self) -> list[Reply]:
        if self.draft.get("phone"):
            return [Reply(T.ASK_EMAIL_OPTIONAL, self._set_buttons([[Button(T.SKIP, "skip")]]), remove_keyboard=True)]
        self._no_buttons()
        return [Reply(T.ASK_EMAIL, remove_keyboard=True)]

    def prompt_offers(self, again: bool = False) -> list[Reply]:
        shown = self.draft.get("offer_view") or []
        if again and shown:
            text = T.OFFERS_AGAIN
        elif not shown:
            text = T.OFFERS_NONE
        else:
            lines = [T.offer_line(i + 1, o["name"], o.get("reason"), o.get("warning")) for i, o in enumerate(shown)]
            text = T.OFFERS_INTRO + "\n\n" + "\n".join(lines) + "\n\n" + T.OFFERS_OUTRO
        rows = [[Button(T.offer_details_button(i + 1), f"d:{i + 1}") for i in range(len(shown))]] if shown else []
        rows.append([Button(T.CONTINUE, "ok")])
        return [Reply(text, self._set_buttons(rows))]

    def prompt_recap(self) -> list[Reply]:
        d = self.draft
        L = T.RECAP_LABELS
        themes = ", ".join(self._theme_label(t) for t in d.get("themes") or []) or T.NOT_GIVEN
        help_ = ", ".join(T.HELP_KINDS.get(h, h) for h in d.get("help") or []) or T.NOT_GIVEN
        offers = ", ".join(o["name"] for o in d.get("offer_view") or []) or T.NOT_GIVEN
        need, _ = v.truncate(d.get("need") or "", 600)
        lines = [
            T.RECAP_TITLE,
            f"• {L['commune']} : {d.get('commune_name') or T.NOT_GIVEN}",
            f"• {L['role']} : {T.ROLES.get(d.get('role') or '', T.NOT_GIVEN)}",
            f"• {L['need']} : {need or T.NOT_GIVEN}",
            f"• {L['themes']} : {themes}",
            f"• {L['stage']} : {T.STAGES.get(d.get('stage') or '', T.NOT_GIVEN)}",
            f"• {L['help']} : {help_}",
            f"• {L['budget']} : {d.get('budget') or T.NOT_GIVEN}",
            f"• {L['timing']} : {d.get('timing') or T.NOT_GIVEN}",
            f"• {L['name']} : {d.get('name') or T.NOT_GIVEN}",
            f"• {L['phone']} : {v.format_phone(d['phone']) if d.get('phone') else T.NOT_GIVEN}",
            f"• {L['email']} : {d.get('email') or T.NOT_GIVEN}",
            f"• {L['offers']} : {offers}",
        ]
        rows = [[Button(lbl, "e:" + key)] for key, lbl in T.EDIT_BUTTONS.items()]
        rows.append([Button(T.SEND, "send")])
        return [Reply("\n".join(lines), self._set_buttons(rows))]

    def prompt_consent(self) -> list[Reply]:
        rows = self._set_buttons([[Button(T.CONSENT_YES, "consent")], [Button(T.CONSENT_BACK, "back")]])
        return [Reply(T.CONSENT, rows)]

    def prompt_duplicate(self) -> list[Reply]:
        dup = self.st.get("dup_ref") or {}
        text = T.duplicate_found(dup.get("reference", "?"), dup.get("commune") or "", dup.get("date") or "")
        rows = self._set_buttons([[Button(T.DUPLICATE_ADD, "dup:add")], [Button(T.DUPLICATE_NEW, "dup:new")]])
        return [Reply(text, rows)]

    # --- knowledge helpers ----------------------------------------------------------------------------------
    def _theme_ids(self) -> list[str]:
        try:
            return [_value(t) for t in self.kb.themes]
        except Exception:
            from knowledge.schema import ThemeId

            return [t.value for t in ThemeId]

    def _theme_labels(self) -> dict[str, str]:
        try:
            return {_value(k): t.label for k, t in self.kb.themes.items()}
        except Exception:
            return {}

    def _offer_names(self) -> dict[str, str]:
        try:
            return {oid: o.name for oid, o in self.kb.offers.items()}
        except Exception:
            return {}

    def _theme_label(self, tid: str) -> str:
        try:
            for key, theme in self.kb.themes.items():
                if _value(key) == tid:
                    return theme.label
        except Exception:
            pass
        return tid

    # --- steps: after a group of questions is answered ---------------------------------------------------------
    async def advance(self, group: str) -> list[Reply]:
        if self.st.pop("back_to_recap", False) and group in EDIT_GROUPS:
            return self.enter_recap()
        nxt = next_step_after(group)
        if nxt == "need" and self.st.get("pending_need"):
            self.goto("need")
            pending = self.st.pop("pending_need")
            return [Reply(T.need_kept(pending))] + await self.step_need(pending)
        if nxt == "offers":
            return self.enter_offers()
        if nxt == "recap":
            return self.enter_recap()
        self.goto(nxt)
        return self.prompt()

    def _compute_matches(self) -> None:
        d = self.draft
        try:
            matches = list(self.kb.match(d.get("need") or "", d.get("commune_code"), limit=3))[:3]
        except Exception:
            _log_exc("kb.match failed")
            matches = []
        d["matches"] = [m.id for m in matches]
        d["offer_view"] = [
            {"id": m.id, "name": m.name, "reason": (m.reasons[0] if m.reasons else None),
             "warning": (m.warnings[0] if m.warnings else None)}
            for m in matches
        ]

    def enter_offers(self) -> list[Reply]:
        self._compute_matches()
        self.goto("offers")
        return self.prompt()

    def enter_recap(self) -> list[Reply]:
        self._compute_matches()
        self.goto("recap")
        return self.prompt()

    # --- step handlers: free text ------------------------------------------------------------------------------
    async def step_commune(self, text: str) -> list[Reply]:
        query, _ = v.truncate(text.replace("\n", " "), v.FREE_TEXT_MAX_CHARS)
        try:
            res = self.kb.resolve(query)
        except Exception:
            _log_exc("kb.resolve failed")
            res = None
        cands: list[dict[str, Any]] = []
        if res is not None and res.resolved:
            c = self._candidate(res.resolved, fallback=next((x for x in res.candidates if x.code == res.resolved), None))
            if c:
                cands = [c]
        elif res is not None and res.candidates:
            for cand in list(res.candidates)[:MAX_CANDIDATE_BUTTONS]:
                c = self._candidate(cand.code, fallback=cand)
                if c:
                    cands.append(c)
        if not cands:
            if self._is_question(text):
                return await self.answer_question(text, reprompt=True)
            return [Reply(T.COMMUNE_NOT_FOUND)]
        self.st["candidates"] = cands
        self.goto("commune_confirm" if len(cands) == 1 else "commune_pick")
        return self.prompt()

    def _candidate(self, code: str, fallback: Any = None) -> dict[str, Any] | None:
        try:
            place = self.kb.place(code)
        except Exception:
            place = None
        if place is None and fallback is None:
            return None
        if place is not None:
            dep = str(place.departement)
            return {"code": place.code, "name": place.name, "kind": place.kind, "departement": dep,
                    "population": place.population,
                    "epci_code": place.epci_code if place.kind == "commune" else place.code,
                    "epci_name": place.epci_name if place.kind == "commune" else None,
                    "outside": dep != str(self.s.departement)}
        dep = str(fallback.departement)
        return {"code": fallback.code, "name": fallback.name, "kind": fallback.kind, "departement": dep,
                "population": None, "epci_code": None, "epci_name": None, "outside": dep != str(self.s.departement)}

    def _set_commune(self, c: dict[str, Any]) -> None:
        d = self.draft
        d["commune_code"] = c["code"]
        d["commune_name"] = c["name"]
        d["commune_kind"] = c.get("kind")
        d["epci_code"] = c.get("epci_code")
        d["epci_name"] = c.get("epci_name")
        d["departement"] = c.get("departement")
        d["population"] = c.get("population")
        self.st.pop("candidates", None)

    async def step_need(self, text: str) -> list[Reply]:
        words = v.meaningful_words(text)
        if not words:
            return [Reply(T.NEED_UNREADABLE)] + self.prompt()
        if text.rstrip().endswith("?") and len(words) < 12:
            # A short question is a question; a longer one may be the need itself, phrased as a question.
            ans = self._faq(text)
            if ans is not None:
                return [Reply(T.faq_answer(ans.text, str(ans.source)))] + self.prompt()
            if len(words) < 8 and not self.st.get("need_partial"):
                return await self.answer_question(text, reprompt=True)
        partial = self.st.get("need_partial")
        if partial:
            text = partial + "\n" + text
            words = v.meaningful_words(text)
        if len(words) < v.MIN_NEED_WORDS and not self.st.get("need_more_asked"):
            self.st["need_partial"] = text[: v.NEED_MAX_CHARS]
            self.st["need_more_asked"] = True
            return [Reply(T.NEED_MORE)]
        out: list[Reply] = []
        text, cut = v.truncate(text, v.NEED_MAX_CHARS)
        if cut:
            out.append(Reply(T.TOO_LONG_TRUNCATED))
        self.st.pop("need_partial", None)
        self.draft["need"] = text
        try:
            themes = [_value(t) for t in self.kb.detect_themes(text)]
        except Exception:
            _log_exc("kb.detect_themes failed")
            themes = []
        self.draft["themes"] = themes
        if themes:
            self.goto("themes_confirm")
        else:
            self.st["theme_sel"] = []
            self.goto("themes_edit")
            out.append(Reply(T.themes_understood([])))
        return out + self.prompt()

    async def step_budget(self, text: str) -> list[Reply]:
        value = _parse_budget(text[:500])
        if value is None:
            if self._is_question(text):
                return await self.answer_question(text, reprompt=True)
            return [Reply(T.BUDGET_INVALID)] + self.prompt()
        self.draft["budget"] = value
        self.goto("timing")
        return self.prompt()

    async def step_timing(self, text: str) -> list[Reply]:
        if self._is_question(text) and text.rstrip().endswith("?"):
            ans = self._faq(text)
            if ans is not None:
                return [Reply(T.faq_answer(ans.text, str(ans.source)))] + self.prompt()
        if not (v.meaningful_words(text) or re.search(r"\b\d{1,4}\b", text)):
            return [Reply(T.TIMING_INVALID)] + self.prompt()
        value, _ = v.truncate(text.replace("\n", " "), 200)
        self.draft["timing"] = value
        return await self.advance("budget")

    async def step_name(self, text: str) -> list[Reply]:
        name = v.validate_name(text)
        if name is None:
            if self._is_question(text):
                return await self.answer_question(text, reprompt=True)
            return [Reply(T.NAME_INVALID)] + self.prompt()
        self.draft["name"] = name
        self.goto("phone")
        return self.prompt()

    async def step_phone(self, text: str, from_platform: bool = False) -> list[Reply]:
        phone = v.validate_phone(text, from_platform=from_platform)
        if phone is None:
            if not from_platform and self._is_question(text):
                return await self.answer_question(text, reprompt=True)
            return [Reply(T.PHONE_INVALID)] + self.prompt()
        self.draft["phone"] = phone
        self.goto("email")
        return self.prompt()

    async def step_email(self, text: str) -> list[Reply]:
        email = v.validate_email(text)
        if email is None:
            if self._is_question(text):
                return await self.answer_question(text, reprompt=True)
            return [Reply(T.EMAIL_INVALID)] + self.prompt()
        self.draft["email"] = email
        return await self.advance("contact")

    # --- step handlers: buttons --------------------------------------------------------------------------------
    async def choice_menu(self, data: str) -> list[Reply]:
        return self.prompt()

    async def choice_question(self, data: str) -> list[Reply]:
        return self.prompt()

    async def choice_cancel_confirm(self, data: str) -> list[Reply]:
        prev = self.st.pop("prev_step", None) or "menu"
        if data == "x:yes":
            self.clear_draft()
            return self.menu(T.CANCELLED + "\n\n" + T.MENU_PROMPT)
        self.goto(prev)
        return self.prompt()

    async def choice_erase_confirm(self, data: str) -> list[Reply]:
        prev = self.st.pop("prev_step", None) or "menu"
        if data != "x:yes":
            self.goto(prev)
            return [Reply(T.ERASE_KEPT)] + self.prompt()
        await self._erase()
        self.st.clear()
        return self.menu(T.ERASED + "\n\n" + T.MENU_PROMPT)

    async def choice_commune_confirm(self, data: str) -> list[Reply]:
        cands = self.st.get("candidates") or []
        if data == "y" and cands:
            self._set_commune(cands[0])
            return await self.advance("commune")
        self.st.pop("candidates", None)
        self.goto("commune")
        return [Reply(T.COMMUNE_RETRY)]

    async def choice_commune_pick(self, data: str) -> list[Reply]:
        cands = self.st.get("candidates") or []
        if data.startswith("c:"):
            code = data[2:]
            chosen = next((c for c in cands if c["code"] == code), None)
            if chosen is not None:
                if chosen.get("outside"):
                    self.st["candidates"] = [chosen]
                    self.goto("commune_confirm")
                    return self.prompt()
                self._set_commune(chosen)
                return await self.advance("commune")
        self.st.pop("candidates", None)
        self.goto("commune")
        return [Reply(T.COMMUNE_RETRY)]

    async def choice_role(self, data: str) -> list[Reply]:
        self.draft["role"] = data[2:]
        return await self.advance("role")

    async def choice_themes_confirm(self, data: str) -> list[Reply]:
        if data == "y":
            return await self.advance("need")
        self.st["theme_sel"] = list(self.draft.get("themes") or [])
        self.goto("themes_edit")
        return self.prompt()

    async def choice_themes_edit(self, data: str) -> list[Reply]:
        sel = list(self.st.get("theme_sel") or [])
        if data.startswith("t:"):
            tid = data[2:]
            if tid in sel:
                sel.remove(tid)
            else:
                sel.append(tid)
            self.st["theme_sel"] = sel
            return self.prompt()
        if not sel:
            return [Reply(T.THEMES_NEED_ONE)] + self.prompt()
        order = self._theme_ids()
        self.draft["themes"] = sorted(sel, key=lambda t: order.index(t) if t in order else 99)
        self.st.pop("theme_sel", None)
        return await self.advance("need")

    async def choice_stage(self, data: str) -> list[Reply]:
        self.draft["stage"] = data[2:]
        return await self.advance("stage")

    async def choice_help(self, data: str) -> list[Reply]:
        sel = list(self.st.get("help_sel") or [])
        if data.startswith("h:"):
            key = data[2:]
            if key in sel:
                sel.remove(key)
            else:
                sel.append(key)
            self.st["help_sel"] = sel
            return self.prompt()
        if not sel:
            return [Reply(T.HELP_NEED_ONE)] + self.prompt()
        self.draft["help"] = [k for k in T.HELP_KINDS if k in sel]
        self.st.pop("help_sel", None)
        return await self.advance("help")

    async def choice_budget(self, data: str) -> list[Reply]:
        self.draft["budget"] = None
        self.goto("timing")
        return self.prompt()

    async def choice_timing(self, data: str) -> list[Reply]:
        self.draft["timing"] = None
        return await self.advance("budget")

    async def choice_phone(self, data: str) -> list[Reply]:
        self.draft["phone"] = None
        self.goto("email")
        return self.prompt()

    async def choice_email(self, data: str) -> list[Reply]:
        if not self.draft.get("phone"):
            return [Reply(T.EMAIL_REQUIRED)] + self.prompt()
        self.draft["email"] = None
        return await self.advance("contact")

    async def choice_offers(self, data: str) -> list[Reply]:
        if data.startswith("d:"):
            shown = self.draft.get("offer_view") or []
            try:
                item = shown[int(data[2:]) - 1]
            except (ValueError, IndexError):
                return [Reply(T.STALE_BUTTON)] + self.prompt()
            return [Reply(self._offer_details(item["id"], item["name"]))] + self.prompt(again=True)
        return self.enter_recap()

    def _offer_details(self, offer_id: str, name: str) -> str:
        offer = None
        try:
            offer = self.kb.offers.get(offer_id)
        except Exception:
            offer = None
        if offer is None:
            return name
        elig = offer.eligibility
        uncertain = bool(getattr(elig, "uncertain", False)) or getattr(offer, "status", "") == "incertain"
        local = (getattr(offer, "local", None) or {}).get(str(self.s.departement))
        if local is not None and getattr(local, "uncertain", False):
            uncertain = True
        text = T.offer_details(offer.name, offer.summary, elig.text, offer.how_to_apply, str(offer.url), uncertain)
        code = self.draft.get("commune_code")
        check = getattr(self.kb, "eligibility", None)
        if code and check is not None:
            try:
                _, _, warnings = check(offer_id, code)
            except Exception:  # noqa: BLE001 - details stay useful without the commune check
                warnings = []
            if warnings:
                text += "\n\n" + T.offer_warnings_for(self.draft.get("commune_name") or "", list(warnings)[:3])
        return text

    async def choice_recap(self, data: str) -> list[Reply]:
        if data == "send":
            self.goto("consent")
            return self.prompt()
        group = data[2:]
        self.st["back_to_recap"] = True
        first = EDIT_GROUPS[group]
        if first == "themes_edit":  # pragma: no cover - not an edit entry today
            self.st["theme_sel"] = list(self.draft.get("themes") or [])
        if first == "need":
            self.st.pop("need_partial", None)
            self.st.pop("need_more_asked", None)
        if first == "help":
            self.st["help_sel"] = list(self.draft.get("help") or [])
        self.goto(first)
        return self.prompt()

    async def choice_consent(self, data: str) -> list[Reply]:
        if data == "back":
            self.goto("recap")
            return self.prompt()
        self.draft["consent_at"] = self.e._now().isoformat()
        d = self.draft
        similar = []
        if d.get("commune_code"):
            similar = await self.uow.find_similar_open(d["commune_code"], list(d.get("themes") or []),
                                                       self.e._now() - DUPLICATE_WINDOW)
        if similar:
            rec = similar[0]
            self.st["dup_ref"] = {"reference": rec.reference, "commune": rec.commune_name or d.get("commune_name"),
                                  "date": _fmt_date(rec.created_at, self.s.timezone)}
            self.goto("duplicate")
            return self.prompt()
        return await self.file_request()

    async def choice_duplicate(self, data: str) -> list[Reply]:
        if data == "dup:new":
            return await self.file_request()
        ref = (self.st.get("dup_ref") or {}).get("reference")
        if not ref:
            return await self.file_request()
        return await self.append_to(ref)

    # --- filing ---------------------------------------------------------------------------------------------------
    def _request_draft(self) -> Any:
        from bot.store.models import RequestDraft

        d = self.draft
        consent = d.get("consent_at")
        return RequestDraft(
            channel=self.ev.channel,
            user_id=str(self.ev.user_id),
            chat_id=str(self.ev.chat_id),
            commune_code=d.get("commune_code"),
            commune_name=d.get("commune_name"),
            epci_code=d.get("epci_code"),
            role=d.get("role"),
            contact_name=d.get("name"),
            phone=d.get("phone"),
            email=d.get("email"),
            description=d.get("need") or "",
            themes=list(d.get("themes") or []),
            stage=d.get("stage"),
            help_kinds=list(d.get("help") or []),
            budget=d.get("budget"),
            timing=d.get("timing"),
            matches=list(d.get("matches") or []),
            consent_at=dt.datetime.fromisoformat(consent) if consent else None,
            departement=str(self.s.departement),
        )

    def _staff_chat(self) -> str:
        return str(self.s.staff_chat_id) if self.s.staff_chat_id is not None else "staff"

    async def _enqueue_staff(self, kind: str, text: str, dedup_key: str, reference: str | None,
                             buttons: Any = None, meta: dict[str, Any] | None = None) -> None:
        from bot.store.models import STAFF_CHANNEL

        await self.uow.enqueue(kind, STAFF_CHANNEL, self._staff_chat(), text, buttons, reference,
                               dedup_key=dedup_key, meta=meta or {})

    async def file_request(self) -> list[Reply]:
        record = await self.uow.create_request(self._request_draft())
        ref = record.reference
        text, buttons = _staff_summary(record, self._theme_labels(), self._offer_names())
        await self._enqueue_staff("staff_new_request", text, f"new:{ref}", ref, buttons)
        self.clear_draft()
        return self.menu(T.filed(ref) + "\n\n" + T.MENU_PROMPT)

    async def append_to(self, ref: str) -> list[Reply]:
        d = self.draft
        parts = [d.get("need") or ""]
        who = ", ".join(x for x in (d.get("name"), T.ROLES.get(d.get("role") or "")) if x)
        if who:
            parts.append(f"({who})")
        note = "\n".join(p for p in parts if p)
        await self.uow.append_to_request(ref, note, self.actor)
        await self._enqueue_staff("staff_request_appended", f"{ref} : complément reçu.\n\n{note}",
                                  f"append:{ref}:{self.ev.update_key or self.e._now().isoformat()}", ref)
        self.clear_draft()
        return self.menu(T.appended(ref) + "\n\n" + T.MENU_PROMPT)

    # --- agent handoff ------------------------------------------------------------------------------------------
    async def handoff(self, text: str | None) -> list[Reply]:
        d = self.draft if self.in_intake() else {}
        await self.uow.log_event(None, self.actor, "agent_request",
                                 {"channel": self.ev.channel, "chat_id": str(self.ev.chat_id), "step": self.step})
        lines = ["Demande à parler à un agent."]
        if d.get("commune_name"):
            lines.append(f"Collectivité : {d['commune_name']}")
        if self.ev.user_name:
            lines.append(f"Personne : {self.ev.user_name}")
        if text:
            lines.append(f"Message : {v.truncate(text, 1000)[0]}")
        meta = {"reply_channel": self.ev.channel, "reply_chat_id": str(self.ev.chat_id),
                "user_id": str(self.ev.user_id),
                # read by bot.staff.service.relay_to_mayor: a staff reply to this message goes back to this person
                "relay_to": {"channel": self.ev.channel, "chat_id": str(self.ev.chat_id),
                             "user_id": str(self.ev.user_id)}}
        key = f"agent:{self.ev.channel}:{self.ev.chat_id}:{self.ev.update_key or self.e._now().isoformat()}"
        await self._enqueue_staff("agent_request", "\n".join(lines), key, None, meta=meta)
        out = [Reply(T.AGENT_DONE)]
        if self.in_intake():
            out += self.prompt()
        return out

    # --- answers awaited by staff ----------------------------------------------------------------------------
    async def deliver_answer(self, awaiting: Any, text: str) -> list[Reply]:
        """The person's text is the answer to a staff question (``data["awaiting"]`` set by the staff service).
        Returns nothing when the request is gone (then the text is handled as usual)."""
        ref = awaiting.get("reference") if isinstance(awaiting, dict) else str(awaiting)
        self.st.pop("awaiting", None)
        if not ref:
            return []
        text, _ = v.truncate(text, v.NEED_MAX_CHARS)
        try:
            from bot.staff.service import mayor_answer
        except ImportError:  # pragma: no cover - the staff service ships with the bot
            mayor_answer = None  # type: ignore[assignment]
        if mayor_answer is not None:
            result = await _call_mayor_answer(mayor_answer, self.uow, ref, text, self.actor)
            if result is not None and getattr(result, "ok", True) is False:
                return []
        else:  # pragma: no cover
            if await self.uow.get_request(ref) is None:
                return []
            await self.uow.append_to_request(ref, text, self.actor)
        return [Reply(T.answer_received(ref))] + self.prompt()

    # --- my requests and my data --------------------------------------------------------------------------------
    async def my_requests(self) -> list[Reply]:
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        if self.in_intake():
            self.st["resume_step"] = self.step
            self.goto("menu")
        if not records:
            return self.menu(T.MY_REQUESTS_NONE + "\n\n" + T.MENU_PROMPT)
        lines = [T.MY_REQUESTS_TITLE]
        for r in sorted(records, key=lambda r: r.created_at, reverse=True)[:20]:
            lines.append(T.my_request_line(r.reference, _fmt_date(r.created_at, self.s.timezone), r.commune_name,
                                           T.status_words(r.status, getattr(r, "operator", None))))
        return [Reply("\n".join(lines))] + self.menu()

    async def my_data(self) -> list[Reply]:
        text = None
        try:
            from bot.store import retention

            fn = getattr(retention, "personal_data", None)
            if fn is not None:
                data = await fn(self.uow, self.ev.channel, str(self.ev.user_id))
                text = _render_personal_data(data)
        except ImportError:
            pass
        if text is None:
            records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
            data = {"requests": [{"reference": r.reference, "nom": r.contact_name, "téléphone": r.phone,
                                  "e-mail": r.email, "collectivité": r.commune_name, "fonction": r.role,
                                  "besoin": r.description} for r in records]}
            draft = {k: val for k, val in (self.st.get("draft") or {}).items() if k in ("name", "phone", "email")}
            if draft:
                data["demande en cours"] = draft
            text = _render_personal_data(data)
        if not text:
            return [Reply(T.MY_DATA_NONE)] + self.prompt()
        return [Reply(T.MY_DATA_TITLE + "\n\n" + text)] + self.prompt()

    async def _erase(self) -> None:
        try:
            from bot.store import retention

            fn = getattr(retention, "erase_personal_data", None)
        except ImportError:
            fn = None
        if fn is not None:
            await fn(self.uow, self.ev.channel, str(self.ev.user_id))
        else:
            erase = getattr(self.uow, "erase_personal_data", None)
            if erase is not None:
                await erase(self.ev.channel, str(self.ev.user_id))
        await self.uow.log_event(None, self.actor, "personal_data_erased", {"channel": self.ev.channel})


# --- helpers ----------------------------------------------------------------------------------------------------
def _strip_mark(label: str) -> str:
    return label[2:] if label.startswith("✅ ") else label


def _candidate_label(c: dict[str, Any]) -> str:
    label = f"{c['name']} ({c['departement']})"
    if c.get("kind") == "epci":
        return label[:60]
    if c.get("population"):
        label += f", {c['population']} hab."
    return label[:60]


def _guess_role(norm: str) -> str | None:
    if "adjoint" in norm:
        return "r:adjoint"
    if "president" in norm:
        return "r:president-epci"
    if "conseill" in norm:
        return "r:conseiller"
    if any(w in norm for w in ("dgs", "secretaire", "agent", "directeur", "directrice", "charge de mission")):
        return "r:agent"
    if "maire" in norm:
        return "r:maire"
    if norm == "autre":
        return "r:autre"
    return None


def _guess_stage(norm: str) -> str | None:
    if "idee" in norm:
        return "s:idee"
    if "etude" in norm:
        return "s:etude"
    if "defini" in norm:
        return "s:projet-defini"
    if "pret" in norm or "demarr" in norm:
        return "s:pret"
    return None


def _parse_budget(text: str) -> str | None:
    """The budget as shown and stored ("300 000 €", "entre 1 M€ et 2 M€"), or None when no amount is found."""
    try:
        from intents.entities import parse_budget

        b = parse_budget(text)
    except Exception:  # noqa: BLE001
        b = None
    if b is not None:
        low, high = getattr(b, "low", None), getattr(b, "high", None)
        if low and high and low != high:
            return T.budget_range(v.format_euros(low), v.format_euros(high))
        if low and not high:
            return T.budget_more_than(v.format_euros(low))
        if high and not low:
            return T.budget_less_than(v.format_euros(high))
        if low:
            return v.format_euros(low)
    value = v.parse_budget_fallback(text)
    return v.format_euros(value) if value else None


def _fmt_date(value: Any, tz: str = "Europe/Paris") -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        try:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo(tz))
        except Exception:  # noqa: BLE001 - unknown zone: the date as stored
            pass
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


def _staff_summary(record: Any, theme_labels: dict[str, str], offer_names: dict[str, str]) -> tuple[str, Any]:
    """Text (and buttons) of the staff notification, from the staff service when it provides them."""
    try:
        from bot.staff.service import staff_summary
    except ImportError:
        staff_summary = None  # type: ignore[assignment]
    if staff_summary is not None:
        try:
            result = staff_summary(record, theme_labels=theme_labels, offer_names=offer_names)
        except TypeError:
            result = staff_summary(record)
        if isinstance(result, tuple):
            return result[0], result[1]
        text = getattr(result, "text", result)
        buttons = getattr(result, "buttons", None)
        return str(text), buttons
    lines = [f"Nouvelle demande {record.reference}", f"{record.commune_name or ''} — {record.role or ''}",
             record.description[:1000]]
    return "\n".join(lines), None


async def _call_mayor_answer(fn: Any, uow: Any, ref: str, text: str, actor: str) -> Any:
    import inspect

    params = list(inspect.signature(fn).parameters)
    if params and params[0] == "uow":
        result = fn(uow, ref, text, actor) if len(params) >= 4 else fn(uow, ref, text)
    else:
        result = fn(ref, text)
    if inspect.isawaitable(result):
        result = await result
    return result


def _render_personal_data(data: Any) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    lines: list[str] = []

    def walk(obj: Any, indent: str) -> None:
        if isinstance(obj, dict):
            for key, val in obj.items():
                if isinstance(val, (dict, list)):
                    if val:
                        lines.append(f"{indent}{key} :")
                        walk(val, indent + "  ")
                elif val not in (None, "", []):
                    lines.append(f"{indent}{key} : {val}")
        elif isinstance(obj, list):
            for item in obj:
                walk(item, indent)
                lines.append("")
        elif obj not in (None, ""):
            lines.append(f"{indent}{obj}")

    walk(data, "")
    return "\n".join(lines).strip()
