"""Facts of batch 18's dev stories (731–770) read where they are said: « c la mairie de … » before the project, « je
confonds » corrects, a clause that only says nothing is done puts nothing off, a follow-up that names its object
first, someone who knows what to do is engineering, « je sui le maire », an acronym in brackets, a clause read as the
project whatever its label, seasons in English and quarters, « l'an prochain 2027 », a project put off by its words
of later, the amount said with the part kept, the address's name said again with another separator, a name then « je
suis le responsable technique de la mairie », « le maire m'a chargé de faire la demande pour … », a verb whose
subject was said before it."""

from __future__ import annotations

import pytest

from bot.dialogue.neededit import amount_of
from intents import extract as x
from intents.clauses import split_clauses
from intents.distill import distill_need, set_aside, without_put_off
from intents.help_kinds import find_help_kinds
from intents.intro import find_intro
from intents.need import clean_need, question_object
from intents.roles import find_role


def test_the_mairie_said_in_sms_before_the_project() -> None:
    assert clean_need("slt c la mairie de grosmagny on voudrait changer les fenetres de l'ecole") == \
        "changer les fenetres de l'ecole"


def test_mixing_up_is_a_correction() -> None:
    assert x.is_correction("attendez je confonds avec la salle des associations. c'est encore une idée")


def test_nothing_put_off_without_words_of_later() -> None:
    need = "l'ancienne école est vide depuis trois ans, on voudrait en faire deux logements à louer"
    assert set_aside(need, "attendez je confonds avec la salle des associations. pour l'école il n'y a rien du "
                           "tout, c'est encore une idée.") is None


def test_a_follow_up_that_names_its_object_first() -> None:
    assert question_object("et l'éclairage public ça rentre dedans ? on a encore des vieilles lampes") == \
        "l'éclairage public"
    assert question_object("et une école, c'est possible ?") == "une école"


@pytest.mark.parametrize("text", [
    "il faudrait quelqu'un qui s'y connaît pour nous dire quoi faire",
    "Ce qui nous manque surtout, c'est quelqu'un qui sache comment on monte ce genre de lieu",
])
def test_someone_who_knows_what_to_do(text: str) -> None:
    assert "ingenierie" in find_help_kinds(text)


def test_roles_typed_fast() -> None:
    assert find_role("riervecemont. je sui le maire") == "maire"
    assert find_intro("Bonjour, Yannick Perrey, je suis le responsable technique de la mairie de Cravanche.") == \
        {"name": "Yannick Perrey", "role": "agent"}


def test_an_acronym_in_brackets_is_no_clause() -> None:
    text = "requalification de la zone d'activités économiques (ZAE) de Bessoncourt – reprise des VRD"
    assert [c.text for c in split_clauses(text)][0] == "requalification de la zone d'activités économiques  ZAE  de Bessoncourt"


def test_a_clause_read_as_the_project_whatever_its_label() -> None:
    need = distill_need("hello 👋 chargée de mission éco à la CC Sud Territoire, on bosse sur un fablab intercommunal, "
                        "le benchmark est done et on a un premier business model")
    assert "fablab" in need and "benchmark" not in need


@pytest.mark.parametrize("text, timing", [
    ("capex autour de 160k, go-live visé spring 2027", "spring 2027"), ("go-live visé Q2 2028", "Q2 2028"),
    ("l'an prochain 2027. faut des aides sinon on fait pas", "2027"),
])
def test_more_ways_to_say_when(text: str, timing: str) -> None:
    assert x.find_timing(text) == timing


def test_a_project_put_off_by_its_words_of_later() -> None:
    need = ("la construction d'un atelier municipal, le remplacement de la passerelle piétonne sur le ruisseau près de "
            "l'école")
    text = ("Finalement non, je sors du bureau de M. le Maire, il préfère qu'on dépose d'abord la passerelle, elle "
            "devient dangereuse pour les enfants. L'atelier on verra l'an prochain.")
    assert set_aside(need, text) == "le remplacement de la passerelle piétonne sur le ruisseau près de l'école"
    assert "an prochain" not in without_put_off(text)
    said = ("Nous avons deux dossiers : la construction d'un atelier municipal (environ 200 000 €) et le remplacement "
            "de la passerelle piétonne sur le ruisseau près de l'école (devis de 58 000 €).")
    assert amount_of("le remplacement de la passerelle piétonne sur le ruisseau près de l'école", said) == "58 000 €"


def test_the_request_handed_over_and_a_verb_whose_subject_came_before() -> None:
    assert clean_need("Le maire m'a chargé de faire la demande pour les fenêtres de l'école maternelle") == \
        "les fenêtres de l'école maternelle"
    need = distill_need("Notre mairie, bâtiment de la fin du dix-neuvième siècle, est une véritable passoire thermique. "
                        "Un bureau d'études nous a remis son rapport : il préconise l'isolation des murs.")
    assert need.startswith("Notre mairie")


def test_the_address_said_again_with_another_separator() -> None:
    from bot.dialogue.understand import Reader
    from knowledge.base import KnowledgeBase

    reader = Reader(KnowledgeBase.load("90"), "90")
    draft = {"email": "mairie.lagrange@orange.fr"}
    assert reader.correction("non attendez c mairie-lagrange avec un tiret pas un point", draft,
                             lambda slot: draft.get(slot)) == {"email": "mairie-lagrange@orange.fr"}
