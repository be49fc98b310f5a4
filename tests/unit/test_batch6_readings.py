"""Issue 19, batch 6 of the dev stories, by kind of mistake: the stage said by what is (not) done, the dates of
what was done are no calendar, a budget given as a plan's total or by phases, a yearly figure is no project's cost,
« I don't know » is meaning, a name dictated in lower case, the state of things told before the project, and the
off-topic pointers of a resident and of a career. Every sentence below is written for this test (none is a story's
or a labelled clause)."""

from __future__ import annotations

import pytest

from intents import extract as x
from intents.encoder import get_encoder
from knowledge.redirect import Redirects

ENCODER = get_encoder() is not None
needs_encoder = pytest.mark.skipif(not ENCODER, reason="no sentence encoder")


@pytest.mark.parametrize("said, stage", [
    ("Pas d'étude pour l'instant, personne n'a chiffré.", "idee"),
    ("aucun diagnostic n'a été fait", "idee"),
    ("pour l'instant sans étude", "idee"),
    ("Pas encore d'étude. Ah si, pardon : l'étude de faisabilité est réalisée.", "etude"),  # said last, read
    ("Le DCE est publié depuis lundi.", "pret"),
    ("la consultation des entreprises est en cours jusqu'en février", "pret"),
    ("le conseil a retenu l'entreprise la moins chère", "pret"),
    ("nous avons reçu deux devis pour la toiture", "projet-defini"),
    ("on a fait faire les devis", "projet-defini"),
    ("l'étude est en cours", "etude"),  # unchanged
])
def test_stage_said_by_what_is_or_is_not_done(said: str, stage: str) -> None:
    assert x.find_stage(said) == stage


@pytest.mark.parametrize("said, timing", [
    # a date of what was done (avoir + participle, or a participle just before it) is not the calendar
    ("Le bureau d'études a rendu son rapport en mars. Les travaux, on les voudrait à l'automne 2027.",
     "à l'automne 2027"),
    ("Nous avions déposé un dossier en novembre.", None),
    ("Esquisse validée en mai : 90 000 €.", None),
    ("En avril, les riverains ont signé une pétition.", None),
    # planning verbs and works to be done stay the calendar
    ("on a prévu les travaux en 2027", "travaux en 2027"),
    ("le chantier a été repoussé à 2029", "à 2029"),
    ("il faudrait que ce soit fini en 2028", "en 2028"),
    ("c'est une idée pour 2029", "pour 2029"),
    ("l'architecte a estimé le tout à 90 000 € hors taxes on voudrait faire ça en 2028", "en 2028"),
    # a year beats a season said alone; the words of urgency; a year reported
    ("au printemps on a vu le maître d'œuvre ; démarrage en 2028", "démarrage en 2028"),
    ("le plus tôt possible", "le plus tôt possible"),
    ("Le président propose 2029, après les élections.", "2029"),
])
def test_the_calendar_is_what_is_planned(said: str, timing: str | None) -> None:
    assert x.find_timing(said) == timing


def test_a_budget_is_the_total_said_the_sum_of_its_phases_never_a_yearly_figure() -> None:
    plan = "Dépenses HT\nGros œuvre : 140 000 €\nHonoraires : 20 000 €\nTotal : 160 000 €\nRecettes\nDETR : 64 000 €"
    assert x.find_amount(plan).low == 160000
    phased = "Phase 1 en 2027 : la cour, 90 000 € ; phase 2 en 2028 : le préau, 60 000 €."
    assert x.find_amount(phased).low == 150000
    # a total said is the budget, not the sum of the phases
    assert x.find_amount("Phase 1 : 90 000 €, phase 2 : 60 000 €, soit 160 000 € au total avec les honoraires"
                         ).low == 160000
    assert x.find_amount("on peut mettre 15 000 € par an, pas plus") is None
    assert x.find_amount("15 000 € par an", asked=True).low == 15000  # asked: the answer is the budget
    assert x.find_amount("devis à 48 000 €, et l'entretien coûte 2 000 € par an").low == 48000


@pytest.mark.parametrize("said, slot", [
    ("Pour le calendrier on ne sait pas encore, je vous le redirai.", "timing"),
    ("Le montant ? Aucune idée.", "budget"),
    ("je sais pas", None),
    ("Je ne sais pas si c'est le bon guichet.", None),
])
def test_i_do_not_know_names_its_fact(said: str, slot: str | None) -> None:
    assert x.says_unknown(said) == slot


def test_a_name_dictated_in_lower_case_and_the_abbreviation_of_subsidy() -> None:
    assert x.find_name("je m'appelle paul-henri vuillemin virgule maire") == "Paul-Henri Vuillemin"
    assert x.find_name("je m'appelle le secrétariat") is None
    assert x.find_help_kinds("travaux 2028, subv ?") == ["financement"]


def test_off_topic_pointers_of_a_resident_and_of_a_career() -> None:
    r = Redirects.load()
    assert r.pointer("Le lampadaire devant chez moi est cassé depuis des semaines").id == "probleme_rue"
    assert r.pointer("comment préparer le concours d'attaché territorial ?").id == "carriere_territoriale"
    assert r.topic("je sollicite votre concours pour notre projet de salle") is None  # « concours » = help


@needs_encoder
def test_the_state_of_things_told_first_is_not_the_need() -> None:
    from intents.distill import distill_need

    said = ("Bonjour, maire de Chèvremont. Les vestiaires du stade datent des années 70, les douches sont froides "
            "et le toit fuit. Nous voulons reconstruire les vestiaires.")
    need = distill_need(said)
    assert "reconstruire les vestiaires" in need and "fuit" not in need and "douches sont froides" not in need
