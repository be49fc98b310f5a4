"""The stage and the kinds of help said in any clause of a message, read by a fitted model (not gated by the need
distiller's label): each clause (the split of ``intents.clause_facts``) gets a stage reading and a help reading from
a multinomial logistic regression on its sentence vector (the vector the need distiller labelled the clause with,
memoised: no second encoding; the hashed character grams of its text may be added, ``features``: not shipped).
Classes: each stage value (each kind of help) and « aucun » (the clause says none). A reading counts only when its
calibrated probability reaches the threshold fitted for precision.

The weights, the temperature and the thresholds are data, fitted by ``scripts/fit_clause_reader.py`` (on
``intents/data/fact_clauses.yaml``, the blind dev clauses ``blind_clauses.yaml`` and negative clauses of the other
labelled sets) and stored in ``intents/data/clause_reader_model.npz`` and ``clause_reader_params.json``. The model is
used only with the encoder it was fitted with (its ``model_id``); without it, or without an encoder: nothing.
The rules (``intents.extract``) stay first: a clause they read is theirs. Never raises.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["Reader", "reader", "clause_texts", "read_stage", "read_help", "warm"]

DATA = Path(__file__).with_name("data")
MODEL_FILE = DATA / "clause_reader_model.npz"
PARAMS_FILE = DATA / "clause_reader_params.json"
NONE = "aucun"
KINDS = ("stage", "help")
#: the clauses read (words): a shorter one says too little, a longer one is read by its parts (help) or not at all
MIN_WORDS = 2
MAX_WORDS = 32
#: a clause the need distiller labels « question » at least this surely is a question the guichet answers: a help read
#: there counts only when it is money (as in ``intents.clause_facts``: « quelle est la démarche ? » asks about no kind
#: of help the request is for; « t'as des aides ? » asks for subsidies)
QUESTION_LABEL = 0.5


def features(vec: Any, text: str, scale: float = 1.0, surface: bool = False) -> Any:
    """What the model sees: the sentence vector times ``scale``, then (``surface``) the hashed character grams, words
    and word pairs of the text (``intents.acts.surface_features``, without its kind of step)."""
    import numpy as np

    vec = np.asarray(vec, np.float32) * np.float32(scale)
    if not surface:
        return vec
    from intents.acts import HASH_DIM, surface_features

    return np.concatenate([vec, surface_features(text, None)[:HASH_DIM]])


class Reader:
    """One fitted reader: ``classes`` (« aucun » among them), weights ``W`` (features, K), bias ``b`` (K,), the
    calibration ``temperature``, the ``threshold`` a reading's probability must reach, and the features (``scale``,
    ``surface``: see ``features``)."""

    def __init__(self, classes: list[str], W: Any, b: Any, temperature: float, threshold: float,
                 scale: float = 1.0, surface: bool = False) -> None:
        import numpy as np

        self.classes = list(classes)
        self.W = np.asarray(W, np.float32)
        self.b = np.asarray(b, np.float32)
        self.temperature = float(temperature)
        self.threshold = float(threshold)
        self.scale = float(scale)
        self.surface = bool(surface)

    def probabilities(self, vec: Any, text: str = "") -> Any:
        import numpy as np

        z = (features(vec, text, self.scale, self.surface) @ self.W + self.b) / self.temperature
        z = np.exp(z - z.max())
        return z / z.sum()

    def read(self, vec: Any, text: str = "") -> tuple[str, float]:
        """(the most likely class, its calibrated probability) of the clause ``text`` and its vector."""
        p = self.probabilities(vec, text)
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def value(self, vec: Any, text: str = "") -> str | None:
        """The class read when it is no « aucun » and sure enough, else None."""
        value, p = self.read(vec, text)
        return value if value != NONE and p >= self.threshold else None


_readers: dict[str, Reader | None] = {}


def _load(kind: str) -> Reader | None:
    import numpy as np

    from intents.encoder import get_encoder

    enc = get_encoder()
    if enc is None:
        return None
    params = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
    own = params.get("model_id")
    if own and own != enc.model_id:
        log.warning("clause reader fitted with %s, encoder is %s: not used", own, enc.model_id)
        return None
    p = params[kind]
    with np.load(MODEL_FILE, allow_pickle=False) as z:
        W, b = z[f"{kind}_W"], z[f"{kind}_b"]
    scale, surface = float(params.get("vector_scale", 1.0)), bool(params.get("surface"))
    if W.shape != (len(features(np.zeros(enc.dim), "", scale, surface)), len(p["classes"])):
        log.warning("clause reader %s: weights %s do not fit the encoder (%d dims)", kind, W.shape, enc.dim)
        return None
    return Reader(p["classes"], W, b, p["temperature"], p["threshold"], scale, surface)


def reader(kind: str) -> Reader | None:
    """The fitted reader of ``kind`` (« stage » or « help »), loaded once; None without it or without an encoder."""
    if kind not in _readers:
        try:
            _readers[kind] = _load(kind)
        except Exception:  # noqa: BLE001 - no data: the rules and the labelled clauses alone
            log.exception("clause reader %s unavailable", kind)
            _readers[kind] = None
    return _readers[kind]


def warm() -> None:
    for kind in KINDS:
        reader(kind)


def _clauses(text: object) -> list:
    if not isinstance(text, str) or not text.strip() or len(text) > 3000:
        return []
    from intents.distill import _body, split_clauses, spoken, spoken_clauses

    return [c for c in split_clauses(spoken_clauses(spoken(_body(text))))
            if MIN_WORDS <= len(c.text.split()) <= MAX_WORDS]


def clause_texts(text: object) -> list[str]:
    """The clauses of a message, as ``intents.clause_facts`` splits them (dictated text by its clauses)."""
    return [c.text for c in _clauses(text)]


#: a clause in the interrogative form (« qui contacter à la préfecture », « à qui s'adresser ? »): a question
_INTERROGATIVE = re.compile(r"(?i)^\W*(?:(?:et|mais|alors|donc|sinon)\s+)?(?:(?:à|a|de|pour|avec|chez|par)\s+)?"
                            r"(?:qui|quoi|que|qu['’]|comment|o[uù]|quand|quel(?:le)?s?|lequel|laquelle|combien|pourquoi|"
                            r"est[\s-]ce\s+qu)\b|^\W*[\w'’]+-(?:t-)?(?:vous|ils?|elles?|on|nous|je)\b|\?\s*$")
# (« Pouvez-vous nous indiquer … », « y a-t-il … »: the subject after its verb asks)


def _a_question(clause: Any, form: bool = True) -> bool:
    """The clause is a question of the person's: the need distiller is sure of it (« Quelle est la démarche ? »), or
    (``form``) it is in the interrogative form (« qui contacter à la préfecture »: out of the help's question, a
    question is answered, not read as a help asked)."""
    from intents.distill import label_clauses

    if form and _INTERROGATIVE.search(getattr(clause, "text", "") or ""):
        return True
    labelled = label_clauses([clause])
    return bool(labelled) and labelled[0].label == "question" and labelled[0].score >= QUESTION_LABEL


def _value(kind: str, clause: str) -> str | None:
    r = reader(kind)
    if r is None:
        return None
    from intents.distill import _get

    vec = _get().vector(clause)  # the vector the distiller labelled the clause with (memoised): no second encoding
    return None if vec is None else r.value(vec, clause)


def read_stage(text: object) -> str | None:
    """The stage said in a clause of ``text`` that the rules do not read (the last such clause); None when no clause
    is read sure enough."""
    try:
        from intents import extract as x

        said = None
        for clause in clause_texts(text):
            if x.find_stage(clause):
                continue  # the rules read it (or chose not to): theirs
            said = _value("stage", clause) or said
        return said
    except Exception:  # noqa: BLE001
        log.exception("read_stage failed")
        return None


def read_help(text: object, asked: bool = True) -> list[str]:
    """The kinds of help said in the clauses of ``text`` that the rules do not read (``asked``: the rules read as
    at the help question), in the order said."""
    out: list[str] = []
    try:
        from intents import extract as x

        for clause in _clauses(text):
            if x.find_help_kinds(clause.text, asked=asked):
                continue
            value = _value("help", clause.text)
            if value and value != "financement" and _a_question(clause, form=not asked):
                continue
            if value and value not in out:
                out.append(value)
    except Exception:  # noqa: BLE001
        log.exception("read_help failed")
    return out
