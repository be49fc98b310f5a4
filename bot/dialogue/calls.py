"""A call for a person read in a message (split out of ``bot.dialogue.turn``, issue 19): said in so many words
(« parler à un agent »), in one sentence of several or one clause at the recap (the act reader, sentence by
sentence), in a dictated message (windows of words); never when the words ask for help to set the project up
(engineering) without asking to talk or be called."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.understand import STEP_NAMES, act_gate, read_act
from intents import extract as x
from intents.normalize import normalize
from intents.signature import reading_text

#: A sentence this long is read also without the step asked (an answer to a question is short).
SENTENCE_ALONE_WORDS = 10
#: A message of one « sentence » this long is dictated (no punctuation): read in windows of words.
DICTATED_WORDS = 25
WINDOW_WORDS = 12
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_SENTENCES = 8
_WORDS = re.compile(r"[^\W\d_]{2,}|\b[^\W\d_]\b")  # words with letters


def _engineering_asked(text: str) -> bool:
    """Someone asked to help set the project up (« on aurait besoin de quelqu'un pour nous aider a monter le
    projet »), the help's rules read it as engineering, and nothing asks to talk, meet or be called: the help asked,
    no call for a person."""
    return "ingenierie" in x.find_help_kinds(text[:2000]) and not talks(text)


def talks(text: str) -> bool:
    """The words of talking to someone or being called (``_TALK``) are in ``text``."""
    return bool(_TALK.search(normalize(text[:2000])))


#: the words of talking to someone (a call for a person, beside the help asked)
_TALK = re.compile(r"\b(?:parler|discuter|echanger|rappel\w*|appel\w*|telephon\w*|joindre|contacter|rencontr\w*|"
                   r"rendez vous|rdv|agent|interlocuteur)\b")


class CallsMixin:
    step: str
    engine: Any

    def wants_agent(self, norm: str) -> bool:
        if norm in ("agent", "un agent", "humain", "un humain", "parler a un agent", "parler a quelqu un",
                    "quelqu un"):
            return True
        if re.search(r"^(?:\w+ ){0,3}(?:rappelez|appelez|telephonez)[ -]moi\b", norm):
            return True  # « rappelez-moi au 06 … avant d'envoyer », said first: a call asked in so many words
        if not re.search(r"\b(parler|joindre|contacter|discuter|echanger)\b.{0,30}\b(agent|humain|quelqu un|conseiller"
                         r"|conseillere|interlocuteur|une personne|quelqu un de la prefecture)\b", norm):
            return False
        # In a free-text answer (the need), only a short sentence is a request for a person.
        return self.step != "need" or len(norm.split()) <= 12

    def handover_sentence(self, text: str) -> bool:
        """One sentence of a message of several is a call for a person (the act reader, sentence by sentence)."""
        words = reading_text(text or "")  # a letter's signature (« Mairie de … », a title) calls for no one
        pieces = _SENTENCES.split(words)
        if sum(len(p.split()) >= 4 for p in pieces) < 2:
            # one sentence: by its clauses when it has several (« attendez n envoyez rien, je prefererais qu une
            # personne me rappelle avant, j ai des questions … »), else the message's own reading, unless dictated
            # at the recap (a decision about sending), not a question: « …, je peux faire appel où ? » asks where to
            # appeal; « il aimerait que quelqu'un l'aide à savoir quoi faire, … » at the help's question is engineering
            pieces = re.split(r"\s*[,;:]\s+", words) if "?" not in words and self.step == "recap" else [words]
            if sum(len(p.split()) >= 4 for p in pieces) < 2:
                return self.dictated_handover(words)
        # each sentence of at least four words is read (« Tél : 03 84 … » is one word: figures are not words said)
        sentences = [p for p in pieces if len(_WORDS.findall(p)) >= 4]
        step = STEP_NAMES.get(self.step)
        for sentence in sentences[:MAX_SENTENCES]:
            act = read_act(sentence, step, self.engine._vocabulary)
            if act.act == "handover" and act.confidence >= act_gate("handover_sentence"):
                return True
            if step is not None and len(sentence.split()) >= SENTENCE_ALONE_WORDS:
                # a long sentence says what it is without the question being asked (the step leans the reader
                # toward an answer: « je préfère échanger directement avec le délégué de l'ANCT… » at the help
                # question reads 0.57 new_request with the step, 0.99 handover without)
                alone = read_act(sentence, None, self.engine._vocabulary)
                if alone.act == "handover" and alone.confidence >= act_gate("handover_sentence"):
                    return True
        return False

    def dictated_handover(self, words: str) -> bool:
        """A dictated message has no punctuation to cut it at (« c est le maire de … on a découvert … il faut que
        quelqu un de l état m appelle aujourd hui »): read in overlapping windows of words, without the step, one
        window read as a call for a person at the sentence's confidence hands over."""
        tokens = words.split()
        if len(tokens) < DICTATED_WORDS:
            return False
        starts = list(range(0, len(tokens) - WINDOW_WORDS + 1, WINDOW_WORDS // 2))[:MAX_SENTENCES * 2]
        for start in starts:
            window = " ".join(tokens[start:start + WINDOW_WORDS])
            if len(_WORDS.findall(window)) < 4:
                continue
            act = read_act(window, None, self.engine._vocabulary)
            if act.act == "handover" and act.confidence >= act_gate("handover_sentence"):
                return True
        return False

