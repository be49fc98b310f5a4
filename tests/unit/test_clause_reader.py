"""The fitted clause reader of the stage and the help (``intents/clause_reader.py``): every clause of a message, not
only those the need distiller labels « stage » or « help »."""

from __future__ import annotations

import json

import numpy as np
import pytest

from intents import clause_reader as R
from intents import extract as x
from intents.clause_facts import clause_help, clause_stage
from intents.encoder import get_encoder

ENCODER = get_encoder() is not None


def _toy(threshold: float = 0.8) -> R.Reader:
    # two dims: the first says « pret », the second nothing
    W = np.array([[0.0, 0.0, 0.0, 8.0, 0.0], [0.0, 0.0, 0.0, 0.0, 8.0]], np.float32)
    return R.Reader(["idee", "etude", "projet-defini", "pret", R.NONE], W, np.zeros(5), 1.0, threshold)


def test_a_reading_needs_its_threshold_and_is_never_none() -> None:
    r = _toy()
    assert r.value(np.array([1.0, 0.0])) == "pret"
    assert r.read(np.array([0.0, 1.0]))[0] == R.NONE
    assert r.value(np.array([0.0, 1.0])) is None  # « aucun » is no reading
    assert r.value(np.array([0.1, 0.0])) is None  # unsure: under the threshold
    assert _toy(0.0).value(np.array([0.1, 0.0])) == "pret"


def test_the_stored_model_fits_its_classes() -> None:
    params = json.loads(R.PARAMS_FILE.read_text(encoding="utf-8"))
    z = np.load(R.MODEL_FILE)
    for kind in R.KINDS:
        p = params[kind]
        assert R.NONE in p["classes"]
        assert z[f"{kind}_W"].shape[1] == len(p["classes"]) == z[f"{kind}_b"].shape[0]
        assert 0.5 <= p["threshold"] <= 1.0
        assert p["precision_out_of_fold"] >= p["precision_target"] >= 0.9


def test_clauses_split_as_clause_facts() -> None:
    assert R.clause_texts("Bonjour. On en est aux balbutiements, il nous faut des sous.") == [
        "On en est aux balbutiements", "il nous faut des sous"]
    assert R.clause_texts("ok") == []  # one word says too little


def test_bad_input_never_raises() -> None:
    for bad in (None, "", "   ", 12, "€€€ ,,, ...", "x" * 5000):
        assert R.read_stage(bad) is None
        assert R.read_help(bad) == []


# clauses in none of the labelled sets, that the rules do not read and that the need distiller need not label « stage »
# or « help »: the fitted reader reads them
@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone")
@pytest.mark.parametrize("said, stage", [
    ("Rien n'est encore engagé, on y réfléchit.", "idee"),
    ("Le bureau d'études nous a remis son diagnostic de la charpente.", "etude"),
    ("Un cabinet a réalisé l'étude de faisabilité.", "etude"),
    # (« L'architecte a finalisé les plans et le chiffrage. » was here: an architect's costing is a study for the
    # second blind writer, as for the first; the reader refitted with its clauses is no longer sure of either)
    ("Le coût définitif est arrêté et les plans sont validés.", "projet-defini"),
    ("Le dossier de conception est terminé.", "projet-defini"),
    ("L'entreprise a démarré les travaux lundi.", "pret"),
])
def test_a_stage_said_in_any_clause(said: str, stage: str) -> None:
    # the fitted reader, or the rules where they read it (a study handed over, works started, told in the active
    # voice, are the rules' since batch 13)
    assert (x.find_stage(said) or R.read_stage(said)) == stage
    whole = f"Bonjour, nous voulons rénover le lavoir. {said} Merci."  # one clause of several
    assert (x.find_stage(whole) or R.read_stage(whole)) == stage
    assert (x.find_stage(said) or clause_stage(said)) == stage  # the path a message takes


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone")
@pytest.mark.parametrize("said, kind", [
    ("Nos finances ne permettent pas de tout payer.", "financement"),
    ("On n'a personne pour suivre le chantier techniquement.", "ingenierie"),
])
def test_a_help_said_in_any_clause(said: str, kind: str) -> None:
    assert R.read_help(said, asked=False) == [kind]
    assert kind in clause_help(said, asked=False)


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone")
@pytest.mark.parametrize("said, kind", [
    ("Pouvez-vous nous indiquer qui contacter au département ?", "mise-en-relation"),
    ("Quelles sont les dates de dépôt des dossiers ?", "information"),
    ("qui contacter à la préfecture", "mise-en-relation"),
])
def test_a_question_is_a_help_only_at_the_help_question(said: str, kind: str) -> None:
    """At the help's question, « qui contacter … ? » answers it; anywhere else a question is answered, not read as a
    help asked (« qui contacter à la préfecture » typed at the menu started a request: the territory conversation)."""
    assert R.read_help(said, asked=True) == [kind]
    assert R.read_help(said, asked=False) == []


def test_the_rules_stay_first(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(R, "_value", lambda kind, clause: asked.append(clause) or "idee")
    assert R.read_stage("Le DCE est prêt, la salle est vétuste") == "idee"
    assert asked == ["la salle est vétuste"]  # the clause the rules read is not given to the model


@pytest.mark.skipif(not ENCODER, reason="the encoder reads these; without it the rules alone")
@pytest.mark.parametrize("said", [
    "Aucun",
    "La toiture de l'école est à refaire.",
    "Nous sommes une commune de 600 habitants.",
    "Merci d'avance pour votre retour.",
    "Les enfants ont froid en classe l'hiver.",
    "Quelle est la démarche ?",  # a question the guichet answers: no kind of help but money is read there
])
def test_a_clause_that_says_none_stays_unread(said: str) -> None:
    assert R.read_stage(said) is None
    assert R.read_help(said, asked=False) == []
