"""Readings of one short answer (a year, a month, an amount, a stage in a few words) and the extractors that may
fill a slot from any message, whatever the question (clear cues only: the form's "entity" mappings). Pure."""

from __future__ import annotations

import re
from typing import Any, Callable

from bot.dialogue import validators as v
from bot.texts import dialogue as T
from intents import extract as x
from intents.clause_facts import clause_help, clause_stage
from intents.contact_name import find_name_by_contact
from intents.entities import Budget
from intents.intro import find_intro
from intents.need import help_asked
from intents.normalize import normalize
from intents.signature import find_signature, forwarded_recipient

#: A message that is only a year or a span of years (« 2027 », « fin 2027 », « 2027-2029 »): a calendar (exact).
_CALENDAR_ONLY = re.compile(r"(?:(?:en|pour|fin|debut|mi|courant|vers|avant|travaux en|travaux) )?20[2-4]\d"
                            r"(?: (?:a |et )?20[2-4]\d)?")
#: a short answer whose only figure is a year (« 2027 si poss », « 2028 au mieux »): a calendar
CALENDAR_ANSWER_WORDS = 4


#: a message that is only a month or a season, with its year or « prochain » perhaps (« avril », « au printemps »,
#: « septembre 2027 »): a calendar (exact)
_MONTH_ONLY = re.compile(r"(?:(?:en|au|a|fin|debut|mi|courant|pour|vers|avant|des|d ici) )?"
                         r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|"
                         r"printemps|ete|automne|hiver|rentree)(?: (?:prochaine?|20[2-4]\d))?")


def _calendar_answer(text: str) -> bool:
    norm = normalize(text)
    if _CALENDAR_ONLY.fullmatch(norm) or _MONTH_ONLY.fullmatch(norm):
        return True
    return (len(norm.split()) <= CALENDAR_ANSWER_WORDS and len(re.findall(r"\d+", norm)) == 1
            and re.search(r"(?:^| )20[2-4]\d(?: |$)", norm) is not None)


#: a message that is only an amount (« 40000 », « 40 000 € HT », « 450k »): a cost whatever the question
_AMOUNT_ONLY = re.compile(r"\d[\d\s.,]*\s*(?:k|m|keur|k€|m€|€|e|eur|euros?)?(?:\s*(?:ht|ttc))?")


def _amount_answer(text: str) -> str | None:
    """The budget when the whole message is an amount of at least 1 000 € that is no year, else None."""
    norm = text.strip().lower()
    if not _AMOUNT_ONLY.fullmatch(norm) or _calendar_answer(text):
        return None
    amount = x.find_amount(text, asked=True)
    low = (amount.low or amount.high) if amount else None
    return budget_text(amount) if low is not None and float(low) >= 1000 else None


#: slot asked -> (key written, reader) for the questions answered by buttons (help: ticks added to the selection)
#: an answer to the role's question longer than this is read as a sentence: a role said of oneself, or in its first
#: clause (« Le maire voudrait savoir … » further in a message names someone else)
ROLE_SHORT_ANSWER = 8


def _role_answer(text: str) -> str | None:
    if len(text.split()) <= ROLE_SHORT_ANSWER:
        return x.find_role(text, asked=True)
    first = re.split(r"[,;.!?\n]", text, maxsplit=1)[0]
    return x.find_role(text) or (x.find_role(first, asked=True) if len(first.split()) <= ROLE_SHORT_ANSWER else None)


_CHOICE_READERS: dict[str, tuple[str, Any]] = {
    "role": ("role", lambda t: _role_answer(t)),
    "stage": ("stage", lambda t: _stage_answer(t)),
    "help": ("help_add", lambda t: _kinds(x.find_help_kinds(t, asked=True), t)),
}


#: An answer to the stage question longer than this is read as a sentence: the rules' clear cues, a word alone in its
#: clause that is no calendar (the loose reading), then the learned clauses; « l'architecte a
#: fait le diagnostic …, les travaux en 2028 » is a study done, not « travaux » (ready to start); when nothing reads a
#: stage, the question stays open.
STAGE_SHORT_ANSWER = 6
#: out of the stage's question, a stage read by the learned clauses only in a message of this many meaningful words
STAGE_LEARNED_WORDS = 3


def _stage_answer(text: str) -> str | None:
    if len(text.split()) <= STAGE_SHORT_ANSWER:
        return x.find_stage(text, asked=True) or clause_stage(text)
    found = x.find_stage(text)
    if found:
        return found
    for clause in re.split(r"[,;:.!?\n()]+", text):  # « Étude, et le budget c'est 200 k€ »: a word alone in its clause
        if 0 < len(clause.split()) <= 3 and not x.find_timing(clause, asked=True):  # « travaux 2028 » is a calendar
            found = x.find_stage(clause, asked=True)
            if found:
                return found
    # a clause the rules read plainly, the last said (« Le Département est passé regarder mais personne n'a
    # chiffré. Moi je dirais 50 000 € »: the rules read « personne n'a chiffré » alone, not the whole)
    said = [found for found in (x.find_stage(c) for c in re.split(r"[;.!?\n]+|,\s+|\s+mais\s+", text)) if found]
    return said[-1] if said else clause_stage(text)


def _kinds(found: list[str], text: str, asked: bool = True) -> list[str]:
    """The kinds of help the rules read, and those said in words they do not know (``intents.clause_facts``; the
    rules read as they were: at the help question or not)."""
    return found + [k for k in clause_help(text, asked=asked) if k not in found]


def _french_phone(text: str) -> str | None:
    phone = x.find_phone(text)
    return phone if phone and phone.startswith("+33") else None


def _timing(text: str) -> str | None:
    found = x.find_timing(text)
    return v.truncate(found, 200)[0] if found else None


#: slot -> extractor that may fill it from any message, whatever the question (clear cues only): the form's
#: "entity" mappings. The commune (the referential) and the need (a project described) are read apart.
ENTITY_EXTRACTORS: dict[str, Callable[[str], Any]] = {
    "phone": _french_phone,
    "email": lambda t: v.validate_email(x.find_email_spoken(t) or ""),
    "role": lambda t: x.find_role(t) or find_intro(t).get("role") or find_signature(t).get("role"),
    # (out of its question, the learned reading wants a few words: « parfait, on envoie » says no stage)
    "stage": lambda t: x.find_stage(t) or (clause_stage(t) if len(v.meaningful_words(t)) >= STAGE_LEARNED_WORDS
                                           else None),
    "help": lambda t: _kinds(x.find_help_kinds(t) or help_asked(t), t, asked=False),
    "budget": lambda t: budget_text(x.find_amount(t)),
    "timing": _timing,
    "name": lambda t: v.validate_name(x.find_name(t) or x.find_name_in_email(t) or find_intro(t).get("name")
                                        or forwarded_recipient(t) or find_signature(t).get("name")
                                        or find_name_by_contact(t) or ""),
}



def budget_text(b: Budget | None) -> str | None:
    """The budget as shown and stored (« 300 000 € », « entre 1 M€ et 2 M€ »)."""
    if b is None:
        return None
    low, high = b.low, b.high
    if low and high and low != high:
        return T.budget_range(v.format_euros(low), v.format_euros(high))
    if low and not high:
        return T.budget_more_than(v.format_euros(low))
    if high and not low:
        return T.budget_less_than(v.format_euros(high))
    return v.format_euros(low) if low else None
