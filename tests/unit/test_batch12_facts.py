"""Facts of batch 12's dev stories (491–530) read where they are said: a name before a contact at the end of a
message typed without capitals, a name and title dictated after « c'est », « pdt » and « VP » as titles, a count
beside an amount, pictographs out of the need, a correction placed « plus haut »."""

from __future__ import annotations

import pytest

from bot.dialogue.understand import ENTITY_EXTRACTORS
from intents import extract as x
from intents.intro import find_intro
from intents.need import clean_need


def test_a_name_typed_without_capitals_before_the_contact_at_the_end():
    text = "bonjour maire de grosmagny, projet station, besoin de financement. rene grosjean 06 52 77 31 08"
    assert ENTITY_EXTRACTORS["name"](text) == "Rene Grosjean"
    assert ENTITY_EXTRACTORS["name"]("on veut refaire le toit. rappelez moi 06 84 12 55 09") is None


def test_a_name_and_title_dictated_after_c_est():
    text = "oui bonjour alors c'est jean-pierre vallat le maire de bourogne je vous écris pour la rue des vergers"
    assert find_intro(text) == {"name": "Jean-Pierre Vallat", "role": "maire"}
    assert x.find_role(text) == "maire"
    assert find_intro("c'est nous le maire de roppe") == {}


@pytest.mark.parametrize("text, role", [
    ("bjr pdt de la cc des vosges du sud", "president-epci"),
    ("Hello, Karim Benali, VP mobilités du Grand Belfort.", "president-epci"),
    ("le projet est porté par le maire", None),
    ("le dossier est suivi depuis janvier le maire", None),
])
def test_titles_in_short(text, role):
    assert x.find_role(text) == role


def test_a_count_beside_an_amount_is_no_budget():
    assert x.find_amount("on a 2 devis de couvreur le moins cher 95000 ht, on peut commencer") == x.Budget(95000, 95000)
    assert x.find_amount("3 devis reçus, le moins cher à 12 500 € HT") == x.Budget(12500, 12500)


def test_pictographs_are_not_part_of_the_need():
    assert clean_need("panneaux solaires sur le toit du gymnase ☀️") == "panneaux solaires sur le toit du gymnase"


def test_a_correction_said_to_be_about_something_said_before():
    text = "je me suis trompé plus haut, c'est Meroux-Moval, pas Méziré, désolé, je travaille aussi là-bas."
    assert x.correction_parts(text) == ("Meroux-Moval", "Méziré")


@pytest.mark.parametrize("text", [
    "on en parle depuis longtemps mais rien de fait, pas de devis",
    "la passerelle est pourrie faut la refaire. rien de chiffré, 35000 peut etre",
    "rien n'est lancé",
])
def test_nothing_done_yet_is_an_idea(text):
    assert x.find_stage(text, asked=True) == "idee"
    assert x.find_stage(text) == "idee"


def test_a_date_of_what_happened_told_with_a_pronominal_verb_is_no_calendar():
    from intents.calendar import find_timing

    assert find_timing("il s'est effondré en partie cet hiver") is None
    assert find_timing("le toit s'est envolé en mars, on veut le refaire en 2027") == "en 2027"
    assert find_timing("on voudrait refaire le mur cet hiver") == "cet hiver"
