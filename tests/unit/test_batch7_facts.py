"""Issue 19, batch 7 of the dev stories: facts said that were asked again, and needs that lost their object."""

from __future__ import annotations

import pytest

from intents import extract as x
from intents.clause_facts import clause_stage
from intents.distill import distill_need
from intents.encoder import get_encoder
from intents.need import trim_honour

needs_encoder = pytest.mark.skipif(get_encoder() is None, reason="the encoder reads these")


def test_the_role_said_en_qualite_de() -> None:
    assert x.find_role("En qualité de directeur général des services de la commune, je vous écris") == "agent"
    assert x.find_role("En ma qualité de maire de Chaux, j'ai l'honneur de vous écrire") == "maire"


@pytest.mark.parametrize("said, stage", [
    ("Nous disposons de trois devis pour la toiture", "projet-defini"),
    ("la cantine, devis ok 12 000 €", "projet-defini"),
    # a stage said in the negative is not that stage; the one said next is
    ("il n'est pas prêt à démarrer, on est toujours en études", "etude"),
    ("le projet est prêt à démarrer", "pret"),
])
def test_stage_rules(said: str, stage: str) -> None:
    assert x.find_stage(said) == stage


def test_a_date_wished_after_works_told_in_the_past_is_the_calendar() -> None:
    said = "Les travaux ont commencé lundi, nous espérons avoir terminé en octobre."
    assert x.find_timing(said) == "en octobre"
    assert x.find_timing("L'audit a été fait, en mars.") is None  # a date of what was done stays none


@needs_encoder
def test_stage_in_a_long_estimate_clause_and_a_tender_file_ready() -> None:
    assert clause_stage("Le bureau d'études est passé au printemps et nous a laissé un rapport avec une estimation "
                        "à 90 000 € HT.") == "etude"
    assert clause_stage("Le gymnase à isoler, le DCE est ready.") == "pret"
    assert clause_stage("La toiture de l'école est à refaire.") is None  # the building's state, no stage


def test_a_letters_honour_formula_is_trimmed() -> None:
    assert trim_honour("j'ai l'honneur de vous présenter notre projet de maison de santé") == "maison de santé"
    assert trim_honour("j'ai l'honneur") == "j'ai l'honneur"


@needs_encoder
@pytest.mark.parametrize("said, has, lacks", [
    ("Bonjour, maire de Chaux. Notre école est une vraie passoire thermique, on voudrait changer les fenêtres et "
     "isoler les murs.", ["école"], []),
    ("La salle des fêtes est chauffée par une vieille chaudière fioul, nous voulons installer une pompe à chaleur.",
     ["salle des fêtes"], []),
    ("Deux sujets : la toiture de l'école à refaire en urgence, et plus tard un skatepark. Pour le toit, devis "
     "signé.", ["toiture"], ["skatepark"]),
    ("il nous faut un monte-charge pour la médiathèque", ["monte-charge"], []),
    ("on voudrait un bus pour le car et le repas des enfants", ["car et le repas"], []),
])
def test_need_keeps_its_object(said: str, has: list[str], lacks: list[str]) -> None:
    need = distill_need(said)
    for word in has:
        assert word in need, need
    for word in lacks:
        assert word not in need, need


def test_an_amount_corrected_says_no_stage() -> None:
    """« en fait c'est plutôt 260 000 € HT » at the recap corrects the budget; its lead words are no stage (the
    estimate reader read « en fait c'est plutôt » as « c'est plutôt une idée »)."""
    assert clause_stage("en fait c'est plutôt 260 000 € HT") is None
    assert clause_stage("pardon, c'est plutôt 310 000 € TTC") is None
