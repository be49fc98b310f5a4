"""The intake loop: fill every slot a message carries, then ask the first one still missing (``slots.INTAKE``).

* A typed message is read by :class:`bot.dialogue.understand.Reader` for every fact; the slot being asked gets the
  looser reading. What is understood is written; a fact that contradicts one already given is shown for
  confirmation (step ``conflict``), unless the person says it is a correction (« non, c'est à Chaux »).
* Buttons say what they set (``choices.py``: ``set:<slot>:<value>``, ``add:help:<k>``, ``e:<group>``…). Pressing one
  twice is pressing it once.
* When nothing is missing, the recap (``filing.py``) shows everything, each part correctable.
"""

from __future__ import annotations

import re

import secrets
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.choices import ChoicesMixin
from bot.dialogue.common import candidate_label, log_exc, value_of
from bot.dialogue.events import Button, Reply
from bot.dialogue.neededit import put_off
from bot.dialogue.slots import COMMUNE_KEYS, SLOTS, first_missing
from bot.texts import dialogue as T
from intents import extract as x
from intents.distill import distill_need, without_put_off
from intents.hold import holds
from intents.named_fix import slot_named
from intents.need import addition_parts, clean_need, join_need
from intents.normalize import normalize

#: Steps offering buttons where a name typed alone (« Marie Dupont ») is read as the contact's name; and the budget's
#: question, which no name answers (« Élodie Schmitt » typed there, ahead of the name's question).
NAME_AT_BUTTON_STEPS = ("role", "stage", "help", "identity", "budget")
#: words typed at a question with buttons that answer it not are kept for staff and said so from this many meaningful
#: words (« si possible avan lhiver »); fewer (« le roi du monde », « aucune idée ») get the buttons and what is expected
KEPT_WORDS = 3
#: a message this long (words) at the collectivité's question is a sentence, never a misspelt name: not refused
SENTENCE_WORDS = 6


#: … unless it names where (« c'est la commune de st germain le chatlet », a postcode): a place misspelt, said so
_SAYS_PLACE = re.compile(r"\b(?:commune|mairie|ville|village|communaute|cc|agglo|interco\w*|code postal|\d{5})\b")


def _a_sentence(text: str) -> bool:
    return len(text.split()) >= SENTENCE_WORDS and len(v.meaningful_words(text)) >= KEPT_WORDS \
        and not _SAYS_PLACE.search(normalize(text))


#: Slots whose value is shown back with its label in the "C'est noté" line.
_SHOWN = ("commune", "role", "need", "stage", "help", "budget", "timing", "name", "phone", "email")


#: not to send yet, said in so many words (« Attendez, ne l'envoyez pas encore », « n envoyez rien »): exact
_NOT_YET = re.compile(r"\b(?:n|ne)\s+(?:l\s+|la\s+|les\s+)?(?:envoy|transmet|depos|valid)\w*\s+(?:pas|rien|plus)\b|"
                      r"^(?:attendez|attends|patientez)\b|\bpas (?:encore|tout de suite|maintenant)\b")


#: the sentences of a message, a « ! » that stresses a name before its « pas … » kept in one (« Petit-Croix ! pas Croix,
#: Croix c'est à côté »: the correction is « Petit-Croix, pas Croix », not « pas Croix, c'est à côté »)
_SENTENCE = re.compile(r"(?<=[.?;])\s+|(?<=!)\s+(?!\s*(?:et\s+)?(?:pas|non)\s)|\n+")


def _phone_mistyped(text: str) -> str | None:
    """A French phone number typed with a digit too few or too many (« 06 72 18 40 9 »), as typed; else None."""
    if x.find_phone(text):
        return None
    for m in re.finditer(r"(?<![\d+€])0[1-9](?:[ .-]?\d){5,9}(?![\d€]|\s*(?:€|euros?|k\b|ht\b|ttc\b))", text or ""):
        if len(re.sub(r"\D", "", m.group(0))) in (8, 9, 11):
            return m.group(0).strip()
    return None


def later_correction(text: str) -> str | None:
    """A sentence after the first that corrects what was said (« X, pas Y », « c'est pas Y c'est X », « en fait
    … »), its lead (« ah et ») set aside; ``None`` when there is none."""
    sentences = [p for p in _SENTENCE.split(text or "") if p.strip()]
    for sentence in sentences[1:]:
        said = re.sub(r"^\s*(?:(?:et|mais|ah|oh|euh|enfin)\b[\s,]*)+", "", sentence, flags=re.IGNORECASE)
        parts = x.correction_parts(said)
        if x.is_correction(said) or (parts is not None and parts[1]):
            return said
    return None


class FormMixin(ChoicesMixin):
    #: the message just before, left unclear (set by the turn, for the next message only)
    unclear_before: str | None = None

    # --- starting ---------------------------------------------------------------------------------------------
    def new_draft(self) -> None:
        self.drop_draft()
        self.st["draft"] = {"id": secrets.token_hex(4)}

    async def start_intake(self, facts: dict[str, Any] | None = None, text: str = "") -> list[Reply]:
        self.new_draft()
        facts = self.with_person(facts)  # who the person said they are in a question before (context.py)
        before = self.unclear_before
        if before and "need" not in (facts or {}):
            # the message just before, left unclear (« chauffage eglise en panne »), then « phaffans »: its need
            facts = dict(facts or {}, need=before)
        if facts:
            return await self.fill(facts, asked=None, text=text)
        return await self.ask_next()

    async def start_or_resume_intake(self) -> list[Reply]:
        if self.has_draft():
            return [Reply(self.resume_line())] + await self.ask_next()
        return await self.start_intake()

    def resume_line(self) -> str:
        return T.resume(self.draft.get("commune_name"))

    # --- asking -------------------------------------------------------------------------------------------------
    async def ask_next(self) -> list[Reply]:
        """Ask what is pending: a choice in progress, the remembered person, the first missing slot, or the recap."""
        if self.st.get("conflict"):
            self.goto("conflict")
            return self.prompt()
        if self.identity_pending():
            self.goto("identity")
            return self.prompt()
        slot = first_missing(self.draft)
        if slot is None:
            return self.enter_recap()
        self.goto(slot.name)
        asked = list(self.st.get("asked") or [])
        if not asked or asked[-1] != slot.name:
            self.st["asked"] = (asked + [slot.name])[-20:]
        if slot.name == "help":
            self.st.setdefault("help_sel", [])
        return self.prompt()

    def prompt(self, again: bool = False) -> list[Reply]:
        fn = getattr(self, f"prompt_{self.step}", None)
        if fn is None:
            return self.menu()
        return fn(again=True) if again else fn()

    def prompt_commune(self) -> list[Reply]:
        self.no_buttons()
        return [Reply(T.ASK_COMMUNE)]

    def prompt_commune_confirm(self) -> list[Reply]:
        c = (self.st.get("candidates") or [None])[0]
        if c is None:
            self.goto("commune")
            return self.prompt_commune()
        if c.get("outside"):
            text = self.outside_text(c) + "\n\n" + T.OUTSIDE_CHOICE  # issue 19: who serves it
            rows = [[Button(T.YES, f"set:commune:{c['code']}"), Button(T.COMMUNE_OTHER, "e:commune")]]
        else:  # a conversation stored before the form confirmed every commune
            text = T.commune_confirm(c["name"], c["departement"], c.get("population"), c.get("epci_name"))
            rows = [[Button(T.YES, f"set:commune:{c['code']}"), Button(T.NO, "e:commune")]]
        return [Reply(text, self.set_buttons(rows))]

    def prompt_commune_pick(self) -> list[Reply]:
        cands = self.st.get("candidates") or []
        rows = [[Button(candidate_label(c), f"set:commune:{c['code']}")] for c in cands]
        rows.append([Button(T.COMMUNE_NONE_OF_THESE, "e:commune")])
        return [Reply(T.COMMUNE_PICK, self.set_buttons(rows))]

    def prompt_role(self) -> list[Reply]:
        rows = [[Button(lbl, "set:role:" + key)] for key, lbl in T.ROLES.items()]
        return [Reply(T.ASK_ROLE, self.set_buttons(rows))]

    def prompt_need(self) -> list[Reply]:
        self.no_buttons()
        return [Reply(T.NEED_MORE if self.st.get("need_partial") else T.ASK_NEED)]

    def prompt_stage(self) -> list[Reply]:
        rows = [[Button(lbl, "set:stage:" + key)] for key, lbl in T.STAGES.items()]
        return [Reply(T.ASK_STAGE, self.set_buttons(rows))]

    def prompt_help(self) -> list[Reply]:
        selected = set(self.st.get("help_sel") or [])
        rows = [[Button("✅ " + lbl, "del:help:" + key) if key in selected else Button(lbl, "add:help:" + key)]
                for key, lbl in T.HELP_KINDS.items()]
        rows.append([Button(T.VALIDATE, "done:help")])
        return [Reply(T.ASK_HELP, self.set_buttons(rows))]

    def prompt_themes_edit(self) -> list[Reply]:
        selected = set(self.st.get("theme_sel") or [])
        buttons = [Button("✅ " + self.theme_label(t), "del:th:" + t) if t in selected
                   else Button(self.theme_label(t), "add:th:" + t) for t in self.theme_ids()]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([Button(T.VALIDATE, "done:th")])
        return [Reply(T.THEMES_EDIT, self.set_buttons(rows))]

    def prompt_budget(self) -> list[Reply]:
        return [Reply(T.ASK_BUDGET, self.set_buttons([[Button(T.SKIP, "set:budget:-")]]))]

    def prompt_timing(self) -> list[Reply]:
        return [Reply(T.ASK_TIMING, self.set_buttons([[Button(T.SKIP, "set:timing:-")]]))]

    def prompt_name(self) -> list[Reply]:
        self.no_buttons()
        return [Reply(T.ASK_NAME)]

    def prompt_phone(self) -> list[Reply]:
        rows = self.set_buttons([[Button(T.SKIP, "set:phone:-")]])
        return [Reply(T.ASK_PHONE, rows, request_contact=True)]

    def prompt_email(self) -> list[Reply]:
        self.no_buttons()
        return [Reply(T.EMAIL_REQUIRED + " " + T.ASK_EMAIL, remove_keyboard=True)]

    def prompt_conflict(self) -> list[Reply]:
        c = self.st.get("conflict") or {}
        text = T.conflict(T.RECAP_LABELS.get(c.get("slot", ""), c.get("slot", "")), c.get("old") or "",
                          c.get("new") or "")
        rows = [[Button(T.CONFLICT_REPLACE, "fix:yes"), Button(T.CONFLICT_KEEP, "fix:no")]]
        return [Reply(text, self.set_buttons(rows))]

    # --- reading a message ------------------------------------------------------------------------------------
    async def form_text(self, text: str) -> list[Reply]:
        asked = self.step if self.step in SLOTS else None
        if self.step in ("commune_confirm", "commune_pick"):
            asked = "commune"
        act = self.act_of(text)
        narrowed = put_off(self, text)  # « le parking on verra plus tard »: that part of the need goes (« Finalement
        if narrowed is not None:        # non, … L'atelier on verra l'an prochain. » too, before the correction)
            rest = without_put_off(text)  # (what is said of the project put off is not read: « l'an prochain »)
            return [narrowed] + (await self.form_text(rest) if v.meaningful_words(rest) else await self.ask_next())
        # A correction, wherever it is typed (a question with buttons, the recap): the slot it names changes.
        parts = x.correction_parts(text)
        later = later_correction(text)  # « environ 25 000. ah et c pas Suarce c Lebetain »
        named = slot_named(text)  # « c'est bon sauf la date : …, mettez à la Toussaint 2027 »
        if self.step == "recap" and not (x.is_correction(text) or parts is not None or later or named
                                         or (act.act == "correction" and act.confidence >= 0.5)) \
                and not addition_parts(x.strip_contact(text))[1] and holds(text):
            # « tout bien relu, je préfère patienter : les élus en reparlent le 3 mai, je reviendrai » (by meaning):
            # nothing is sent, nothing added to the project (the words are kept for staff)
            self.note_message(text)
            return [Reply(T.RECAP_HELD)] + self.prompt()
        if act.act == "correction" or x.is_correction(text) or (parts is not None and parts[1]) or later or named:
            # (a message led by its correction is read from its start: a later sentence's « pas » is its own)
            # (or whose first sentence is one: « c'est bon sauf la commune : Lepuix-Neuf, pas Lepuix ! c'est pas du
            # tout le même coin »)
            first = _SENTENCE.split(text.strip(), maxsplit=1)[0]
            led = x.is_correction(text) or bool((x.correction_parts(first) or ("", None))[1])
            values = self.reader.correction(text if later and led and parts and parts[1] else
                                            later or text, self.draft, self.shown_value)
            only = False  # the fact named is the one corrected: « c'est bon sauf la date » says the rest is right
            if not values and named:
                value = self.reader.named_value(named[0], named[1], self.draft, self.shown_value)
                values, only = ({named[0]: value}, True) if value else ({}, False)
            if values:
                self.note_message(text)
                slot, value = next(iter(values.items()))
                if slot in self.draft and self.shown_value(slot) == self.value_text(slot, value):
                    # « Lepuix et non Giromagny » when Lepuix is already noted: said back, nothing changes
                    return [Reply(T.already_noted(T.RECAP_LABELS.get(slot, slot), self.shown_value(slot) or ""))] \
                        + await self.ask_next()
                # the other facts the correction carries are corrections too (« pas de devis, c'est encore une idée,
                # on pense à 250 000 »: the stage and the budget)
                others = {} if only else self.reader.read(text, None, self.draft, is_question=False).values
                if "name" not in others and not self.draft.get("name") and not only:
                    typed = self.reader.typed_name(text)  # « Paul Renaud. Et je me suis trompé plus haut, … »
                    if typed:
                        others["name"] = typed
                for key, val in others.items():
                    # a name signed under the correction is taken when none is known yet (« … c'est encore une
                    # idée. Jean-Paul Riether, mairie@… »); a known one changes only by its own correction
                    if key not in values and key not in ("need", "help_add", "commune") \
                            and (key != "name" or not self.draft.get("name")):
                        values[key] = val
                return await self.fill(values, asked=None, text=text, correction=True)
        # One more part of the need (« il manque : … », « et aussi refaire le toit »), once the need is known.
        added = self.add_to_need(text, act, asked)
        if added is not None:
            out = [added]
            facts = self.reader.read(text, None, self.draft, is_question=False)  # the contact too (« plutôt le 06… »)
            values = {k: val for k, val in facts.values.items() if k != "need"}
            if values:
                more = await self.fill(values, asked=None, text=text)
                if more and more[0].text in (T.RECAP_NOT_UNDERSTOOD, T.RECAP_HELD):
                    more = more[1:]  # the message was understood: it was one more part of the need
                return out + more
            self.note_message(text)
            return out + await self.ask_next()
        is_q = self.is_question(text)
        said, closing = text, False
        if asked == "help":  # « financement, c'est tout »: tick, then « Valider »
            said, closing = x.split_done(text)
            said = said if closing and said else text
        facts = self.reader.read(said, asked, self.draft, is_question=is_q)
        if self.step in NAME_AT_BUTTON_STEPS and "name" not in facts.values and "commune" not in facts.values \
                and (self.step not in facts.values or "\n" in text.strip()):  # (« maire\nfrechard daniel »)
            # « Marie Dupont » typed at a question with buttons: the contact's name (listen first)
            name = self.reader.typed_name(text)
            if name:
                facts.values["name"] = name
                facts.problem = None
        if self.step == "identity" and "name" in facts.values:
            return await self.identity_typed(dict(facts.values), text)
        partial = self.st.get("need_partial") if asked == "need" else None
        if partial and facts.values.get("need"):
            # « le mur du cimetière », asked for more, then « … l'entreprise a commencé à le remonter »: both parts
            facts.values["need"] = partial + "\n" + facts.values["need"]
        elif partial and len(v.meaningful_words(x.strip_contact(text))) >= 3:
            # « il s'est effondré en partie cet hiver »: more of the project, whatever else it says
            facts.values["need"] = partial + "\n" + text
            facts.need_short = False
            facts.problem = None
        elif asked == "need" and any(k != "need" for k in facts.values) \
                and len(v.meaningful_words(x.strip_contact(text))) <= 4:
            # « adjoint aux sports », « 450k » typed at the need question: a fact of another slot, not the project
            facts.values.pop("need", None)
            facts.need_short = False
            facts.problem = None
        elif asked == "need" and self.st.get("need_partial") and not facts.values.get("need"):
            joined = self.st["need_partial"] + "\n" + text
            if v.meaningful_words(joined):
                facts.values["need"] = joined
                facts.need_short = False
                facts.problem = None
        if asked == "commune" and facts.candidates:
            self.st["candidates"] = facts.candidates
            self.goto("commune_pick")
            return self.prompt()
        if asked == "commune" and facts.problem and self.step != "commune":
            if facts.values or _a_sentence(text):
                # words that say something else (« il faudrait un technicien qui vienne voir et sûrement des sous »)
                # are no misspelt collectivité: what they carry is taken (else kept for staff), the choice stays open
                step, candidates = self.step, self.st.get("candidates")
                self.note_message(text)
                if not facts.values:
                    return [Reply(T.noted_for_staff(text))] + self.prompt()
                out = await self.fill(dict(facts.values), asked=None, text=text, quiet=True)
                if candidates and self.step in (step, "commune"):
                    self.st["candidates"] = candidates
                    self.goto(step)
                    out = [r for r in out if r.text != T.ASK_COMMUNE] + self.prompt()
                return out
            # another name typed at the pick: not found either, the choice stays open
            return [Reply(facts.problem)] + self.prompt()
        values = dict(facts.values)
        if not values and (is_q or facts.problem == "question"):
            return await self.answer_question(text, reprompt=True)
        if asked == "need" and facts.need_short and "need" not in values:
            if not self.st.get("need_partial"):
                self.st["need_partial"] = text[: v.NEED_MAX_CHARS]
                return [Reply(T.NEED_MORE)]
            values["need"] = self.st["need_partial"] + "\n" + text
        out = await self.fill(values, asked=asked, text=text, quiet=True, then_validate=closing)
        wrong = None if "phone" in values or self.draft.get("phone") else _phone_mistyped(text)
        if wrong:  # « Alain Fesselet, 06 72 18 40 9 »: the name taken, the number said back (never dropped unsaid)
            out = out[:-1] + [Reply(T.phone_incomplete(wrong))] + out[-1:]
        if len(v.meaningful_words(text)) >= 2:
            self.note_message(text)  # nothing is lost: words the form could not use still reach staff
        if asked and asked not in values and facts.problem and facts.problem != "question" and len(values) == 0:
            if asked in ("role", "stage", "help") and self.step == asked:
                # words that say something (kept for staff above) are not refused: said so, the question again
                kept = len(v.meaningful_words(text)) >= KEPT_WORDS
                return [Reply(T.kept_then_ask(asked) if kept else T.use_buttons_for(asked))] + out
            if asked in ("budget", "timing") and self.step == asked \
                    and len(v.meaningful_words(text)) >= KEPT_WORDS:
                # an optional question answered with words that say something else (« c pr avoir des sous on a pas
                # le budget », « ok c bon vs pouvez envoyer »): kept for staff, said so, and the question passed
                self.write(asked, None)  # (nothing else was read: ``out`` is the question again, not repeated)
                return [Reply(T.noted_for_staff(text))] + await self.ask_next()
            if asked == "commune" and self.step == "commune" and _a_sentence(text):
                return [Reply(T.noted_for_staff(text))] + out  # a sentence is no misspelt collectivité: kept
            if self.step == asked or (asked == "commune" and self.step == "commune"):
                return [Reply(facts.problem)] + out
        return out

    async def fill(self, values: dict[str, Any], asked: str | None, text: str, quiet: bool = False,
                   then_validate: bool = False, correction: bool | None = None) -> list[Reply]:
        """Write what a message (or a button) says, then ask what is next (``then_validate``: the kinds of help
        typed are ticked and « Valider » pressed; ``correction``: the person said it replaces what was given)."""
        noted: list[tuple[str, str]] = []
        out: list[Reply] = []
        correction = x.says_correction(text) if correction is None else correction
        had_conflict = bool(self.st.get("conflict"))
        had_need = bool(self.draft.get("need"))
        written = 0
        for slot, value in values.items():
            if slot == "help_add":
                sel = list(self.st.get("help_sel") or [])
                sel += [k for k in value if k not in sel]
                self.st["help_sel"] = sel
                continue
            if slot == "commune" and value.get("outside"):
                self.st["candidates"] = [value]
                self.goto("commune_confirm")
                return out + [Reply(T.ack([t for _, t in noted]))] * bool(noted) + self.prompt()
            if slot in ("commune",) and self.draft.get("commune_code") == value["code"]:
                continue
            if slot == "need" and len(value) > v.NEED_MAX_CHARS:
                out.append(Reply(T.TOO_LONG_TRUNCATED))
            current = self.shown_value(slot)
            is_set = slot in self.draft
            if not is_set or slot == asked or self.draft.get(slot) is None:
                self.write(slot, value)
                written += 1
            elif self.value_text(slot, value) == current:
                continue
            elif correction:
                self.write(slot, value)
                written += 1
                out.append(Reply(T.corrected(T.RECAP_LABELS.get(slot, slot), self.value_text(slot, value))))
                continue
            elif not self.st.get("conflict"):
                self.st["conflict"] = {"slot": slot, "value": value, "old": current,
                                       "new": self.value_text(slot, value)}
                continue
            else:
                continue
            if slot != asked or slot == "commune":
                noted.append((slot, self.noted_text(slot, value)))
        if noted:
            order = list(SLOTS)
            noted.sort(key=lambda item: order.index(item[0]) if item[0] in order else 99)
            out.append(Reply(T.ack([text for _, text in noted])))
        if written or "help_add" in values or "commune" in values:
            self.note_message(text)
        if asked == "help" and "help_add" in values and self.step == "help":
            # several kinds named in words, or kinds typed in the intake's first pass (« il nous faut une
            # subvention », « subvention »): the answer is given; from the recap's edit a typed kind only ticks
            if then_validate or len(values["help_add"]) >= 2 or written or not self.draft.get("help"):
                return out + await self.multi_choice("done", "help", "")
            return out + self.prompt()
        if not written and not out and had_conflict == bool(self.st.get("conflict")):
            # nothing understood: the same question again, nothing changed
            if self.step == "recap":
                held = self.act_of(text).act == "no" or re.match(r"(?i)\s*non\b", text or "") \
                    or _NOT_YET.search(normalize(text or "")) or holds(text)  # (« je préfère attendre », by meaning)
                return [Reply(T.RECAP_HELD if held else T.RECAP_NOT_UNDERSTOOD)] + self.prompt()
            if self.step in ("identity", "conflict", "themes_edit", "duplicate", "commune_confirm", "commune_pick"):
                return [Reply(T.use_buttons_for(self.step))] + self.prompt()
            return self.prompt()
        if not had_need and self.draft.get("need") and self.step not in ("recap", "duplicate", "conflict", "themes_edit"):
            # the project said at a later question (« on cherche une aide pour le feu d'artifice de la fête »):
            # what the programmes do not fund is told at once, as for a first message
            early = self.no_fit_early(text)
            if early:
                return out + early
        return out + await self.ask_next()

    def add_to_need(self, text: str, act: Any, asked: str | None) -> Reply | None:
        """« il manque : … », « et aussi refaire le toit de l'école » once the need is known: the part is added to
        the need (themes and matches read again). ``None`` when the message is not one more part of the project."""
        need = self.draft.get("need")
        if not need or asked == "need" or self.step == "need":
            return None
        if act.act in ("question", "place_question", "status", "handover", "correction", "off_topic") \
                and act.confidence >= 0.5:
            return None
        part, led = addition_parts(x.strip_contact(text))  # a phone number or an e-mail address is the contact
        if led and not addition_parts(text)[0]:
            return None  # what is missing is a field (« il manque : mon portable, … 06 83 … »): read as such
        said = part
        part = distill_need(part, fallback=False) if part else part  # only the project's clauses are added
        if not part and led and len(v.meaningful_words(said)) >= 2 and not x.find_reference(text) \
                and not (x.find_help_kinds(said, asked=True) or x.find_stage(said, asked=True)
                         or (asked == "role" and x.find_role(said, asked=True))):
            # « il manque : le maire souhaite être en copie de tous les échanges »: said as an addition, not the
            # project: a note for staff, never refused (the question asked stays open)
            self.note_message(text)
            return Reply(T.noted_for_staff(said))
        if not part or x.find_reference(text):
            return None
        explicit = led or (act.act == "addition" and act.confidence >= 0.5)
        if asked in ("commune", "budget", "timing", "name", "phone", "email") and not explicit:
            return None  # a typed answer to the question asked is that answer (a long name is not a project)
        words = v.meaningful_words(part)
        if len(words) <= 3 and (x.find_help_kinds(part, asked=True) or x.find_stage(part, asked=True)
                                or x.find_role(part, asked=True) or x.find_bare_name(part)):
            return None  # the answer to a slot (« financement », « étude », « Marie Dupont »), not a project
        if act.act == "addition" and act.confidence >= 0.5:
            ok = len(words) >= 2 or led
        elif led:  # « et aussi … », « il manque … » before a part of a project
            ok = bool(words) and (act.act in ("new_request", "addition") or act.confidence < 0.5)
        else:
            ok = act.act in ("new_request", "addition") and self.reader.is_need(part)
        if not ok:
            return None
        joined = join_need(str(need), part)
        if joined == need:
            return None
        d = self.draft
        d["need"] = v.truncate(joined, v.NEED_MAX_CHARS)[0]
        d["need_said"] = v.truncate((d.get("need_said") or need) + "\n" + text, v.NEED_MAX_CHARS)[0]
        if not d.get("themes_confirmed"):
            d["themes"] = self.detect_themes(d["need"])
        d.pop("matches", None)
        return Reply(T.need_added(part))

    # --- writing slots --------------------------------------------------------------------------------------------
    def write(self, slot: str, value: Any) -> None:
        d = self.draft
        if slot == "commune":
            self.write_commune(value)
        elif slot == "need":
            said, _ = v.truncate(value, v.NEED_MAX_CHARS)
            text = distill_need(said)  # the project's clauses: no greeting, introduction, help, amount or date
            text = self.need_with_programme(text)  # a request that followed a question about a programme
            d["need"] = text
            d["need_said"] = said  # the person's words, verbatim: shown to staff as the original message
            self.st.pop("need_partial", None)
            d["themes"] = self.detect_themes(text)
            d.pop("themes_confirmed", None)  # a new need: the themes are ours again until the person confirms them
        elif slot == "help":
            d["help"] = [k for k in T.HELP_KINDS if k in value]
            self.st.pop("help_sel", None)
        else:
            d[slot] = value
        if slot == "phone" and value is None and "email" in d and d["email"] is None:
            d.pop("email")
        d.pop("matches", None)

    def write_commune(self, c: dict[str, Any]) -> None:
        d = self.draft
        d["commune"] = c["name"]
        d["commune_code"] = c["code"]
        d["commune_name"] = c["name"]
        d["commune_kind"] = c.get("kind")
        d["epci_code"] = c.get("epci_code")
        d["epci_name"] = c.get("epci_name")
        d["departement"] = c.get("departement")
        d["population"] = c.get("population")
        self.st.pop("candidates", None)

    def clear(self, slots: tuple[str, ...]) -> None:
        for slot in slots:
            if slot == "commune":
                for key in COMMUNE_KEYS:
                    self.draft.pop(key, None)
            else:
                self.draft.pop(slot, None)
            if slot == "need":
                self.draft.pop("need_said", None)
        self.draft.pop("matches", None)

    def value_text(self, slot: str, value: Any) -> str:
        if value is None:
            return T.NOT_GIVEN
        if slot == "commune":
            return value["name"] if isinstance(value, dict) else str(value)
        if slot == "role":
            return T.ROLES.get(value, value)
        if slot == "stage":
            return T.STAGES.get(value, value)
        if slot == "help":
            return ", ".join(T.HELP_KINDS.get(k, k) for k in value)
        if slot == "phone":
            return v.format_phone(value)
        if slot == "need":
            return clean_need(str(value))
        return str(value)

    def shown_value(self, slot: str) -> str | None:
        if slot not in self.draft:
            return None
        if slot == "commune":
            return self.draft.get("commune_name")
        return self.value_text(slot, self.draft.get(slot))

    def noted_text(self, slot: str, value: Any) -> str:
        if slot == "commune":
            return T.commune_confirm(value["name"], value["departement"], value.get("population"),
                                     value.get("epci_name")).rstrip(" ?")
        if slot == "need":
            return T.need_kept(self.draft.get("need") or clean_need(value))  # the need as stored (distilled)
        return f"{T.RECAP_LABELS.get(slot, slot)} : {self.value_text(slot, value)}"

    # --- knowledge helpers ----------------------------------------------------------------------------------
    def detect_themes(self, text: str) -> list[str]:
        try:
            return [value_of(t) for t in self.kb.detect_themes(text)]
        except Exception:  # noqa: BLE001
            log_exc("kb.detect_themes failed")
            return []

    def theme_ids(self) -> list[str]:
        try:
            return [value_of(t) for t in self.kb.themes]
        except Exception:  # noqa: BLE001
            from knowledge.schema import ThemeId

            return [t.value for t in ThemeId]

    def theme_labels(self) -> dict[str, str]:
        try:
            return {value_of(k): t.label for k, t in self.kb.themes.items()}
        except Exception:  # noqa: BLE001
            return {}

    def theme_label(self, tid: str) -> str:
        return self.theme_labels().get(tid, tid)
