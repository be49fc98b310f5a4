"""Facts of batch 14's dev stories (571–610) read where they are said: a name without what follows its comma nor a
phone's label, in capitals when typed without; « moi c thomas girardot »; someone to guide us is engineering; a
second wish after « et »; « l'avancement de notre demande »; a street named after a place; a project's word typed
alone; the state of things before a project that names not its object; a list's bullets."""

from __future__ import annotations

import pytest

from bot.dialogue import validators as v
from bot.dialogue.followup import _STATUS_RULE
from intents import extract as x
from intents.encoder import get_encoder
from intents.normalize import normalize
from knowledge.lexicon import is_project_word

ENCODER = get_encoder() is not None


@pytest.mark.parametrize("typed, name", [
    ("Sandrine Klein, vous pouvez répondre sur Merci beaucoup", "Sandrine Klein"),
    ("Aurélie Bourquin, mairie (lundi et jeudi)", "Aurélie Bourquin"),
    ("nathalie fleury tel", "Nathalie Fleury"),
    ("jean-pierre de la tour", "Jean-Pierre de la Tour"),
])
def test_a_name_alone(typed: str, name: str) -> None:
    assert v.validate_name(typed) == name


def test_a_name_said_of_oneself_in_lower_case() -> None:
    assert x.find_name("moi c thomas girardot") == "Thomas Girardot"
    assert x.find_name("moi c est pour la mairie") is None


@pytest.mark.parametrize("text, kinds", [
    ("Il aimerait que quelqu'un l'aide à savoir quoi faire exactement, et bien sûr s'il y a des subventions",
     ["ingenierie", "financement"]),
    ("on sait pas par ou commencer, faudrait qqn pour nous guider", ["ingenierie"]),
    ("nous voudrions être accompagnés pour monter le dossier", ["ingenierie"]),
    ("quelqu'un qui connaisse ces dossiers pour nous accompagner", ["ingenierie"]),
    ("une subvention pour nous aider", ["financement"]),
])
def test_someone_to_guide_us_is_engineering(text: str, kinds: list[str]) -> None:
    assert x.find_help_kinds(text) == kinds


@pytest.mark.skipif(not ENCODER, reason="the encoder reads the second wish")
def test_a_second_wish_after_et_is_read_on_its_own() -> None:
    from bot.dialogue.answers import _kinds

    said = "nous voudrions savoir quelles aides financières existent et qu'on nous épaule pour le montage"
    assert {"financement", "ingenierie"} <= set(_kinds(x.find_help_kinds(said, asked=True), said))


@pytest.mark.parametrize("text, status", [
    ("Monsieur le Maire me charge de me renseigner sur l'avancement de notre demande concernant le columbarium", True),
    ("où en est le dossier chaudière de l'école", True),
    ("nous voudrions déposer une demande pour le columbarium", False),
])
def test_the_progress_of_a_request_asked_in_so_many_words(text: str, status: bool) -> None:
    assert bool(_STATUS_RULE.search(normalize(text))) is status


def test_a_projects_word_typed_alone_is_no_place() -> None:
    assert is_project_word("Pont.") and is_project_word("gare")
    assert not is_project_word("Héricourt") and not is_project_word("le pont de la gare")


@pytest.mark.skipif(not ENCODER, reason="the encoder labels the clauses")
@pytest.mark.parametrize("said, has, lacks", [
    ("bonjour virgule ici le maire de Vescemont point nous avons un gros souci avec le réseau d'eau potable qui date "
     "des années cinquante virgule il y a des fuites partout point le bureau d'études a chiffré le remplacement des "
     "canalisations à 540 000 euros point", ["eau potable", "canalisations"], ["Vescemont", "540"]),
    ("Bonjour... je suis adjointe à la culture à Danjoutin... on rêve depuis longtemps de faire quelque chose de "
     "l'ancienne gare, qui se dégrade... un tiers-lieu, avec un café associatif, un espace de coworking",
     ["gare", "tiers-lieu"], ["adjointe"]),
    # the project names its object: the state of things before it is the why, left out
    ("Bonjour, maire de Lachapelle-sous-Rougemont. Notre centre de première intervention est logé dans un ancien "
     "garage sans vestiaires, le camion rentre à dix centimètres près. Il nous faut une nouvelle caserne.",
     ["caserne"], ["centimètres"]),
    ("Projet :\n- la ville a racheté l'ancienne boucherie rue de Dampierre, vide depuis 4 ans\n- on veut la "
     "réhabiliter pour installer une épicerie\n- tous les devis des artisans sont rentrés : 210 000 € HT",
     ["boucherie", "épicerie"], ["- ", "210"]),
])
def test_what_the_project_is_about_stays_in_the_need(said: str, has: list[str], lacks: list[str]) -> None:
    from intents.distill import distill_need

    need = distill_need(said)
    assert all(w in need for w in has), need
    assert not any(w in need for w in lacks), need


@pytest.mark.skipif(not ENCODER, reason="the encoder reads the reasons")
def test_a_state_told_vetoes_not_a_reason_read_more_surely() -> None:
    from intents import no_fit

    said = ("Bonjour, Sylvie Demange, maire de Montreux-Château. Notre périscolaire déborde, nous devons recruter un "
            "animateur supplémentaire à la rentrée. Le poste coûte environ 28 000 € par an charges comprises. "
            "Existe-t-il une aide de l'État pour financer ce salaire ?")
    found = no_fit.no_fit_reason(said)
    assert found is not None and found.reason == "salaires"
    # a wish for an investment beside a bill still vetoes
    assert no_fit.no_fit_reason("Il faut isoler l'école et changer les fenêtres, nos factures de chauffage sont "
                                "énormes") is None


@pytest.mark.parametrize("text, asked, low", [
    ("Problème : le désamiantage a fait exploser le budget, on est passé de 250 000 à 310 000", False, 310_000),
    ("le devis est passé de 45 000 € à 52 000 €", True, 52_000),
    ("coût total 230 000, il manque encore 60 000", False, 230_000),
])
def test_an_amount_that_changed_and_a_gap(text: str, asked: bool, low: int) -> None:
    found = x.find_amount(text, asked=asked)
    assert found is not None and found.low == low


def test_a_gap_alone_is_no_budget_out_of_its_question() -> None:
    assert x.find_amount("Il nous manque 60 000, on cherche une aide financière") is None
    assert x.find_timing("Fin des travaux prévue pour la rentrée de septembre") == "pour la rentrée de septembre"


def test_a_name_spelt_again_in_lower_case_when_a_mistake_is_said() -> None:
    from intents.contact_name import respelled_name

    assert respelled_name("petitjean pardon, faute de frappe", "Laurent Petitjan") == "Laurent Petitjean"
    assert respelled_name("pardon c est pour la toiture", "Laurent Petitjan") is None


def test_a_correction_of_a_number_in_the_need_says_its_words_once() -> None:
    from bot.dialogue.said import _without_what_follows

    need = "Projet de vidéoprotection, 8 caméras aux abords de l'école"
    assert _without_what_follows("10 caméras", "8", need) == "10"
    assert _without_what_follows("une MAM", "crèche", "créer une crèche de 20 places") == "une MAM"


@pytest.mark.skipif(not ENCODER, reason="the encoder labels the clauses")
def test_a_project_named_as_such_is_the_need() -> None:
    from intents.distill import distill_need

    need = distill_need("Frédéric Nussbaum, adjoint sécurité, Valdoie. Projet de vidéoprotection : 8 caméras aux "
                        "abords de l'école et de la salle des fêtes. Devis reçus, 78 000 € TTC.")
    assert "vidéoprotection" in need and "caméras" in need and "Nussbaum" not in need
