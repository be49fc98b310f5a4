"""Facts of batch 19's dev stories (771–810) read where they are said, so the intake does not ask them again: the
collectivité said after a title in lower case or as an EPCI's colloquial form (« à la comcom sud territoire »,
« adjoint au commerce a hericourt en haute saone »), a title after a greeting of any register (« hey 👋 chargé de
mission … ») or coordinated with another one said of oneself (« je suis ancien instituteur et conseiller
municipal »)."""

from __future__ import annotations

import pytest

from bot.dialogue.understand import Reader
from intents.roles import find_role


@pytest.fixture(scope="module")
def reader() -> Reader:
    from knowledge.base import KnowledgeBase

    return Reader(KnowledgeBase.load("90"), "90")


# --- the collectivité said after a title, in lower case or in an EPCI's colloquial form ----------------------------
@pytest.mark.parametrize("text, place", [
    ("hey 👋 chargé de mission dev éco à la comcom Sud Territoire. on a un projet de fablab dans la ZA de Delle",
     "CC du Sud Territoire"),  # dev 786: the project's town named too
    ("je suis dgs a la com com des vosges du sud, on voudrait un schéma de mobilité", "CC des Vosges du Sud"),
    ("bonjour je suis la secretaire de mairie d auxelles haut", "Auxelles-Haut"),
])
def test_the_collectivite_after_a_title_in_lower_case(reader: Reader, text: str, place: str) -> None:
    found = reader.commune_any(text)
    assert found is not None and found["name"] == place


def test_a_place_of_another_departement_after_a_title_in_lower_case(reader: Reader) -> None:
    # dev 803: a département said, the town named in lower case after « adjoint au commerce a »
    cued = reader.cued_places("slt, Mickael Faivre adjoint au commerce a hericourt en haute saone, on est a 10 min de "
                              "belfort donc je tente")
    assert [(c["name"], c["departement"]) for c in cued] == [("Héricourt", "70")]


@pytest.mark.parametrize("text", [
    "adjointe a la culture et au patrimoine, on voudrait refaire la salle",
    "je suis maire depuis 2020 et on a un projet de city stade",
    "responsable des services techniques, on a un souci de toiture",
])
def test_no_place_read_in_the_words_after_a_title(reader: Reader, text: str) -> None:
    assert reader.cued_places_lower(text, None, 0.9) == []


# --- the role said after a greeting, or beside another title -----------------------------------------------------
@pytest.mark.parametrize("text, role", [
    ("hey 👋 chargé de mission dev éco à la comcom Sud Territoire. on a un projet", "agent"),  # dev 786
    ("hello, chargée de mission mobilité au Grand Belfort", "agent"),
    ("Bonjour Madame, Monsieur. J'ai 78 ans, je suis ancien instituteur et conseiller municipal délégué à "
     "l'environnement de Lachapelle-sous-Rougemont.", "conseiller"),  # dev 787
    ("je suis retraitée et adjointe aux écoles", "adjoint"),
])
def test_the_role_said_of_oneself(text: str, role: str) -> None:
    assert find_role(text) == role


@pytest.mark.parametrize("text", [
    "je suis allé voir l'architecte et le maire",
    "je suis inquiet et le maire aussi",
    "je suis passé voir le DGS et on a parlé",
])
def test_someone_else_s_role(text: str) -> None:
    assert find_role(text) is None


# --- an emergency told by a secretary (dev 779) ----------------------------------------------------------------------
def test_the_collectivite_said_first_then_who_writes(reader: Reader) -> None:
    from bot.dialogue.understand import Facts

    facts = Facts()
    reader.commune_asked("auxelles haut. moi c celine vernier la secretaire, le maire est la haut avec les pompiers",
                         facts)
    assert facts.values["commune"]["name"] == "Auxelles-Haut" and not facts.candidates


@pytest.mark.parametrize("text, intro", [
    ("moi c celine vernier la secretaire", {"name": "Celine Vernier", "role": "agent"}),
    ("moi c est paul girard le maire", {"name": "Paul Girard", "role": "maire"}),
])
def test_who_writes_said_with_moi_c(text: str, intro: dict[str, str]) -> None:
    from intents.intro import find_intro

    assert find_intro(text) == intro


def test_a_technician_to_come_and_see_and_money_after_it() -> None:
    from bot.dialogue.answers import ENTITY_EXTRACTORS

    kinds = ENTITY_EXTRACTORS["help"]("il faudrait un technicien qui vienne voir et surement des sous, ca va couter cher")
    assert set(kinds) == {"ingenierie", "financement"}


def test_the_help_asked_is_no_part_of_the_project() -> None:
    from intents.distill import distill_need

    assert distill_need("il faudrait un technicien qui vienne voir et surement des sous, ca va couter cher",
                        fallback=False) == ""


# --- a forwarded letter signed above the mairie's opening hours (dev 773) ------------------------------------------
def test_a_signature_above_the_opening_hours() -> None:
    from intents.signature import find_signature

    letter = ("Bonjour,\n\nLa commune souhaite réhabiliter l'ancien presbytère. Nous sollicitons un accompagnement "
              "financier.\n\nBien cordialement,\n\nNadine Perrot\nSecrétaire de mairie\nMairie de Bessoncourt\n"
              "1 rue de la Mairie – 90160 Bessoncourt\nTél. 03 84 29 91 05\nsecretariat@bessoncourt.fr\n"
              "Accueil du public : lundi, mardi et jeudi de 14 h à 18 h")
    assert find_signature(letter) == {"name": "Nadine Perrot", "role": "agent"}
    assert find_signature(letter.replace("Accueil du public : lundi, mardi et jeudi de 14 h à 18 h",
                                         "Horaires : du lundi au vendredi, 9h-12h")) == \
        {"name": "Nadine Perrot", "role": "agent"}


@pytest.mark.parametrize("text", [
    "il manque : mon portable, la mairie n'est ouverte que trois après-midi par semaine. Mettez plutôt le 06 83 27 40 16.",
    "il manque mon mail perso, celui de la mairie est relevé une fois par semaine",
    "il manque le numéro du maire : 06 12 34 56 78",
])
def test_a_field_said_missing_is_no_part_of_the_project(text: str) -> None:
    from intents.need import addition_parts

    assert addition_parts(text) == ("", True)


def test_a_part_of_the_project_said_missing() -> None:
    from intents.need import addition_parts

    assert addition_parts("il manque : la mise aux normes accessibilité")[0] == "la mise aux normes accessibilité"


def test_who_writes_with_another_occupation_is_no_part_of_the_need() -> None:
    from intents.distill import distill_need

    need = distill_need("Bonjour Madame, Monsieur. J'ai 78 ans, je suis ancien instituteur et conseiller municipal "
                        "délégué à l'environnement de Lachapelle-sous-Rougemont. Avec le conseil, nous aimerions "
                        "replanter des haies champêtres le long des chemins et créer un verger conservatoire avec les "
                        "vieilles variétés du pays. Ce n'est qu'une idée pour l'heure.")  # dev 787
    assert need.startswith("replanter des haies") and "conseiller" not in need and "78 ans" not in need



@pytest.mark.parametrize("text, sentence", [
    ("il faudrait un technicien qui vienne voir et surement des sous", True),  # dev 779, at the pick
    ("le maire est parti là-haut avec les pompiers pour regarder", True),
    ("c'est la commune de st germain le chatlet", False),  # a place misspelt: « Je ne trouve pas … » is right
    ("st germain le chatlet", False),
])
def test_a_sentence_at_the_collectivite_s_question_is_no_misspelt_name(text: str, sentence: bool) -> None:
    from bot.dialogue.form import _a_sentence

    assert _a_sentence(text) is sentence
