"""What a message is (DATA-FORMATS.md §1): one of 13 kinds, with a confidence and the ranking of all kinds.

>>> from intents.acts import classify
>>> r = classify("bjr ou en est ma demande svp")            # doctest: +SKIP
>>> r.act, r.confidence, r.ranked[:2]                         # doctest: +SKIP
('status', 0.93, [('status', 0.93), ('question', 0.04)])

How: a multinomial logistic regression (``scripts/fit_acts.py``, on the dev set ``tests/data/acts/dev.yaml``,
shipped as ``intents/data/acts.yaml``; the model ``intents/data/acts_model.npz`` is used only when fitted on these very
examples) over the sentence vector, hashed character n-grams, words and word pairs, and what the guichet had just
asked, as one of five kinds of step (:func:`step_group`: nothing pending, an intake question, the recap, after a
filing, after an answer): the step is a prior the model learns, shared by the steps of a kind so that a step with few
examples borrows from its kind. Its L2 penalty is chosen by 5-fold cross-validation on dev (each example's fold a
hash of its text), its probabilities are calibrated by one temperature fitted on the out-of-fold readings, and
``unsure`` (the dialogue then asks one short question with the top two kinds as buttons) is the confidence under which
a reading is twice as likely wrong as right (a logistic fit of P(right | confidence) on the out-of-fold readings).
The dialogue acts on a reading alone only from a gate fitted with the model (:func:`gate`: for each kind it acts on,
the lowest confidence such that that kind's out-of-fold readings at or above it are right at a stated precision).
When the model does not fit the examples, the nearest labelled examples in the encoder's space vote (k, temperature
and a same-step bonus fitted by leave-one-out, ``intents/data/acts_params.json``). Exact rules only where they are
exact: a /command, a message that is only a request reference, a message with no letter or digit.
Without an encoder, the same regression over the surface features and the step.

``classify`` never raises. ``aclassify`` is the same off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from intents.normalize import normalize

log = logging.getLogger(__name__)

ACTS = (
    "new_request",
    "question",
    "place_question",
    "status",
    "addition",
    "correction",
    "handover",
    "off_topic",
    "greeting",
    "thanks",
    "yes",
    "no",
    "other",
)
STEPS = (
    "start", "commune", "role", "need", "stage", "budget", "timing", "help", "name", "phone", "email", "recap",
    "after_filing", "after_answer",
)
#: The kinds of step the model sees (``step_group``): nothing pending (no step, or the start / menu), an intake
#: question (commune … email), the recap, after a filing, after an answer.
STEP_GROUPS = ("none", "intake", "recap", "after_filing", "after_answer")

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES_FILE = DATA_DIR / "acts.yaml"
SEED_FILE = DATA_DIR / "acts_seed.yaml"
PARAMS_FILE = DATA_DIR / "acts_params.json"

DEFAULT_PARAMS: dict[str, float] = {
    "k": 10,
    "temperature": 0.03,
    "step_bonus": 0.03,
    "unsure_below": 0.55,
    "lexical_k": 7,
    "lexical_temperature": 8.0,
}

#: The dialogue's confidence gates (a reading of that act at or above its gate is acted on alone), fitted by
#: ``scripts/fit_acts.py`` (``GATES`` there: the act and the precision asked, the meaning of each) on the out-of-fold
#: calibrated readings and shipped in ``acts_params.json`` under ``gates``; read with :func:`gate`. These defaults
#: (the former hand-set values) serve only when the parameters lack a gate.
DEFAULT_GATES: dict[str, float] = {
    "handover": 0.5,
    "handover_sentence": 0.95,
    "addition": 0.9,
    "off_topic": 0.9,
    "new_request": 0.8,
    "thanks": 0.8,
    "greeting": 0.8,
    "status": 0.0,
}

# /commands (the bot's and the ones people type by habit): exact.
COMMANDS: dict[str, str] = {
    "start": "greeting", "bonjour": "greeting",
    "aide": "question", "help": "question", "question": "question",
    "demande": "new_request", "nouvelle": "new_request", "recommencer": "new_request", "restart": "new_request",
    "mesdemandes": "status", "demandes": "status", "suivi": "status", "statut": "status", "status": "status",
    "agent": "handover", "humain": "handover",
    "annuler": "no", "cancel": "no", "stop": "no",
    "merci": "thanks",
}
_REF_ONLY = re.compile(r"^\s*(?:n[°o]\s*|ref(?:erence)?\.?\s*:?\s*|demande\s*)?(\d{2,3}|2[AB])\s*-\s*20\d{2}\s*-\s*\d{4}"
                       r"\s*[?.!]*\s*$", re.IGNORECASE)
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


@dataclass(frozen=True)
class ActReading:
    act: str
    confidence: float
    ranked: list[tuple[str, float]] = field(default_factory=list)
    source: str = "encoder"  # encoder | lexical | rule

    @property
    def top_two(self) -> list[tuple[str, float]]:
        return self.ranked[:2]

    @property
    def unsure(self) -> bool:
        """Low confidence: ask one short question with buttons (the top two kinds), never the handover offer."""
        return self.confidence < float(load_params().get("unsure_below", DEFAULT_PARAMS["unsure_below"]))


@dataclass(frozen=True)
class Example:
    text: str
    act: str
    step: str | None = None


# --- data -------------------------------------------------------------------------------------------------------------
def read_examples(path: str | Path) -> list[Example]:
    import yaml

    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out: list[Example] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        act_raw = item.get("act")
        if isinstance(act_raw, bool):  # YAML 1.1 reads a bare yes / no as a boolean
            act_raw = "yes" if act_raw else "no"
        text, act = str(item.get("text") or "").strip(), str(act_raw or "").strip()
        if not text or act not in ACTS:
            continue
        step = item.get("step")
        out.append(Example(text, act, str(step) if step else None))
    return out


def default_examples() -> list[Example]:
    """The shipped labelled examples (the dev set); the seed file only when it is absent."""
    return read_examples(EXAMPLES_FILE if EXAMPLES_FILE.is_file() else SEED_FILE)


MODEL_FILE = DATA_DIR / "acts_model.npz"
HASH_DIM = 1 << 11


def _grams(text: str) -> list[str]:
    norm = normalize(text[:2000])
    toks = norm.split()
    out: list[str] = []
    for w in toks:
        p = f" {w} "
        for n in (2, 3, 4):
            out += [p[i : i + n] for i in range(len(p) - n + 1)]
        out.append("W:" + w)
    out += ["B:" + a + " " + b for a, b in zip(toks, toks[1:])]
    if "?" in text:
        out.append("Q:?")
    if not toks:
        out.append("EMPTY")
    out.append(f"LEN:{min(len(toks), 12) // 3}")
    return out


def step_group(step: str | None) -> int:
    """The index in ``STEP_GROUPS`` of what the guichet had just asked (the writer's examples without a step are
    messages with nothing pending, like the start or the menu)."""
    if step in ("recap", "after_filing", "after_answer"):
        return STEP_GROUPS.index(step)
    if step in STEPS and step != "start":
        return STEP_GROUPS.index("intake")
    return 0


def surface_features(text: str, step: str | None) -> Any:
    """Hashed character 2–4-grams, words and word pairs of the normalised text (log counts, unit norm), then the
    kind of step (``step_group``) as one-hot: what the learned reader sees besides the sentence vector."""
    import zlib

    import numpy as np

    v = np.zeros(HASH_DIM, dtype=np.float32)
    for g in _grams(text):
        v[zlib.crc32(g.encode()) % HASH_DIM] += 1.0
    v = np.log1p(v)
    n = float(np.linalg.norm(v))
    if n:
        v /= n
    st = np.zeros(len(STEP_GROUPS), dtype=np.float32)
    st[step_group(step)] = 1.0
    return np.concatenate([v, st])


def examples_hash(examples: Sequence["Example"]) -> str:
    import hashlib

    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.text}\x1f{e.act}\x1f{e.step or ''}\x1e".encode())
    return h.hexdigest()[:24]


_params_cache: dict[str, Any] | None = None


def load_params() -> dict[str, Any]:
    global _params_cache
    if _params_cache is None:
        params = dict(DEFAULT_PARAMS)
        try:
            params.update(json.loads(PARAMS_FILE.read_text(encoding="utf-8")).get("params", {}))
        except (OSError, ValueError):
            pass
        _params_cache = params
    return _params_cache


def gate(name: str) -> float:
    """The confidence from which a reading is acted on alone, for the gate ``name`` (``DEFAULT_GATES``' names: the
    act, or ``handover_sentence`` for one sentence of a longer message): fitted by ``scripts/fit_acts.py`` at a stated
    precision of that act's out-of-fold readings. An unknown name: 1.0 (never)."""
    gates = load_params().get("gates")
    if isinstance(gates, dict) and name in gates:
        try:
            return float(gates[name])
        except (TypeError, ValueError):
            pass
    return float(DEFAULT_GATES.get(name, 1.0))


# --- exact rules ------------------------------------------------------------------------------------------------------
def _rule(text: str) -> str | None:
    raw = text.strip()
    if raw.startswith("/") and len(raw) > 1:
        command = raw[1:].split()[0].split("@")[0].lower()
        if command in COMMANDS:
            return COMMANDS[command]
    if _REF_ONLY.match(raw):
        return "status"
    if not _HAS_WORD.search(raw):
        return "other"
    return None


def _ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    total = sum(scores.values())
    if total <= 0:
        return [("other", 1.0)] + [(a, 0.0) for a in ACTS if a != "other"]
    ranked = sorted(((a, scores.get(a, 0.0) / total) for a in ACTS), key=lambda p: -p[1])
    return [(a, round(p, 4)) for a, p in ranked]


def vote(sims: Sequence[float], labels: Sequence[str], k: int, temperature: float) -> dict[str, float]:
    """Similarity-weighted vote of the k nearest examples: weight exp((sim - best) / temperature)."""
    order = sorted(range(len(sims)), key=lambda i: -sims[i])[: max(1, int(k))]
    if not order:
        return {}
    best = sims[order[0]]
    scores: dict[str, float] = {}
    for i in order:
        scores[labels[i]] = scores.get(labels[i], 0.0) + math.exp((sims[i] - best) / max(temperature, 1e-6))
    return scores


class ActModel:
    """The nearest-neighbour reader over a list of labelled examples (tests and the leave-one-out evaluation build
    their own; ``classify`` uses the shipped one)."""

    def __init__(self, examples: Iterable[Example], params: dict[str, float] | None = None, use_encoder: bool = True):
        self.examples = list(examples)
        self.labels = [e.act for e in self.examples]
        self.steps = [e.step for e in self.examples]
        self.params = dict(load_params() if params is None else params)
        self.norms = [normalize(e.text) for e in self.examples]
        self.vectors: Any = None
        self.softmax: dict[str, Any] = {}
        self.encoder_id: str | None = None
        if use_encoder:
            from intents.encoder import cached_vectors

            try:
                self.vectors = cached_vectors([e.text for e in self.examples], kind="query", label="acts")
            except Exception:  # noqa: BLE001 - an encoder that fails on data: lexical path
                log.exception("encoding the labelled acts failed; lexical path")
                self.vectors = None
            if self.vectors is not None:
                from intents.encoder import get_encoder

                enc = get_encoder()
                self.encoder_id = enc.model_id if enc is not None else None

    def load_softmax(self, path: Path = MODEL_FILE) -> "ActModel":
        """The learned readers (``scripts/fit_acts.py``), used only when fitted on these very examples (and, for the
        sentence-vector one, this encoder)."""
        try:
            import numpy as np

            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except Exception:  # noqa: BLE001 - missing or unreadable: the nearest-neighbour vote
            return self
        if str(data.get("examples_hash")) != examples_hash(self.examples):
            log.info("acts model fitted on other examples: nearest-neighbour vote")
            return self
        width = HASH_DIM + len(STEP_GROUPS)
        if "lex_W" in data and data["lex_W"].shape[0] == width:
            self.softmax["lexical"] = (data["lex_W"], data["lex_b"], float(data.get("lex_T", 1.0)))
        if ("enc_W" in data and self.vectors is not None and str(data.get("encoder")) == self.encoder_id
                and data["enc_W"].shape[0] == self.vectors.shape[1] + width):
            self.softmax["encoder"] = (data["enc_W"], data["enc_b"], float(data["enc_scale"]),
                                       float(data.get("enc_T", 1.0)))
        return self

    def softmax_read(self, text: str, step: str | None, vector: Any) -> list[tuple[str, float]] | None:
        import numpy as np

        if vector is not None and "encoder" in self.softmax:
            W, b, scale, temperature = self.softmax["encoder"]
            x = np.concatenate([np.asarray(vector, dtype=np.float32) * scale, surface_features(text, step)])
        elif "lexical" in self.softmax:
            W, b, temperature = self.softmax["lexical"]
            x = surface_features(text, step)
        else:
            return None
        z = (x @ W + b) / max(temperature, 1e-3)  # the calibration fitted out of fold
        z = z - z.max()
        p = np.exp(z)
        p = p / p.sum()
        return sorted(((ACTS[i], round(float(p[i]), 4)) for i in range(len(ACTS))), key=lambda t: -t[1])

    # similarities of one message to every example (with the step bonus)
    def similarities(self, text: str, step: str | None = None, vector: Any = None) -> tuple[list[float], str]:
        if self.vectors is not None:
            if vector is None:
                from intents.encoder import encode_query

                vector = encode_query(text)
            if vector is not None:
                sims = (self.vectors @ vector).tolist()
                source = "encoder"
            else:
                sims, source = self._lexical(text), "lexical"
        else:
            sims, source = self._lexical(text), "lexical"
        if step:
            bonus = float(self.params.get("step_bonus", 0.0)) * (1.0 if source == "encoder" else 100.0)
            sims = [s + bonus if st == step else s for s, st in zip(sims, self.steps)]
        return sims, source

    def _lexical(self, text: str) -> list[float]:
        from rapidfuzz import fuzz, process

        norm = normalize(text)
        scores = process.cdist([norm], self.norms, scorer=fuzz.WRatio)[0]
        return [float(s) for s in scores]

    def read(self, text: object, step: str | None = None, vector: Any = None, skip: int | None = None) -> ActReading:
        """``skip``: the index of an example to leave out (leave-one-out)."""
        if not isinstance(text, str) or not text.strip():
            return ActReading("other", 1.0, [("other", 1.0)], "rule")
        rule = _rule(text)
        if rule:
            return ActReading(rule, 1.0, [(rule, 1.0)] + [(a, 0.0) for a in ACTS if a != rule], "rule")
        if not self.examples:
            return ActReading("other", 0.0, [("other", 0.0)], "lexical")
        if self.softmax and skip is None:
            if vector is None and self.vectors is not None and "encoder" in self.softmax:
                from intents.encoder import encode_query

                vector = encode_query(text[:2000])
            ranked = self.softmax_read(text, step, vector)
            if ranked is not None:
                source = "encoder" if vector is not None and "encoder" in self.softmax else "lexical"
                return ActReading(ranked[0][0], ranked[0][1], ranked, source)
        sims, source = self.similarities(text[:2000], step, vector)
        labels = self.labels
        if skip is not None:
            sims = sims[:skip] + sims[skip + 1 :]
            labels = labels[:skip] + labels[skip + 1 :]
        if source == "encoder":
            scores = vote(sims, labels, int(self.params["k"]), float(self.params["temperature"]))
        else:
            scores = vote(sims, labels, int(self.params["lexical_k"]), float(self.params["lexical_temperature"]))
        ranked = _ranked(scores)
        act, conf = ranked[0]
        if source == "lexical":
            conf = round(conf * 0.8, 4)  # the lexical vote is less sure of itself than it looks
        return ActReading(act, conf, ranked, source)


_model: ActModel | None = None
_model_lock = threading.Lock()


def get_model() -> ActModel:
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = ActModel(default_examples()).load_softmax()
    return _model


def reset() -> None:
    """Forget the loaded model and parameters (tests, or after ``encoder.configure``)."""
    global _model, _params_cache
    with _model_lock:
        _model, _params_cache = None, None


def warm() -> None:
    """Load the examples' vectors now (at start, so that the first message does not pay for it)."""
    get_model()


def classify(text: str, step: str | None = None) -> ActReading:
    """What ``text`` is, given the ``step`` the guichet was at (DATA-FORMATS.md §1 ids), with a confidence in 0–1
    and every kind ranked (``ranked[:2]`` for the buttons when ``unsure``). Never raises."""
    try:
        return get_model().read(text, step if step in STEPS else None)
    except Exception:  # noqa: BLE001 - reading must never break a conversation
        log.exception("act reading failed")
        return ActReading("other", 0.0, [("other", 0.0)], "rule")


async def aclassify(text: str, step: str | None = None) -> ActReading:
    """``classify`` off the event loop (the encoder may take tens of milliseconds)."""
    return await asyncio.to_thread(classify, text, step)
