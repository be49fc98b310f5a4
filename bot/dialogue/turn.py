"""One event handled against one conversation state: load, route, save.

Routing order (Rasa's "unhappy paths" first, then the form):
commands → buttons → for a text: global words (annuler, recommencer, aide, retour) → a conversation with staff in
progress → « parler à quelqu'un » → an answer awaited by staff → a request reference (show it, or add to it) → a
typed button label → the form (every fact the message carries) or, outside an intake, the menu's listening.

The behaviour lives in mixins, one file each: ``form.py`` (the intake loop and its prompts), ``flows.py`` (menu,
questions, my requests, my data, cancel), ``filing.py`` (recap, duplicates, filing, additions to a request),
``handover.py`` (a person from the staff).
"""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.calls import CallsMixin, _engineering_asked, talks
from bot.dialogue.common import strip_mark
from bot.dialogue.context import TOPIC_FILE, ContextMixin
from bot.dialogue.events import Button, Event, Reply
from bot.dialogue.files import FilesMixin
from bot.dialogue.filing import FilingMixin
from bot.dialogue.flows import FlowsMixin
from bot.dialogue.form import FormMixin
from bot.dialogue.handover import HandoverMixin
from bot.dialogue.identity import IdentityMixin
from bot.dialogue.slots import AGENT_DATA, INTAKE_STEPS, LEGACY_STEPS, SLOTS
from bot.dialogue.understand import STEP_NAMES, Act, Reader, act_gate, read_act
from bot.store.models import ConversationState
from bot.texts import dialogue as T
from intents import extract as x
from intents.normalize import normalize

COMMANDS = {
    "start", "demande", "question", "mesdemandes", "agent", "aide", "annuler", "recommencer", "mesdonnees", "supprimer",
    "confidentialite", "fin",
}
#: Commands that do what a menu button does.
_MENU_COMMANDS = {"demande": "file", "question": "question", "mesdemandes": "track"}
#: Buttons of the reminder message queued by the Telegram jobs (valid whatever the step).
REMINDER_RESUME = "reminder:resume"
REMINDER_DROP = "reminder:drop"
#: How many accepted one-shot buttons are remembered (a second press of one of them changes nothing).
DONE_MEMORY = 40
#: Multiple choices closed by « Valider » (which a typed « c'est bon » presses).
MULTI_STEPS = ("help", "themes_edit")
MAX_TRANSCRIPT = 40
#: The act reader's gates (``act_gate``): a reading of that kind at or above its gate is acted on alone. Fitted by
#: ``scripts/fit_acts.py`` (``GATES`` there) and shipped in ``intents/data/acts_params.json``: the lowest confidence
#: such that that kind's out-of-fold readings at or above it are right at the precision stated (the fitted
#: P(right | confidence), averaged over them). They replace the hand-set HANDOVER_SURE = 0.5,
#: HANDOVER_SENTENCE_SURE = 0.95, COURTESY_SURE = 0.8 and a 0.8 in ``is_question``, set on the readings of an
#: optimiser stopped short of convergence (the converged fit's sharper readings passed them where they should not).
#: - ``act_gate("handover")``, 95 %: a message read as a call for a person hands over, whatever its length (a wrong
#:   one hands a person describing a project to an agent, who reads the message anyway).
#: - ``act_gate("handover_sentence")``, 1 − 5 %/``MAX_SENTENCES`` ≈ 99.4 %: a longer message (a project, then « je
#:   préférerais qu'un agent me rappelle », or a letter asking « pourriez-vous nous indiquer un interlocuteur ») is
#:   read sentence by sentence too, and one sentence read as a call for a person hands over: up to 8 sentences are
#:   read, the 5 % a message may cost is shared among them.
#: - ``act_gate("new_request")``, 97.5 %: a message read as a project is no question, whatever its words (« Pour
#:   passer l'éclairage public en LED. »); below it a question's form still makes it one (« est-ce que le Fonds vert
#:   finance encore l'éclairage public ? C'est pour Banvillars, … » read 0.83: answered).
#: - ``act_gate("thanks")`` / ``act_gate("greeting")``, 97.5 %: « merci », « bonjour » in an intake are acknowledged
#:   and the question asked again (only when the message carries no fact).
#: A message that opens with an interrogative word asks for information (« qui contacter à la préfecture »): the FAQ
#: answers it when it can (none of the dev set's 72 handovers opens so), the agent's button is on the answer.
#: The FAQ entries about the guichet itself (what it is, who answers).
ABOUT_GUICHET = ("guichet-quoi",)
#: a yes or a no in other words at a yes/no question: a short message (words), the act reader's yes or no at least
#: this likely, and this share of what is left once courtesy (thanks, greeting) is set aside
YES_NO_MAX_WORDS = 8
#: the recap approved in words: a short message, the words of sending, or words of approval the act reader reads as a
#: yes; nothing corrected, added or asked
SEND_MAX_WORDS = 12
_SEND_WORDS = re.compile(r"\b(?:envoy\w*|transmet\w*|valid\w*|c est (?:bon|parfait|correct|ok|tout bon)|"
                         r"(?:tout )?(?:est )?(?:bon|ok|correct|parfait) pour moi|ca me va|c est good|go)\b")
_YES_WORDS = re.compile(r"\b(?:oui|ok|okay|d accord|parfait|correct|exact|nickel|super|impeccable|tout bon|"
                        r"ca marche|c est ca|c est bien ca|tres bien|bien)\b")
_NOT_PLAIN_YES = re.compile(r"\b(?:mais|sauf|pas|non|manque\w*|corrig\w*|modifi\w*|chang\w*|erreur|faux|fausse|"
                            r"plutot|attend\w*|ajout\w*|oubli\w*)\b")
YES_NO_MIN = 0.05
YES_NO_SHARE = 0.8
_ASKS_WHO_OR_HOW = re.compile(r"(?:qui|ou|comment|quel|quelle|quels|quelles|combien|a qui|aupres de qui)\b")


#: a message whose first sentence is a question, the rest telling why (« et l'éclairage public, ça rentre dedans ? on
#: a encore plein de vieilles lampes au sodium »)
_FIRST_ASKS = re.compile(r"[^.!?\n]{3,200}\?\s+\S")


class Turn(CallsMixin, FormMixin, IdentityMixin, ContextMixin, FlowsMixin, FilingMixin, HandoverMixin, FilesMixin):
    """One event handled against one conversation state."""

    def __init__(self, engine: Any, uow: Any, event: Event) -> None:
        self.engine = engine
        self.kb = engine.kb
        self.settings = engine.settings
        self.uow = uow
        self.ev = event
        self.reader = Reader(engine.kb, str(engine.settings.departement))
        self.conv: Any = None
        self.step = "start"
        self.st: dict[str, Any] = {}
        self._orig: tuple[str, dict[str, Any]] | None = None
        self.first_contact = False
        self.person: dict[str, Any] | None = None
        self.command: str | None = None
        #: a message the guichet could not place, said just before this one (``ContextMixin.unclear``)
        self.unclear_before: str | None = None

    # --- persistence ------------------------------------------------------------------------------------------
    async def load(self) -> None:
        self.conv = await self.uow.get_conversation(self.ev.channel, str(self.ev.chat_id))
        if self.conv is None:
            self.first_contact = True
            self.conv = ConversationState(channel=self.ev.channel, chat_id=str(self.ev.chat_id),
                                          user_id=str(self.ev.user_id), step="start", data={})
        self.step = LEGACY_STEPS.get(self.conv.step, self.conv.step) or "start"
        self.st = copy.deepcopy(self.conv.data or {})
        self._orig = (self.conv.step, copy.deepcopy(self.st))
        self.person = await self.uow.get_person(self.ev.channel, str(self.ev.user_id))

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

    def now(self) -> Any:
        return self.engine._now()

    def goto(self, step: str) -> None:
        self.step = step

    def in_intake(self) -> bool:
        return self.step in INTAKE_STEPS

    def has_draft(self) -> bool:
        return bool(self.st.get("draft"))

    def set_buttons(self, rows: list[list[Button]]) -> list[list[Button]]:
        """Offer these buttons: only their data is valid from now on (labels kept to understand a typed label)."""
        self.st["buttons"] = [b.data for row in rows for b in row]
        self.st["labels"] = {b.data: strip_mark(b.label) for row in rows for b in row}
        return rows

    def no_buttons(self) -> None:
        self.st["buttons"] = []
        self.st["labels"] = {}

    def remember_done(self, data: str) -> None:
        done = [d for d in self.st.get("done") or [] if d != data]
        self.st["done"] = (done + [data])[-DONE_MEMORY:]

    # --- dispatch -------------------------------------------------------------------------------------------------
    async def run(self) -> list[Reply]:
        ev = self.ev
        self.unclear_before = self.st.pop("unclear_said", None)  # kept for the next message only
        if self.first_contact or self.step == "start":
            self.goto("menu")
            if ev.kind == "text" and not (ev.text or "").strip().startswith("/"):
                text = v.clean_text(ev.text)
                if v.is_meaningless(text) or self.is_greeting(text):
                    return self.welcome()
                return [Reply(self.welcome_line())] + await self.on_text(ev.text or "")
            if ev.kind == "command" and self.command_name() not in ("start", None):
                return [Reply(self.welcome_line())] + await self.on_command()
            if ev.kind == "button":
                return await self.on_button(ev.data or "")
            if ev.kind == "file":
                return [Reply(self.welcome_line())] + await self.on_file()
            return self.welcome()
        if ev.kind == "command":
            return await self.on_command()
        if ev.kind == "button":
            return await self.on_button(ev.data or "")
        if ev.kind == "contact":
            if self.step == "phone":
                phone = v.validate_phone(ev.phone or "", from_platform=True)
                if phone is None:
                    return [Reply(T.PHONE_INVALID)] + self.prompt()
                return await self.fill({"phone": phone}, asked="phone", text="")
            return [Reply(T.CONTACT_NOT_EXPECTED)] + self.prompt()
        if ev.kind == "text":
            return await self.on_text(ev.text or "")
        if ev.kind == "file":  # issue 20: a document, a photo, a file from the web chat
            return await self.on_file()
        return [Reply(T.UNSUPPORTED)] + self.prompt()

    def command_name(self) -> str | None:
        raw = (self.command or self.ev.command or self.ev.text or "").strip()
        words = raw.lstrip("/").split("@", 1)[0].split(None, 1)  # "/@x" or " @" leave no word: not a command
        name = words[0].lower() if words else ""
        return name if name in COMMANDS else None

    # --- commands -------------------------------------------------------------------------------------------
    async def on_command(self) -> list[Reply]:
        name = self.command_name()
        if name is None:
            return [Reply(T.UNKNOWN_COMMAND)] + self.prompt()
        if name != "agent" and name != "confidentialite" and name != "aide":
            self.end_handover_quietly()
        if name == "start":
            return self.welcome()
        if name in _MENU_COMMANDS:
            return await self.menu_choice(_MENU_COMMANDS[name])
        if name == "agent":
            # "/agent <message>": the message is relayed with the handoff
            arg = v.clean_text(self.ev.text) if self.ev.kind == "command" and self.ev.text else None
            return await self.handoff(arg)
        if name == "aide":
            return [Reply(T.HELP_COMMANDS), Reply(self.privacy_full())] + self.prompt()
        if name == "confidentialite":
            return [Reply(self.privacy_full())] + self.prompt()
        if name == "annuler":
            return self.ask_cancel()
        if name == "recommencer":
            return [Reply(T.RESTARTED)] + await self.start_intake()
        if name == "mesdonnees":
            return await self.my_data()
        if name == "supprimer":
            if self.step not in ("erase_confirm", "cancel_confirm"):
                self.st["prev_step"] = self.step
            self.goto("erase_confirm")
            return self.prompt()
        if name == "fin":
            return await self.end_handover()
        return self.prompt()  # pragma: no cover

    # --- buttons --------------------------------------------------------------------------------------------
    async def on_button(self, data: str) -> list[Reply]:
        data = data if isinstance(data, str) else ""
        if data == AGENT_DATA:
            return await self.handoff(None)
        if data == "handover:end":
            return await self.end_handover()
        # Buttons of the reminder sent by the Telegram jobs (bot.channels.telegram.jobs), valid at any step.
        if data == REMINDER_RESUME:
            if self.has_draft():
                return await self.start_or_resume_intake()
            return self.menu()
        if data == REMINDER_DROP:
            if self.has_draft():
                return self.ask_cancel()
            return self.menu()
        # The final "Envoyer" (or a duplicate choice) of an intake already filed: show that request.
        filed = await self.already_filed(data)
        if filed is not None:
            return filed
        # The menu's buttons only navigate: an old copy does what a fresh one does.
        offered = data in (self.st.get("buttons") or []) or data in ("m:file", "m:question", "m:track", "m:menu")
        if not offered and self.restates_state(data):
            # A second press (a double tap, an old copy) of what is already set: nothing changes.
            return self.prompt()
        if not offered:
            if data in (self.st.get("done") or []):
                return self.prompt()
            # Stale or forged: refused, and recorded in the audit trail (the step and the size of the data, not
            # the data itself, which the sender controls).
            await self.uow.log_event(None, self.actor, "button_refused",
                                     {"channel": self.ev.channel, "step": self.step,
                                      "bytes": len(data.encode("utf-8", "replace"))})
            return [Reply(T.STALE_BUTTON)] + self.prompt()
        return await self.on_choice(data)

    async def on_choice(self, data: str) -> list[Reply]:
        """A valid button of the current step (pressed, or its label typed)."""
        if data.startswith("m:"):
            return await self.menu_choice(data[2:])
        if data == TOPIC_FILE:
            self.remember_done(data)
            return await self.start_from_topic()
        if data.startswith("x:"):
            return await self.confirm_choice(data)
        if not data.startswith(("set:", "add:", "del:")):
            self.remember_done(data)
        return await self.form_choice(data)

    # --- text -----------------------------------------------------------------------------------------------------
    async def on_text(self, raw: str) -> list[Reply]:
        text = v.clean_text(raw)
        if text.startswith("/"):
            self.command = text
            if self.command_name():
                return await self.on_command()
            self.command = None
        if v.is_meaningless(text):
            return [Reply(T.EMPTY_OR_UNREADABLE)] + self.prompt()
        await self.prime_act(text)
        norm = normalize(text[:200])
        # Words that act as commands wherever the person is.
        if norm in ("annuler", "abandonner", "stop"):
            return self.ask_cancel()
        if norm in ("recommencer", "tout recommencer"):
            return [Reply(T.RESTARTED)] + await self.start_intake()
        if norm in ("aide", "help"):
            return [Reply(T.HELP_COMMANDS), Reply(self.privacy_full())] + self.prompt()
        if norm == "menu" and not self.in_intake():
            return self.menu()
        if self.st.get("handover"):
            replies = await self.in_handover(text, norm)
            if replies:
                return replies
        if self.wants_agent(norm):
            return await self.handoff(text)
        act = self.act_of(text)
        sentence = getattr(self, "_sentence_handover", None)
        by_sentence = bool(sentence and sentence[0] == text and sentence[1])
        if self.asks_about_guichet(text, act):
            # « je parle à un robot là ? »: what the guichet is, answered; the question asked before stays open
            return await self.answer_question(text, reprompt=True)
        if (((act.act == "handover" and act.confidence >= act_gate("handover")) or by_sentence) and self.step != "need"
                and not _engineering_asked(text) and not self.answers_contact(text)
                and not (_ASKS_WHO_OR_HOW.match(norm) and self.faq(text) is not None)
                # a question the FAQ answers, one sentence of which only sounds like a call (« J'entends parler du
                # CRTE en réunion. C'est quoi exactement ? »): answered
                and not (by_sentence and act.act in ("question", "place_question")
                         and act.confidence >= act_gate("handover") and self.faq(text) is not None)
                # « un point rapide sur la salle polyvalente svp »: how a filed project stands, not a call
                and not (not self.in_intake() and await self._asks_after_filed(text))):
            # « je préfère qu'un agent me rappelle », or a letter asking to meet the State's services
            return await self.handoff(text)
        # A staff question awaiting the mayor's answer: the next free text outside an intake is the answer.
        awaiting = self.st.get("awaiting")
        if awaiting and not self.in_intake() and self.step not in ("cancel_confirm", "erase_confirm"):
            replies = await self.deliver_answer(awaiting, text)
            if replies:
                return replies
        replies = await self.about_a_request(text)
        if replies:
            return replies
        if x.is_back(text) and self.in_intake():
            return await self.go_back()
        data = self.typed_choice(norm)
        if data is None:
            data = self.yes_no_by_meaning(text, act)
        if data is not None:
            return await self.on_choice(data)
        if self.step in ("cancel_confirm", "erase_confirm"):
            return [Reply(T.use_buttons_for(self.step))] + self.prompt()
        if self.in_intake():
            courtesy = self.courtesy(text, act)
            if courtesy is not None:
                return courtesy
            return await self.form_text(text)
        replies = await self.request_from_topic(text)  # « une demande pour ça » after a question
        if replies:
            return replies
        if self.step == "question":
            return await self.answer_question(text, reprompt=True)
        return await self.listen(text, norm)

    def answers_contact(self, text: str) -> bool:
        """A phone number or an address given in a request, without words of talking or calling (« il me manquait un
        chiffre : 06 72 18 40 93 » reads as a call for a person): the contact, no call (staff will call that number
        anyway); « rappelez-moi au 06 … » still calls."""
        if not self.in_intake() or not (x.find_phone(text) or x.find_email_spoken(text)):
            return False
        return not talks(text)

    def asks_about_guichet(self, text: str, act: Act) -> bool:
        """A question about whom the person is talking to (« vous êtes un robot ? »), which the act reader may read as
        a call for a person: the FAQ's entry about the guichet itself answers it. None of the dev set's 72 calls for
        a person is answered by that entry (they are, by « parler à un agent » or a contact)."""
        if act.act not in ("handover", "question") or not text.rstrip().endswith("?") or len(text.split()) > 12:
            return False
        ans = self.faq(text)
        return ans is not None and getattr(ans, "id", None) in ABOUT_GUICHET

    def courtesy(self, text: str, act: Act) -> list[Reply] | None:
        """« ok merci beaucoup », « bonjour » in the middle of an intake: acknowledged, and the pending question asked
        again; never refused. Only when the message carries no fact the form would read."""
        if act.act not in ("thanks", "greeting") or act.confidence < act_gate(act.act):
            return None
        asked = self.step if self.step in SLOTS else None
        if asked in ("commune", "need", "name") or self.step in ("commune_pick", "commune_confirm"):
            return None  # a free answer there is read by the form
        facts = self.reader.read(text, asked, self.draft, is_question=False)
        if facts.values or facts.candidates:
            return None
        return [Reply(T.THANKS_IN_INTAKE if act.act == "thanks" else T.HELLO_IN_INTAKE)] + self.prompt()

    def note_message(self, text: str) -> None:
        """Keep the person's words that said something: the last one for a handover, all of an intake for staff."""
        if not text:
            return
        self.st["last_text"] = v.truncate(text, 1000)[0]
        if self.has_draft():
            kept = list(self.st.get("transcript") or [])
            said = v.truncate(text, v.NEED_MAX_CHARS)[0]
            if len(kept) < MAX_TRANSCRIPT and (not kept or kept[-1] != said):
                kept.append(said)
            self.st["transcript"] = kept

    def typed_choice(self, norm: str) -> str | None:
        if not norm or self.step in ("commune",):
            return None
        labels = self.st.get("labels") or {}
        valid = self.st.get("buttons") or []
        normed = {data: normalize(labels.get(data) or "") for data in valid}
        # a typed item of a multiple choice ticks it (never unticks)
        for data, label in normed.items():
            if label and label == norm and not data.startswith("del:"):
                return data
        if len(norm) >= 4:  # the start of exactly one label ("ingenierie" for "Ingénierie (étude, conseil)")
            starts = [d for d, label in normed.items() if label.startswith(norm + " ") and not d.startswith("del:")]
            if len(starts) == 1:
                return starts[0]
        if self.step in MULTI_STEPS and x.is_done(norm):  # « c'est bon », « c'est tout »: the « Valider » button
            for data in valid:
                if data in ("done:help", "done:th"):
                    return data
        if norm in ("oui", "o", "yes", "ok", "d accord", "oui est ca", "est ca", "exact", "valider", "envoyer"):
            for data in valid:
                if data in ("id:yes", "fix:yes", "x:yes", "done:help", "done:th", "set:commune:" + self._cand_code(),
                            "y") or data.startswith("send:"):
                    return data
        if norm in ("non", "n", "no", "pas du tout"):
            for data in valid:
                if data in ("id:no", "fix:no", "x:no", "e:commune"):
                    return data
        if norm in ("passer", "suivant", "je passe", "aucun", "aucune", "non merci", "non", "rien", "je ne sais pas",
                    "sais pas", "ne sais pas"):
            for data in valid:
                if data.startswith("set:") and data.endswith(":-"):
                    return data
        return None

    def yes_no_by_meaning(self, text: str, act: Act) -> str | None:
        """A yes or a no in other words at a yes/no question (« Oui c'est bien ça, merci. », « non pas du tout
        ça »): the act reader's yes or no, with its courtesy set aside (« merci », « bonjour » answer nothing), in a
        short message. None when the reading is not clearly one of the two."""
        valid = self.st.get("buttons") or []
        send = next((d for d in valid if d.startswith("send:")), None)
        if send and self.step == "recap" and self.ev.sends_in_words and len(text.split()) <= SEND_MAX_WORDS:
            # « Oui c'est bien ça. Envoyez. », « ok pour moi », « C'est correct, vous pouvez envoyer. »: the recap
            # approved in words is sent; anything that corrects or adds (« oui mais il manque … ») is not
            norm = normalize(text)
            if not _NOT_PLAIN_YES.search(norm) and not re.search(r"[@\d?]", text) \
                    and (_SEND_WORDS.search(norm) or (_YES_WORDS.search(norm) and self._reads_yes(act))):
                return send  # (an address, a number or a question typed at the recap is never an approval)
        if len(text.split()) > YES_NO_MAX_WORDS:
            return None
        pairs = {"yes": ["id:yes", "fix:yes", "x:yes"], "no": ["id:no", "fix:no", "x:no", "out:no"]}
        # « Voulez-vous tout de même déposer votre demande ici ? » (a commune of another département): a yes files
        # here, a no does not (at the intake's confirmation, a no asks for another commune)
        pairs["yes"] += [d for d in valid if d.startswith("out:file:")
                         or (self.step == "commune_confirm" and d.startswith("set:commune:"))]
        if self.step == "commune_confirm":
            pairs["no"].append("e:commune")
        if not any(d in valid for d in pairs["yes"]) or not any(d in valid for d in pairs["no"]):
            return None
        shares = {kind: p for kind, p in act.ranked if kind not in ("thanks", "greeting")}
        total = sum(shares.values())
        if total <= 0:
            return None
        kind, p = max(shares.items(), key=lambda kp: kp[1])
        if kind not in pairs or p < YES_NO_MIN or p / total < YES_NO_SHARE:
            return None
        return next(d for d in pairs[kind] if d in valid)

    @staticmethod
    def _reads_yes(act: Act) -> bool:
        shares = {kind: p for kind, p in act.ranked if kind not in ("thanks", "greeting")}
        total = sum(shares.values())
        return total > 0 and shares.get("yes", 0.0) >= YES_NO_MIN and shares.get("yes", 0.0) / total >= YES_NO_SHARE

    def _cand_code(self) -> str:
        cands = self.st.get("candidates") or []
        return cands[0]["code"] if cands and self.step == "commune_confirm" else "\0"

    def is_greeting(self, text: str) -> bool:
        from intents.classify import classify

        norm = normalize(text)
        if norm in ("bonjour", "bonsoir", "salut", "hello", "coucou", "start", "bjr"):
            return True
        intent = classify(text, self.engine._vocabulary)
        return intent.name == "greeting" and float(intent.confidence) >= 0.8 and len(norm.split()) <= 4

    async def prime_act(self, text: str) -> None:
        """Read the kind of the message off the event loop (the sentence encoder takes milliseconds)."""
        try:
            act = await asyncio.to_thread(read_act, text, STEP_NAMES.get(self.step), self.engine._vocabulary)
        except Exception:  # noqa: BLE001
            return
        self._act = ((text, self.step), act)
        self._sentence_handover = None
        # a message read as a call for a person without being sure (a letter: a project, then « pouvez-vous me
        # mettre en relation ? », read 0.24 whole) is read sentence by sentence too, like any other
        if act.act != "handover" or act.confidence < act_gate("handover"):
            try:
                self._sentence_handover = (text, await asyncio.to_thread(self.handover_sentence, text))
            except Exception:  # noqa: BLE001
                pass

    def act_of(self, text: str, step: str | None = None) -> Act:
        """The kind of this message (``understand.read_act``), read once per turn; ``step``: the kind of step it
        answers, when not the current one's (« after_answer » for a message that follows an answer)."""
        key = (text, step or self.step)
        cached = getattr(self, "_act", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            act = read_act(text, step or STEP_NAMES.get(self.step), self.engine._vocabulary)
        except Exception:  # noqa: BLE001 - never fails a turn
            act = Act("other", 0.0)
        self._act = (key, act)
        return act

    def is_question(self, text: str) -> bool:
        if not text:
            return False
        act = self.act_of(text)
        if act.act in ("correction", "addition", "status", "handover") and act.confidence >= 0.5:
            return False
        if text.rstrip().endswith("?"):
            return True
        if act.act == "new_request" and act.confidence >= act_gate("new_request"):
            return False  # the learned reader is sure it is a project (« Pour passer l'éclairage public en LED. »)
        if _FIRST_ASKS.match(text.strip()):
            return True  # « et l'éclairage public, ça rentre dedans ? on a encore plein de vieilles lampes au sodium »
        # a word or two (« école » at the need question) is an answer, not a question, unless it ends with « ? »
        if act.act in ("question", "place_question") and act.confidence >= 0.6 and len(text.split()) >= 3:
            return True
        try:  # the older reader's question forms (« est-ce que … », « c'est quoi … ») still count
            from intents.classify import classify

            intent = classify(text, self.engine._vocabulary)
            return intent.name == "question" and float(intent.confidence) >= 0.6
        except Exception:  # noqa: BLE001
            return False
