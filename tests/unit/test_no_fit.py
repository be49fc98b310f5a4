"""Issue 19 (round 4): why no programme fits, read from meaning (intents/no_fit.py, labelled clauses in
intents/data/no_fit_clauses.yaml and the sentence encoder's nearest-labelled vote). The sentences below are written
for this test: none is a labelled clause, nor a story's sentence."""

from __future__ import annotations

import pytest
import yaml

from intents import no_fit
from intents.encoder import get_encoder
from knowledge.redirect import Redirects

ENCODER = get_encoder() is not None
needs_encoder = pytest.mark.skipif(not ENCODER, reason="no sentence encoder")


def test_labelled_clauses_name_the_reasons_of_the_redirects() -> None:
    data = yaml.safe_load(no_fit.DATA.read_text(encoding="utf-8"))
    assert set(data) == set(no_fit.REASONS) | set(no_fit.CONTRASTS)
    assert all(len(items) >= 15 for items in data.values())
    ids = {c.pointer.id for c in Redirects.load()._no_fit}
    assert set(no_fit.REASONS) <= ids


@needs_encoder
@pytest.mark.parametrize("said, reason", [
    ("bonjour, maire de Chèvremont, la facture de gaz du gymnase a doublé cet hiver, est-ce que l'État peut nous "
     "aider à la payer ?", "fonctionnement"),
    ("slt adjoint a Bessoncourt, on organise un festival de jazz en juin, on cherche 5000 € pour les musiciens",
     "evenement"),
    ("peut-on avoir une aide pour embaucher un agent d'entretien à mi-temps ?", "salaires"),
    ("Madame, Monsieur, notre club de judo souhaiterait une subvention pour ses déplacements en compétition.",
     "association"),
    # batch 6: works finished and paid, a subsidy asked after the fact
    ("Bonjour, la toiture de l'église a été refaite au printemps, l'entreprise est payée ; on ne savait pas qu'il "
     "fallait demander la DSIL avant. C'est encore possible ?", "deja_realise"),
    # batch 7: the commune helping a club's yearly trip (a subsidy to an association, not an investment)
    ("Bonjour, le club de marche des retraités fait une sortie dans le Jura en mai, la mairie voudrait lui donner "
     "un coup de pouce pour le transport", "association"),
    # batch 10: an event's hiring and performers; an association's own gear
    ("bonjour, pour la fête de la Saint-Martin on loue un chapiteau et on paie un orchestre, 3 000 € au total, une "
     "aide possible ?", "evenement"),
    ("notre association de théâtre doit racheter des costumes, 1 800 €", "association"),
])
def test_a_reason_is_read_in_words_not_labelled(said: str, reason: str) -> None:
    found = no_fit.no_fit_reason(said)
    assert found is not None and found.reason == reason, (said, found)
    assert Redirects.load().why_no_fit(said).id == reason


@needs_encoder
@pytest.mark.parametrize("said", [
    "maire de Chèvremont, on veut remplacer la chaudière gaz du gymnase par une pompe à chaleur, la facture a doublé",
    "on voudrait construire une halle couverte pour accueillir le marché et les fêtes du village",
    "rénovation énergétique de la salle des fêtes, étude thermique faite, 250 000 € HT",
    "acheter une saleuse et une lame pour le tracteur communal",
    "bonjour, secrétaire de mairie à Lepuix, nous voulons rénover le toit de l'église",
    "recruter un chef de projet pour notre programme Petites villes de demain",
])
def test_investments_are_not_read_as_no_fit(said: str) -> None:
    assert no_fit.no_fit_reason(said) is None, said


@needs_encoder
def test_a_bill_beside_an_investment_is_an_investment() -> None:
    said = "Il faut isoler l'école et changer les fenêtres, nos factures de chauffage sont énormes"
    assert no_fit.no_fit_reason(said) is None


@needs_encoder
def test_a_sure_reading_and_a_weak_one() -> None:
    sure = no_fit.no_fit_reason("nos factures d'électricité de la mairie ont explosé, vous pouvez nous aider à les "
                                "payer ?")
    assert sure is not None and sure.reason == "fonctionnement" and sure.sure
    assert no_fit.NoFit("evenement", 0.65, 0.88, "x").sure is False
    assert no_fit.NoFit("evenement", 0.75, 0.91, "x", agreeing=2).sure is True
    assert no_fit.NoFit("evenement", 0.75, 0.91, "x", agreeing=1).sure is False


def test_without_an_encoder_the_exact_cues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(no_fit, "available", lambda: False)
    r = Redirects.load()
    found = r.no_fit("payer le feu d'artifice de la fête du village")
    assert found is not None and found[0].id == "evenement" and found[1] is False  # a cue is never « sure »
    assert r.why_no_fit("rénover la salle des fêtes") is None
    assert no_fit.no_fit_reason("") is None


def test_warm_loads_once() -> None:
    no_fit.warm()
    first = no_fit._get()
    no_fit.warm()
    assert no_fit._get() is first


@needs_encoder
@pytest.mark.parametrize("said", [
    "les travaux de la salle ont démarré en septembre, il nous manque 30 000 € pour finir",
    "la première tranche est terminée, la seconde commence au printemps et on cherche des subventions",
    "le chantier de l'école est fini, on voudrait maintenant refaire la cour",
])
def test_works_under_way_or_a_next_project_are_no_reason(said: str) -> None:
    """Works under way, a next phase or a new project after finished works: a project, not « already done »."""
    found = no_fit.no_fit_reason(said)
    assert found is None or found.reason != "deja_realise", (said, found)


@needs_encoder
@pytest.mark.parametrize("said, reason", [
    # issue 19, q8: the object of the question named by « ce » (« ce poste », « ce salaire »), a supplier's price rise
    ("Bonjour, secrétaire à Lacollonge. On voudrait une personne en plus à la garderie du soir, à temps partiel. "
     "L'État peut-il aider à payer ce poste ?", "salaires"),
    ("Bonjour, adjoint à Danjoutin. Le transporteur du ramassage scolaire augmente ses prix de 15 %, 10 000 € de "
     "plus chaque année. Y a-t-il une aide pour compenser ça ?", "fonctionnement"),
])
def test_a_question_about_pay_or_a_price_rise_is_sure(said: str, reason: str) -> None:
    """Sure enough to stand where the matcher finds programmes on the topic's words (a school, a nursery)."""
    found = no_fit.no_fit_reason(said)
    assert found is not None and found.reason == reason and found.sure, (said, found)


@needs_encoder
def test_works_wanted_in_the_words_of_works_done_are_a_project() -> None:
    """« nous voulons le remplacer en entier », « tout refaire »: works wanted, not works done (issue 19, q8)."""
    said = "Bonjour, maire de Novillard. Le toit du gymnase laisse passer l'eau, nous voulons le remplacer en " \
           "entier : comment le financer ?"
    found = no_fit.no_fit_reason(said)
    assert found is None, found
