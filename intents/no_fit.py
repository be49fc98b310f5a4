"""Why no programme fits, read from meaning: the running costs of a service, an event, staff's pay, a subsidy to an
association (« le déneigement nous coûte 12 000 par an », « une subvention pour notre marché de Noël », « payer le
salaire d'une remplaçante »).

Each clause of the message (``intents.distill.split_clauses``) and each of its sentences is compared by the sentence
encoder with labelled clauses (``intents/data/no_fit_clauses.yaml``): one label per reason of
``knowledge/data/redirects.yaml`` (``fonctionnement``, ``evenement``, ``salaires``, ``association``) and two contrasts
that give no reason (``projet``: investments and engineering, also those that share the reasons' words, a boiler
replaced, a festival hall built; ``autre``: greetings, who writes, help asked in general, amounts, dates). The
nearest labelled clauses vote (``intents.distill.vote``). A reason is read when a clause is both like its nearest
labelled clause and sure of its reason, and when no clause of the message reads as a project at least as surely
(« isoler l'école pour baisser nos factures » is a project, not a bill).

Without an encoder: nothing (the caller keeps its exact cues). Pure; never raises.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from intents.calendar import told_done

log = logging.getLogger(__name__)

__all__ = ["NoFit", "no_fit_reason", "read_clauses", "available", "warm", "REASONS"]

DATA = Path(__file__).with_name("data") / "no_fit_clauses.yaml"
REASONS = ("fonctionnement", "evenement", "salaires", "association", "deja_realise")
CONTRASTS = ("projet", "autre")
K = 5
TEMPERATURE = 0.03
#: chosen on dev data only (tests/data/stories/dev, tests/data/dev/needs.yaml; see docs/quality.md, issue 19 round 4)
MIN_SIMILARITY = 0.86
MIN_SHARE = 0.6
#: a reading this sure stands even where the matcher finds programmes on the topic's words (« nos factures de
#: chauffage de l'école » is about a school's heating, a programme's words, but asks to pay the bills)
SURE_SHARE = 0.8
SURE_SIMILARITY = 0.9
AGREEING_SHARE = 0.7
#: a clause read as a project this surely (anywhere in the message) means the message asks for an investment
PROJECT_SHARE = 0.5
#: a wish said (« il faut », « nous voulons », « on voudrait »…): a project clause that says one vetoes at
#: ``PROJECT_SHARE``; one that tells a state only (« notre périscolaire déborde ») must be about as sure as the reason
_WISH = re.compile(r"\b(?:faut|faudrait|faudra|veut|voulons|voudrions|voudrait|voudrais|souhait\w*|aimerions|"
                   r"aimerait|envisag\w*|projet\w*|pr[ée]voi\w*|pr[ée]voy\w*|besoin|devons|doit)\b")
#: … and no less sure than the reason by more than this (issue 19, batch 14; measured on the dev stories)
VETO_MARGIN = 0.2
MAX_CHARS = 3000
#: works already done and paid (« deja_realise »): the items listed (« isolation, fenêtres ») and the works told in the
#: past (« la toiture a été refaite ») are what was done, not a project asked; a project asked in this many words at
#: least (« on voudrait maintenant refaire la cour ») still vetoes
DONE = "deja_realise"
PROJECT_WORDS = 3


@dataclass(frozen=True)
class NoFit:
    reason: str  # one of REASONS
    share: float  # the reason's share of the vote in its clause
    similarity: float  # the clause's similarity with its nearest labelled clause
    clause: str

    agreeing: int = 1  # the units of the message (clauses, sentences) that read the same reason

    @property
    def sure(self) -> bool:
        """Sure enough to stand where the matcher finds programmes: one clause very sure, or two units (a clause
        and its sentence) agreeing, fairly sure."""
        if self.similarity < SURE_SIMILARITY:
            return False
        return self.share >= SURE_SHARE or (self.agreeing >= 2 and self.share >= AGREEING_SHARE)


class _Set:
    def __init__(self) -> None:
        from intents.labelled import load_labelled

        self.texts, self.labels, self.vectors = load_labelled(DATA, "no-fit-clauses")

    def vote(self, text: str) -> tuple[dict[str, float], float] | None:
        if self.vectors is None:
            return None
        from intents.encoder import encode_query

        vec = encode_query(text)
        if vec is None:
            return None
        from intents.distill import vote

        return vote(self.vectors, self.labels, vec, K, TEMPERATURE)


_set: _Set | None = None


def _get() -> _Set:
    global _set
    if _set is None:
        _set = _Set()
    return _set


def reset() -> None:
    global _set
    _set = None


def warm() -> None:
    """Load the labelled clauses' vectors now (at start; the same convention as ``clause_facts.warm``)."""
    _get()


def available() -> bool:
    """Whether the learned reading can be made (an encoder and the labelled clauses)."""
    try:
        return _get().vectors is not None
    except Exception:  # noqa: BLE001
        return False


def _units(text: str) -> list[str]:
    """The clauses of ``text`` and, when a sentence has several, the sentence itself (« location des chalets, père
    Noël » says an event only as a whole)."""
    from intents.distill import _body, _contact_only, _place_only, formula, split_clauses, spoken

    said = spoken(_body(text))  # a letter's opening and signature ask for nothing
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?…;])\s+|\s*\n+\s*", said):
        sentence = sentence.strip().rstrip(".!?…;").strip()
        if not re.search(r"\w", sentence):
            continue
        # a contact line, the collectivité alone, a greeting or a signature said word for word ask for nothing
        pieces = [c.text for c in split_clauses(sentence)
                  if not _contact_only(c.text) and not _place_only(c.text) and not formula(c.text)]
        for piece in pieces:
            if piece not in out:
                out.append(piece)
        # (read without its end mark: « … à la payer ? » reads the no-fit reason less surely than « … à la payer »)
        if len(_saying(pieces)) > 1 and sentence not in out:
            out.append(sentence)
    return out


def _saying(pieces: list[str]) -> list[str]:
    """The pieces of a sentence that say something of the project: not « Pour la commune de Lepuix », « Bonjour »
    (the need distiller's labels: an introduction, a greeting, a signature). A sentence is read as a whole only when
    two pieces or more say something (« location des chalets, père Noël »)."""
    if len(pieces) < 2:
        return pieces
    from intents import distill

    labelled = distill.label_clauses([distill.Clause(p, 0, 0) for p in pieces])
    if labelled is None:
        return pieces
    return [c.text for c in labelled if c.label not in ("intro", "greeting", "signature")]


def prime_texts(text: object) -> list[str]:
    """What ``no_fit_reason`` will ask the encoder for (the engine encodes them before the turn, with the rest)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS or not available():
        return []
    return _units(text)


def read_clauses(text: object) -> list[tuple[str, str, float, float]]:
    """Each unit of ``text`` with its best label, that label's share and the best similarity (for measurement)."""
    out: list[tuple[str, str, float, float]] = []
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
        return out
    model = _get()
    for unit in _units(text):
        read = model.vote(unit)
        if read is None:
            return []
        shares, best = read
        label, share = max(shares.items(), key=lambda p: p[1])
        out.append((unit, label, share, best))
    return out


def no_fit_reason(text: object, min_similarity: float = MIN_SIMILARITY, min_share: float = MIN_SHARE) -> NoFit | None:
    """The reason no programme fits what ``text`` asks for, when the encoder is sure of one; None otherwise (also
    without an encoder)."""
    try:
        reads: dict[str, list[tuple[float, float, str]]] = {}
        project = 0.0
        project_said = 0.0  # a project asked in a clause: not an item of a list (« isolation »), not works done
        project_wish = 0.0  # a project said as a wish (« il faut isoler l'école »)
        for unit, label, share, best in read_clauses(text):
            if best < min_similarity:
                continue
            if label == "projet":
                project = max(project, share)
                if _WISH.search(unit.lower()):
                    project_wish = max(project_wish, share)
                if len(unit.split()) >= PROJECT_WORDS and not told_done(unit):
                    project_said = max(project_said, share)
            elif label in REASONS and share >= min_share:
                reads.setdefault(label, []).append((share, best, unit))
        if not reads:
            return None
        reason, units = max(reads.items(), key=lambda p: max(u[0] for u in p[1]))
        share = max(u[0] for u in units)
        if reason == DONE:
            project = project_said  # the works done are listed as items: only a project said in words vetoes
        if project >= min(PROJECT_SHARE, share) and (project_wish >= min(PROJECT_SHARE, share)
                                                      or project >= share - VETO_MARGIN):
            # the message also asks for an investment (« il faut isoler l'école »), or reads as one about as surely
            # as the reason: the programmes may fund it (a state told, « notre périscolaire déborde » at 0.61,
            # vetoes not « recruter un animateur » read as pay at 0.87)
            return None
        top = max(units)
        return NoFit(reason, share, max(u[1] for u in units), top[2], len(units))
    except Exception:  # noqa: BLE001
        log.exception("no_fit_reason failed")
        return None
