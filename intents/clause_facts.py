"""The stage and the kinds of help said in words the rules do not know (« le business plan est ready », « on
cherche du funding », « on a un devi de 62000 », « besoin d'aide pour structurer le projet »).

Two readers, after the rules of ``intents.extract`` (a clause they read is theirs):

1. inside a clause that the need distiller (``intents.distill``) labels « stage » or « help » (or « budget »: an
   estimate's clause): the clause is compared by the sentence encoder with labelled clauses of each stage and each kind
   of help (``intents/data/fact_clauses.yaml`` and the blind dev clauses); the nearest labelled clauses vote;
2. when that reads no stage (or to add kinds of help): every clause of the message, whatever its label, is read by the
   fitted model of ``intents.clause_reader`` (a logistic regression on the clause's vector, with a class « aucun »,
   and a threshold fitted for precision by ``scripts/fit_clause_reader.py``).

Without an encoder: nothing (the rules alone). Never raises.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from intents.calendar import _TIMING_RE
from intents.normalize import normalize

log = logging.getLogger(__name__)

__all__ = ["clause_stage", "clause_help"]

DATA = Path(__file__).with_name("data") / "fact_clauses.yaml"
K = 5
TEMPERATURE = 0.03
#: the clause must be this like its nearest labelled clause (cosine, e5) and this sure of its label
MIN_SIMILARITY = 0.86
MIN_LABEL = 0.5
#: a clause the distiller is less sure of (its first label, with at least this share: « Appel d'offres fait »,
#: « quelqu'un pour nous dire ce qui est faisable ») is read only when it is very like a labelled clause, and its
#: nearest labelled clauses agree more (« c'est le HT qui compte je crois », labelled a stage at 0.48, is no idea)
WEAK_LABEL = 0.4
WEAK_SIMILARITY = 0.92
WEAK_SHARE = 0.6
ESTIMATE_SIMILARITY = 0.9
MAX_WORDS = 16
#: labelled clauses near a stage's that say none (an amount corrected, a total and its remainder)
NO_STAGE = "aucun"
#: a help clause this long is read by its parts
LONG_WORDS = 32


class _Set:
    def __init__(self, kind: str) -> None:
        from intents.labelled import blind_pairs, load_labelled

        self.texts, self.values, self.vectors = load_labelled(DATA, f"fact-clauses-{kind}", section=kind,
                                                              extra=blind_pairs(kind))

    def nearest(self, text: str) -> tuple[str, float, float] | None:
        """(value, share of the vote, best similarity)."""
        if self.vectors is None:
            return None
        from intents.encoder import encode_query

        vec = encode_query(text)
        if vec is None:
            return None
        from intents.distill import vote

        shares, best = vote(self.vectors, self.values, vec, K, TEMPERATURE)
        value, share = max(shares.items(), key=lambda p: p[1])
        return value, share, best


_sets: dict[str, _Set] = {}


def _set(kind: str) -> _Set:
    if kind not in _sets:
        _sets[kind] = _Set(kind)
    return _sets[kind]


def warm() -> None:
    """Load the stage and help clauses' vectors and the fitted clause reader now (at start)."""
    from intents import clause_reader

    for kind in ("stage", "help"):
        _set(kind)
    clause_reader.warm()


def _clauses(text: object, label: str | tuple[str, ...], max_words: int = MAX_WORDS, least: float = MIN_SIMILARITY,
             weak: bool = False) -> list[tuple[str, float, float]]:
    """The clauses labelled ``label``, each with the similarity and the share of the vote its reading needs (higher
    ones when the label is weak and ``weak`` is asked)."""
    if not isinstance(text, str) or not text.strip() or len(text) > 3000:
        return []
    from intents.distill import _body, label_clauses, split_clauses, spoken, spoken_clauses

    clauses = split_clauses(spoken_clauses(spoken(_body(text))))  # dictated without punctuation: by its clauses
    labelled = label_clauses(clauses) if clauses else None
    if not labelled:
        return []
    labels = (label,) if isinstance(label, str) else label
    return [(c.text, least, MIN_LABEL) if c.score >= MIN_LABEL else (c.text, max(least, WEAK_SIMILARITY), WEAK_SHARE)
            for c in labelled
            if c.label in labels and c.score >= (WEAK_LABEL if weak else MIN_LABEL)
            and 2 <= len(c.text.split()) <= max_words]


#: an amount said as what is missing (« il manque encore 60 000 », « reste à financer 40 000 ») is no estimate: its
#: lead words say nothing of the stage
_GAP = re.compile(r"\b(?:manque\w*|reste (?:a (?:financer|trouver|charge)|encore)|reste a charge|besoin de)\b")


_WHEN_FILLER = {"le", "la", "les", "l", "des", "du", "de", "d", "est", "sont", "prevu", "prevue", "prevus", "vise",
                "visee", "envisage", "pour", "en"}


def _only_when(clause: str) -> bool:
    """The clause says when the works are (« Les travaux, en 2028. », « démarrage des travaux visé au 2e semestre
    2027 »): two words at most are left once its calendar is set aside."""
    from intents import extract as x

    span = x.find_timing(clause)
    rest = _TIMING_RE.sub(" ", normalize(clause.replace(span, " ") if span else clause))
    return bool(span or rest != normalize(clause)) and len([w for w in rest.split() if w not in _WHEN_FILLER]) <= 2


def clause_stage(text: object) -> str | None:
    """The stage said in a clause the rules do not read; ``None`` when nothing is sure."""
    try:
        from intents import extract as x

        from intents.distill import _cut_facts

        # a stage clause, the last said (« pas encore d'étude… ah si, le bureau d'études a rendu son étude »; a
        # numbered list of the steps done); else an estimate's clause once its amount is cut (« l'architecte
        # l'estime à 75 000 € »)
        for estimates, group in enumerate((_clauses(text, "stage", weak=True),
                      # (an estimate's clause may be long: « l'architecte du CAUE est venu en septembre et nous a
                      # remis une note avec une estimation à 68 000 € HT »)
                      # (an amount corrected, « en fait c'est plutôt 260 000 € HT », is no estimate: its lead words
                      # are no stage)
                      [(_cut_facts(c), least, share) for c, least, share in _clauses(text, "budget", LONG_WORDS,
                                                                                      ESTIMATE_SIMILARITY)
                       if not x.is_correction(c) and not _GAP.search(normalize(c))])):
            said = None
            for clause, least, share in group:
                if len(clause.split()) < 2 or x.find_stage(clause):
                    continue  # the rules read it (or chose not to): theirs
                if _only_when(clause) or (not estimates and len([w for w in normalize(clause).split()
                                                                    if w not in _WHEN_FILLER]) < 2):
                    continue  # « Les travaux, en 2028. »: when, not where the project stands (nor one noun alone)
                found = _set("stage").nearest(clause)
                if found and found[1] >= share and found[2] >= least and found[0] != NO_STAGE:
                    said = found[0]
            if said:
                return said
    except Exception:  # noqa: BLE001
        log.exception("clause_stage failed")
    from intents.clause_reader import read_stage

    return read_stage(text)  # every clause, whatever its label: the fitted reader (never raises)


#: « … et de l'argent », « … et sûrement des sous »: a second wish coordinated in one clause, read apart
_SECOND_WISH = (r"\s+et\s+(?=de\b|d['’]|du\b|des\b|un\b|une\b|[êe]tre\b|avoir\b|qu['’]|que\b|si\b|surtout\b|"
                r"s[ûu]rement\b|sans\s+doute\b|probablement\b|peut[- ][êe]tre\b|puis\b|aussi\b)")


def clause_help(text: object, asked: bool = True) -> list[str]:
    """The kinds of help said in clauses the rules do not read (several clauses may add several kinds); ``asked``:
    the rules are read as at the help question (a part they read there is theirs), else as in any message (« nous
    souhaiterions savoir quelles aides l'État peut apporter » is no request for information out of that question:
    the encoder reads it)."""
    out: list[str] = []
    try:
        import re

        from intents import extract as x

        # the help asked, or asked about (« est-ce qu'il y a une aide ? »: the same similarity to a labelled kind)
        from intents.distill import _cut_facts

        asked_about = {c for c, _, _ in _clauses(text, "question", LONG_WORDS, weak=True)}
        # the help asked; or what is left to fund once its amount is cut (« il reste 120 000 € à trouver »)
        clauses = _clauses(text, ("help", "question"), LONG_WORDS, weak=True)
        clauses += [(_cut_facts(c), least, share) for c, least, share in _clauses(text, "budget",
                                                                                  least=ESTIMATE_SIMILARITY)]
        for clause, least, share in clauses:
            # a long clause is read by its parts (« je sollicite votre concours | pour identifier les aides … »)
            # (« … savoir quelles aides existent | et être accompagnés pour monter le dossier »: a second wish)
            # (or « et sûrement des sous », « et puis de l'argent »: a second wish said with its hedge)
            cut = _SECOND_WISH + (r"|\s+(?=pour\b|afin\b)" if len(clause.split()) > MAX_WORDS else "")
            for part in re.split(cut, clause):
                if not 2 <= len(part.split()) <= MAX_WORDS or x.find_help_kinds(part, asked=asked):
                    continue  # the rules read this part (or it is too long to be read)
                found = _set("help").nearest(part)
                if clause in asked_about and found and found[0] != "financement":
                    continue  # a question (« quelle est la démarche ? ») asks about a subsidy, or about nothing here
                if found and found[0] not in ("vague", NO_STAGE) and found[1] >= share and found[2] >= least \
                        and found[0] not in out:
                    out.append(found[0])
    except Exception:  # noqa: BLE001
        log.exception("clause_help failed")
    from intents.clause_reader import read_help

    return out + [k for k in read_help(text, asked=asked) if k not in out]  # every clause: the fitted reader
