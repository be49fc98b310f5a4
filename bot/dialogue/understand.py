"""Read every intake fact a message carries: the extractors of the slot table, applied to one text.

The slot being asked gets the looser reading (``asked=True``); every other slot is filled only from clear cues.
The commune or EPCI is found with the knowledge base's referential (``kb.resolve`` on the text; outside the
département it counts only when the commune was asked). Pure: no database, no reply.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.dialogue import validators as v
from bot.dialogue.answers import (
    _CHOICE_READERS, ENTITY_EXTRACTORS, _amount_answer, _calendar_answer, _french_phone, _kinds, _timing, budget_text,
)
from bot.dialogue.places import PlaceReader
from bot.dialogue.said import (
    _first_clause, _name_answer, _names, _title_and_name, _without_amounts, _without_what_follows,
)
from intents import extract as x
from intents.clause_facts import clause_stage
from intents.contact_name import respelled_name
from intents.distill import distill_need
from intents.intro import lower_case_name
from intents.named_fix import new_words
from intents.need import project_after_help
from intents.normalize import normalize
from intents.project_said import only_who_writes
from intents.typos import fix_swaps
from bot.texts import dialogue as T

log = logging.getLogger(__name__)

MAX_CANDIDATES = 6
MIN_NEED_WORDS = 3
#: Words that make a message the description of a project (outside the need question).
_PROJECT_CUE = re.compile(
    r"\b(?:renov\w*|cre(?:er|ation)|construi\w*|amenag\w*|install\w*|refaire|refection|rehabilit\w*|isol\w*|"
    r"rachet\w*|achet\w*|acqu\w*|develop\w*|mettre en place|projet|besoin|remplac\w*|agrand\w*|transform\w*|"
    r"equip\w*|ouvrir|moderni\w*|reconstru\w*|sauver|proteger|revitalis\w*|voudrait|voudrions|souhait\w*|veut|voulons)\b"
)
#: a stage already given is changed by the learned reading of a message this short at most (a message about the
#: stage); a longer one tells other things, and changes it only by words the rules read
STAGE_CHANGE_WORDS = 12


#: The kinds of message (DATA-FORMATS.md §1, a contract).
ACTS = ("new_request", "question", "place_question", "status", "addition", "correction", "handover", "off_topic",
        "greeting", "thanks", "yes", "no", "other")
#: The intent names of ``intents.classify`` mapped to acts (used until ``intents.acts`` is there).
_INTENT_ACT = {"question": "question", "need": "new_request", "status": "status", "greeting": "greeting",
               "agent": "handover", "yes": "yes", "no": "no", "help": "other", "cancel": "other", "restart": "other",
               "unknown": "other"}


@dataclass(frozen=True)
class Act:
    """What kind of message a text is (``act`` one of ``ACTS``), and how sure the reading is."""

    act: str
    confidence: float
    ranked: tuple[tuple[str, float], ...] = ()


def read_act(text: str, step: str | None = None, vocabulary: set[str] | None = None) -> Act:
    """The kind of ``text``, at ``step`` (DATA-FORMATS.md §1 steps): the one place the dialogue asks it."""
    try:
        from intents.acts import classify as classify_act  # issue 18's classifier, when present
    except ImportError:
        classify_act = None
    if classify_act is not None:
        try:
            reading = classify_act(text, step=step)
            return Act(str(reading.act), float(reading.confidence), tuple(getattr(reading, "ranked", ()) or ()))
        except Exception:  # noqa: BLE001 - the older reading below never fails
            log.exception("intents.acts.classify failed")
    from intents.classify import classify

    if x.correction_parts(text) is not None and x.is_correction(text):
        return Act("correction", 0.8)
    intent = classify(text, vocabulary)
    return Act(_INTENT_ACT.get(intent.name, "other"), float(intent.confidence))


def act_gate(name: str) -> float:
    """The confidence from which the dialogue acts on a reading of kind ``name`` alone (``handover``,
    ``handover_sentence``, ``addition``, ``off_topic``, ``thanks``, ``greeting``, ``status``): fitted with the reader
    (``scripts/fit_acts.py``, ``intents.acts.gate``), where that kind's out-of-fold readings are right at a stated
    precision. Without the reader: the former hand-set values."""
    try:
        from intents.acts import DEFAULT_GATES, gate
    except ImportError:
        return {"handover": 0.5, "handover_sentence": 0.95, "addition": 0.9, "off_topic": 0.9,
                "status": 0.0}.get(name, 0.8)
    try:
        return float(gate(name))
    except Exception:  # noqa: BLE001 - a gate never fails a turn
        log.exception("intents.acts.gate failed")
        return float(DEFAULT_GATES.get(name, 1.0))


#: Steps of the dialogue named as the classifier knows them (DATA-FORMATS.md §1).
STEP_NAMES = {"start": "start", "menu": "start", "commune": "commune", "commune_pick": "commune",
              "commune_confirm": "commune", "role": "role", "need": "need", "stage": "stage", "budget": "budget",
              "timing": "timing", "help": "help", "name": "name", "phone": "phone", "email": "email",
              "recap": "recap", "duplicate": "recap", "conflict": "recap", "themes_edit": "recap",
              "identity": "name", "question": "after_answer"}


@dataclass
class Facts:
    """What one message says. ``values``: slot -> value (commune: a candidate dict; help: a list)."""

    values: dict[str, Any] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # an ambiguous commune (when asked)
    problem: str | None = None  # why the asked slot could not be read (French, from bot.texts)
    need_short: bool = False  # the need was asked and the answer is too short: ask for more once

    def __bool__(self) -> bool:
        return bool(self.values or self.candidates)


def _without_introduction(text: str, vals: dict[str, Any]) -> str:
    """« bonjour c'est Didier Fleury adjoint aux travaux à Rougegoutte euh on voudrait… »: an opening made of the
    person's name (as read), a few words (the role) and the collectivité (as read) is an introduction, cut from the
    need (each has its field); dictated text has no punctuation for the need distiller to cut it at."""
    name, place = vals.get("name"), (vals.get("commune") or {}).get("name")
    if not name or not place:
        return text
    head = normalize(text[:160])
    n, p = head.find(normalize(str(name))), head.find(normalize(str(place)))
    if n < 0 or p < 0 or not (n < p <= n + len(normalize(str(name))) + 60):
        return text
    # the same cut in the raw text: the first occurrence of the collectivité's last word after the name
    said = re.search(re.escape(str(name).split()[-1]), text[:200], re.IGNORECASE)
    if said is None:
        return text
    last = str(place).split()[-1].split("-")[-1]
    m = re.compile(re.escape(last) + r"\b[\s,.;:!]*(?:(?:euh|point|virgule)\b[\s,]*)?", re.IGNORECASE).search(
        text[:200], said.end())  # dictated punctuation after the place (« … maire de Roppe point on voudrait … »)
    rest = text[m.end():].strip() if m else ""
    return rest if len(v.meaningful_words(rest)) >= 3 else text


class Reader(PlaceReader):
    """Extractors bound to a knowledge base and a home département."""

    def __init__(self, kb: Any, departement: str) -> None:
        self.kb = kb
        self.departement = str(departement)

    # --- commune --------------------------------------------------------------------------------------------
    def typed_name(self, text: str) -> str | None:
        """A name typed alone (« Marie Dupont »), or as a message's first sentence before others (« Paul Renaud. Et je
        me suis trompé plus haut, … »), when it names no place (« Petit-Croix », « Grand Belfort »)."""
        name = x.find_bare_name(text)
        sentences = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text[:3000]) if p.strip()]
        if not name and len(sentences) > 1:
            name = x.find_bare_name(sentences[0])
        if not name and sentences:
            # « aurelie frossard, secretaire. et c grosmagny … »: a name, then who the person is
            first, _, rest = sentences[0].partition(",")
            # (or a number after it, even one digit short: « Alain Fesselet, 06 72 18 40 9 »)
            name = (x.find_bare_name(first.strip()) or lower_case_name(first)) \
                if rest.strip() and (x.find_role(rest, asked=True) or re.fullmatch(r"[\d\s.+/-]{6,}", rest.strip())) \
                else None
        if not name and len(sentences) > 1 and len(sentences[0].split()) <= 3 and x.find_role(sentences[0], asked=True):
            # « maire\nfrechard daniel »: who the person is on a line, the name on the next
            name = x.find_bare_name(sentences[1]) or lower_case_name(sentences[1])
        if not name:
            name = lower_case_name(text)  # « yannick hennequin » typed at the help's question
        if not name:
            return None
        res = self._resolve(name)
        if res is not None and res.resolved and max((float(c.score) for c in res.candidates), default=0.0) >= 0.85:
            return None
        return v.validate_name(name) or None

    def commune_asked(self, text: str, facts: Facts) -> None:
        contact = bool(x.find_phone(text) or x.find_email_spoken(text))
        if contact:
            text = x.strip_contact(text)
            if not v.meaningful_words(text):
                return  # a contact line (« j.x@cc.fr — 03 84 … ») is never a place: the entities read it
        res = self._resolve(_without_amounts(text))  # « 12 000 € HT » is not the postcode of Rodez
        if contact:
            # « Marie Dupont 06 12 34 56 78 » at the commune question: the contact, not the commune « Marie » (06)
            place = self.candidate(res.resolved) if res is not None and res.resolved else None
            if place is None or place["outside"]:
                name = v.validate_name(x.find_bare_name(text) or "")
                if name or res is None:
                    if name:
                        facts.values["name"] = name
                    facts.problem = T.COMMUNE_NOT_FOUND
                    return
        if res is not None and not res.resolved and res.candidates:
            # « auxelles haut. moi c celine vernier la secretaire, le maire est la haut … »: the answer is its first
            # clause, when that clause alone names one collectivité (the words after it tell who writes)
            first = re.split(r"[.,;:!?\n]", text.strip(), maxsplit=1)[0]
            alone = self._resolve(first) if first.strip() != text.strip() and len(first.split()) <= 5 else None
            if alone is not None and alone.resolved and any(c.code == alone.resolved for c in res.candidates) \
                    and max((float(c.score) for c in alone.candidates if c.code == alone.resolved), default=0.0) >= 0.9:
                res = alone
        if res is not None and res.resolved:
            fb = next((c for c in res.candidates if c.code == res.resolved), None)
            c = self.candidate(res.resolved, fallback=fb)
            if c:
                facts.values["commune"] = c
                facts.values.update(_title_and_name(text, c["name"]))
                return
        if res is not None and res.candidates:
            for cand in list(res.candidates)[:MAX_CANDIDATES]:
                c = self.candidate(cand.code, fallback=cand)
                if c:
                    facts.candidates.append(c)
            if len(facts.candidates) == 1:
                facts.values["commune"] = facts.candidates.pop()
            return
        facts.problem = T.COMMUNE_NOT_FOUND

    # --- the whole message ----------------------------------------------------------------------------------
    def read(self, text: str, asked: str | None, draft: dict[str, Any], is_question: bool = False) -> Facts:
        """Every fact of ``text``; ``asked`` is the slot being asked (or None)."""
        text = fix_swaps(text)  # « secretiare », « conduties »: two letters swapped, put back
        facts = Facts()
        vals = facts.values
        respelled = respelled_name(text, draft.get("name"))
        if respelled:  # « oups Nathalie avec un h »: the name spelt again, whatever was asked
            vals["name"] = respelled
            return facts
        if asked is not None:
            self._read_asked(text, asked, draft, facts, is_question)
        # Entities that may fill any slot, whatever the question.
        for slot, extract in ENTITY_EXTRACTORS.items():
            if slot not in vals and slot != asked:
                # a stage already given is changed by words that say one plainly (the rules), not by the learned
                # reading of a clause (« le mur est bien plus abîmé que prévu » is no idea stage after works began)
                # (a correction said as such may: « Je corrige : il n'y a pas d'étude, on a juste l'idée »)
                plain = slot == "stage" and draft.get("stage") and not x.is_correction(text) \
                    and len(text.split()) > STAGE_CHANGE_WORDS  # (« on en est a l idee, … » is about the stage)
                value = x.find_stage(text) if plain else extract(text)
                if value:
                    vals[slot] = value
        if facts.problem == T.USE_BUTTONS and vals:
            facts.problem = None  # words that carry another fact are taken; the question with buttons stays open
        if "commune" not in vals and asked not in ("commune",) and not facts.candidates:
            c = self.commune_any(text)
            if c is not None and (not draft.get("commune_code") or self._says_commune(text)):
                vals["commune"] = c
                for slot, value in _title_and_name(text, c["name"]).items():
                    vals.setdefault(slot, value)  # « leval maire denis jeanblanc »
        if "need" not in vals and asked != "need" and "need" not in draft and not is_question:
            if self.is_need(text):
                vals["need"] = v.truncate(_without_introduction(text, vals), v.NEED_MAX_CHARS)[0]
            elif thing := project_after_help(text):
                vals["need"] = v.truncate(thing, v.NEED_MAX_CHARS)[0]  # « on cherche des sous pr un skatepark »
        return facts

    def _read_asked(self, text: str, asked: str, draft: dict[str, Any], facts: Facts, is_question: bool) -> None:
        vals = facts.values
        if asked == "commune":
            self.commune_asked(text, facts)
        elif asked in _CHOICE_READERS:  # a question with buttons, answered in words
            key, read = _CHOICE_READERS[asked]
            value = read(text)
            if value:
                vals[key] = value
            elif asked == "stage" and "help" not in draft and x.find_help_kinds(text, asked=True):
                # « faudrait qqn pour nous dire quoi faire et de l'argent aussi » at the stage question: the help
                # (and the kinds said in words the rules do not know: « il faudrait un technicien qui vienne voir »)
                vals["help"] = _kinds(x.find_help_kinds(text, asked=True), text)
            elif "timing" not in draft and _calendar_answer(text):
                vals["timing"] = v.truncate(text.strip(), 200)[0]  # « 2027 » typed at a question with buttons
            elif "budget" not in draft and (amount := _amount_answer(text)):
                vals["budget"] = amount  # « 40000 » typed at a question with buttons: the cost
            elif x.says_unknown(text):
                pass  # « pour la date je sais pas, je demande au maire »: meaning, not a wrong answer (asked later)
            else:
                facts.problem = T.USE_BUTTONS
        elif asked == "need":
            words = v.meaningful_words(text)
            if not words:
                facts.problem = T.NEED_UNREADABLE
            elif is_question and len(words) < 8:
                facts.problem = "question"
            elif len(words) < MIN_NEED_WORDS:
                facts.need_short = True
            else:
                vals["need"] = text
        elif asked == "budget":
            amount = budget_text(x.find_amount(text, asked=True))
            if amount is None:
                fallback = v.parse_budget_fallback(text) if re.fullmatch(r"[\d\s.,€kKmM]+", text.strip()) else None
                amount = v.format_euros(fallback) if fallback else None
            if amount:
                vals["budget"] = amount
            else:
                facts.problem = T.BUDGET_INVALID
        elif asked == "timing":
            others = bool(x.find_phone(text) or x.find_email_spoken(text) or x.find_amount(text))
            span = x.find_timing(text, asked=True)
            bare_name = None if span else v.validate_name(x.find_bare_name(text) or x.find_name(text)
                                                          or lower_case_name(text) or "")
            if bare_name:
                vals["name"] = bare_name  # « Martine Roux » typed at the calendar question: the contact's name
            elif others:
                if span:
                    vals["timing"] = span  # else: a phone number or an amount typed here, read by the entities
            elif v.meaningful_words(text) or re.search(r"\b\d{1,4}\b", text):
                vals["timing"] = v.truncate(text.replace("\n", " "), 200)[0]
            else:
                facts.problem = T.TIMING_INVALID
        elif asked == "name":
            name = _name_answer(text) or v.validate_name(x.find_name(text) or "") \
                or ENTITY_EXTRACTORS["name"](text)  # « fin prévue fin 2027. Jacques Bouteiller, 03 84 … »
            if name and not x.find_role(name, asked=True):
                vals["name"] = name
            elif not (x.find_phone(text) or x.find_email_spoken(text)):
                facts.problem = T.NAME_INVALID
        elif asked == "phone":
            phone = x.find_phone(text)
            phone = phone if phone and phone.startswith("+33") else v.validate_phone(text)
            if phone:
                vals["phone"] = phone
            elif not x.find_email_spoken(text):
                facts.problem = T.PHONE_INVALID
        elif asked == "email":
            email = x.find_email_spoken(text)
            email = v.validate_email(email) if email else v.validate_email(text)
            if email:
                vals["email"] = email
            elif not x.find_phone(text):
                facts.problem = T.EMAIL_INVALID

    # --- corrections --------------------------------------------------------------------------------------
    def correction(self, text: str, draft: dict[str, Any], shown: Callable[[str], str | None]) -> dict[str, Any]:
        """The slot a correction changes and its new value (« pardon c'est Lepuix pas Giromagny » → the commune;
        « en fait adjoint » → the role; « plutôt 450 000 » → the budget); ``{}`` when none is read. ``shown(slot)``
        is the slot's current value as shown, to find which slot the old words name."""
        parts = x.correction_parts(text)
        if parts is None:
            return {}
        new, old = parts
        # « c'est pour Trévenans, pas Sevenans, je fais les deux mairies… Le géomètre a fait le plan, 140 000 € »:
        # a place said first (the correction's first clause, a few words, no negation) is what it corrects; the rest
        # are other facts
        head, tail = _first_clause(new)
        if old is None and tail:
            said_not = re.match(r"(?i)(?:et\s+)?(?:non|pas)\s+(?:(?:à|a|de|pour)\s+)?([^,;.!?]+)", tail)
            old = said_not.group(1).strip() if said_not else None
        order = ["phone", "email", "budget", "role", "stage", "help", "commune", "timing", "name", "need"]
        named: list[str] = []
        if old:
            named = [slot for slot in order if _names(old, shown(slot))]
            order = named + [slot for slot in order if slot not in named]
        # (not when the old words name another fact, nor a part of an address: « c'est @cravanche.fr pas .com »
        # corrects the e-mail)
        if tail and len(head.split()) <= 4 and not re.search(r"(?i)\b(?:ne|n['’]|pas|plus|non)\b", head) \
                and (not named or named[0] == "commune") and not x.find_email_domain(new) \
                and not x.find_email_spoken(head):  # « c'est mairie-frais@wanadoo.fr, l'autre … » is the e-mail
            value = self._corrected("commune", head, old, draft)  # « c'est pour Dorans, … »: a place said first
            if value:
                return {"commune": value}
        for slot in order:
            value = self._corrected(slot, new, old, draft)
            if value:
                return {slot: value}
        for slot in ("email", "phone"):  # « pardon un point pas un tiret : mairie.felon@orange.fr »: the address given
            value = self._corrected(slot, text, None, draft)
            if value and draft.get(slot) and value != draft.get(slot):
                return {slot: value}
        return {}

    def named_value(self, slot: str, rest: str, draft: dict[str, Any], shown: Callable[[str], str | None]) -> Any:
        """The new value of the fact a correction names (``intents.named_fix``: « c'est bon sauf la date : …, mettez à
        la Toussaint 2027 » → the timing « à la Toussaint 2027 »), read in the words after its name; None when none
        is read there, or only the value already shown."""
        for said in new_words(rest):
            if slot == "commune":
                value = self._corrected(slot, said, None, draft) or self.commune_any(said)
            elif slot == "name":
                value = v.validate_name(x.find_bare_name(said) or x.find_name(said) or "")
            elif slot in ("role", "stage", "help"):
                value = self._corrected(slot, said if len(said.split()) <= 6 else "", None, draft) \
                    or {"role": x.find_role, "stage": x.find_stage, "help": x.find_help_kinds}[slot](said)
            elif slot == "need":
                value = None  # (the project changes by its own words: « ce n'est pas une crèche, c'est une MAM »)
            else:
                value = self._corrected(slot, said, None, draft)
            if value and not (isinstance(value, dict) and value.get("code") == draft.get("commune_code")) \
                    and str(value) != (shown(slot) or ""):
                return value
        return None

    def _corrected(self, slot: str, new: str, old: str | None, draft: dict[str, Any]) -> Any:
        if slot == "phone":
            return _french_phone(new)
        if slot == "email":
            known = str(draft.get("email") or "")
            local, _, host = known.partition("@")
            for word in re.findall(r"[\w.+-]+", new) if host and "@" not in new else []:
                # « c mairie-lagrange avec un tiret pas un point »: the address's name said again, its separator changed
                if word != local and re.sub(r"[.\-_]", "", word).lower() == re.sub(r"[.\-_]", "", local).lower():
                    return v.validate_email(word + "@" + host)
            domain = x.find_email_domain(new) if draft.get("email") else None
            if domain:  # « pardon c'est @cravanche.fr pas .com »: the address said before, its domain corrected
                return v.validate_email(str(draft["email"]).partition("@")[0] + "@" + domain)
            return v.validate_email(x.find_email_spoken(new) or "")
        if slot == "budget":
            return budget_text(x.find_amount(new, asked=True)) if re.search(r"\d", new) else None
        if slot == "role":
            return x.find_role(new, asked=True) if len(new.split()) <= 6 else None
        if slot == "stage":
            return x.find_stage(new, asked=len(new.split()) <= 6) or clause_stage(new)
        if slot == "help":
            return x.find_help_kinds(new, asked=True) if len(new.split()) <= 6 else None
        if slot == "commune":
            if len(new.split()) > 6:
                return None
            res = self._resolve(new)
            if res is None or not res.resolved:
                return None
            score = max((float(c.score) for c in res.candidates if c.code == res.resolved), default=0.0)
            return self.candidate(res.resolved) if score >= 0.9 else None
        if slot == "timing":
            return _timing(new)
        if slot == "name":
            return v.validate_name(x.find_bare_name(new) or "") if draft.get("name") else None
        if slot == "need":
            need = str(draft.get("need") or "")
            if old and need and normalize(old) and normalize(old) in normalize(need):
                # « ce n'est pas une crèche, c'est une MAM, …, trois assistantes sont intéressées »: the project's
                # words of the new part only
                new = _without_what_follows(distill_need(new, fallback=True) or new, old, need)
                replaced = re.sub(re.escape(old), new, need, count=1, flags=re.IGNORECASE)
                return replaced if replaced != need else None
        return None

    @staticmethod
    def _says_commune(text: str) -> bool:
        norm = normalize(text)
        return len(norm.split()) <= 6 or bool(re.search(r"\b(?:maire|mairie|commune|ville|village) (?:de|du|des)\b", norm))

    @staticmethod
    def is_need(text: str) -> bool:
        if len(v.meaningful_words(text)) < 5:
            return False
        norm = normalize(text)
        if _PROJECT_CUE.search(norm):
            return True
        if only_who_writes(text):
            return False  # « coucou c corinne vernier de la mairie de froidefontaine »: a greeting and who writes
        try:
            from intents.classify import classify

            return classify(text).name == "need"
        except Exception:  # noqa: BLE001
            return False
