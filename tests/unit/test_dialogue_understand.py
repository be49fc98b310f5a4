"""Reading every fact of one message (bot/dialogue/understand.py) with the real knowledge base: no database."""

from __future__ import annotations

import pytest

from bot.dialogue.understand import Reader


@pytest.fixture(scope="module")
def reader() -> Reader:
    from knowledge.base import KnowledgeBase

    return Reader(KnowledgeBase.load("90"), "90")


def test_a_dgs_first_message(reader: Reader) -> None:
    text = "DGS de la CC des Vosges du Sud, on veut une étude mobilité pour relier les villages, 1,2 M€ d'ici 2 ans"
    facts = reader.read(text, None, {})
    v = facts.values
    assert v["commune"]["code"] == "200069060" and v["commune"]["kind"] == "epci"
    assert v["role"] == "agent" and v["budget"] == "1,2 M€" and v["timing"] == "d'ici 2 ans"
    assert v["need"] == text and "stage" not in v  # « une étude » is what they want, not where they are


def test_the_asked_slot_gets_the_loose_reading_and_other_facts_still_count(reader: Reader) -> None:
    facts = reader.read("Étude, et le budget c'est 200 k€", "stage", {"need": "x"})
    assert facts.values == {"stage": "etude", "budget": "200 000 €"}
    facts = reader.read("le roi du monde", "role", {})
    assert facts.values == {} and facts.problem  # asked again, with the buttons


def test_a_commune_outside_counts_only_when_asked(reader: Reader) -> None:
    assert "commune" not in reader.read("travaux en 2027 à Besançon", None, {}).values
    facts = reader.read("Besançon", "commune", {})
    assert facts.values["commune"]["outside"] is True
    ambiguous = reader.read("90200", "commune", {})
    assert len(ambiguous.candidates) >= 2 and "commune" not in ambiguous.values


def test_a_word_close_to_a_commune_is_not_one(reader: Reader) -> None:
    assert "commune" not in reader.read("beaucoup", None, {"commune_code": "90087"}).values


@pytest.mark.parametrize("text, code", [
    ("bonjour c est le maire de villars le sec on a découvert de l amiante", "90105"),  # dictated, no capitals
    ("chargé de mobilité à la communauté de communes des vosges du sud. Nous voulons", "200069060"),
    ("je suis maire d une petite commune on voudrait refaire l ecole", None),
    # the intercommunality after « des », its member villages named after it (the whole message names several)
    ("Chargée du tourisme à la Communauté de communes des Vosges du Sud. Nous voulons baliser des sentiers entre "
     "Lepuix, Auxelles-Haut et Rougegoutte.", "200069060"),
    ("chargé de l eau à la communauté de communes des vosges du sud on veut refaire les captages de lepuix et de "
     "rougegoutte", "200069060"),
    # a long title between the cue and the place
    ("Bonjour, conseillère municipale déléguée à la jeunesse et aux sports à Chaux. Nos jeunes n ont plus de salle.",
     "90023"),
])
def test_a_place_after_a_cue_in_lower_case(reader: Reader, text: str, code: str | None) -> None:
    found = reader.commune_any(text)
    assert (found["code"] if found else None) == code


def test_a_contact_line_or_an_amount_at_the_commune_question_is_no_place(reader: Reader) -> None:
    facts = reader.read("j.martin@mairie-lepuix.fr — 03 84 29 03 90", "commune", {})
    assert facts.problem is None and not facts.candidates and "commune" not in facts.values
    assert facts.values["email"] == "j.martin@mairie-lepuix.fr"
    facts = reader.read("chiffré à 12 000 € HT l'abri, pose en 2027", "commune", {})
    assert not any(c["departement"] == "12" for c in facts.candidates)  # not the postcode of Rodez


def test_a_year_typed_at_a_question_with_buttons_is_the_calendar(reader: Reader) -> None:
    facts = reader.read("2027", "help", {"need": "x"})
    assert facts.values == {"timing": "2027"} and facts.problem is None


def test_a_sentence_at_the_stage_question_is_read_as_a_sentence(reader: Reader) -> None:
    # « les travaux en 2028 » is the calendar, not « prêt à démarrer »; the diagnostic done is the stage
    facts = reader.read("Bon. Le bureau d'études a fait le diagnostic : 180 000 € HT. On voudrait les travaux en 2028.",
                        "stage", {"need": "x"})
    assert facts.values.get("stage") != "pret" and facts.values["timing"]
    assert reader.read("étude", "stage", {"need": "x"}).values["stage"] == "etude"  # a short answer: loose


def test_a_dictated_answer_without_punctuation_is_read_clause_by_clause(reader: Reader) -> None:
    # « … hors taxes | on voudrait … | on cherche … »: the study done is the stage, not the engineering help
    said = "le bureau d etudes a estimé la réfection à 150000 euros hors taxes on voudrait lancer ça en 2027 on cherche des aides"
    facts = reader.read(said, "stage", {"need": "x"})
    assert facts.values.get("stage") == "etude" and facts.values.get("help") == ["financement"]
def test_the_name_asked_and_said_beside_other_facts(reader: Reader) -> None:
    facts = reader.read("fin prévue fin 2027. Jacques Bouteiller, 03 84 56 71 34, mairie.dorans@wanadoo.fr", "name",
                        {"need": "x"})
    assert facts.values.get("name") == "Jacques Bouteiller"


def test_swapped_letters_and_a_long_role_before_the_commune(reader: Reader) -> None:
    facts = reader.read("bonjour je suis la secretiare de mairie de Réchésy", None, {})
    assert facts.values.get("role") == "agent"
    facts = reader.read("Bonjour, je suis conseillère municipale déléguée aux aînés à Morvillars.", None, {})
    assert (facts.values.get("commune") or {}).get("name") == "Morvillars"


@pytest.mark.parametrize("text, code", [
    # the place the person says they serve, though a place of the 90 is named in passing
    ("Bonjour, je suis le maire de Châlonvillars, à 5 km de Belfort.", "70117"),
    ("bjr adjoint a Badevel, pres de Beaucourt", "25040"),
    # « au Thillot » is « à Le Thillot »
    ("bjr, secretaire de mairie au Thillot dans les Vosges", "88468"),
    # « du Thillot » is « de Le Thillot », and the département said chooses among namesakes (dev 363)
    ("Bonjour, je suis maire du Thillot, dans les Vosges, de l'autre côté du Ballon d'Alsace. Un collègue de "
     "Giromagny m'a parlé de votre guichet.", "88468"),
    ("je suis maire de Fontaine, dans l'Isère", "38169"),
])
def test_the_place_one_serves_is_read_first_of_another_departement_too(reader: Reader, text: str, code: str) -> None:
    places = reader.cued_places(text, min_score=0.95)
    assert places and places[0]["code"] == code and places[0]["outside"]


def test_a_commune_corrected_first_then_other_facts(reader: Reader) -> None:
    """Issue 19 (dev 337, 377): the correction's first clause is what it corrects, even when the message goes on
    with other facts (an amount, who the person is) and says « pas X » mid-sentence or not at all."""
    draft = {"commune_code": "90015", "commune_name": "Botans", "need": "un jardin partagé"}
    shown = {"commune": "Botans"}.get
    got = reader.correction("Oh pardon je me suis trompée, c'est pour Dorans, je suis secrétaire des deux communes. "
                            "Le terrain est à Dorans.", draft, shown)
    assert got["commune"]["name"] == "Dorans"
    draft = {"commune_code": "90091", "commune_name": "Sevenans", "need": "agrandir le cimetière"}
    got = reader.correction("Pardon, c'est pour Trévenans, pas Sevenans, je fais les deux mairies et je mélange. Le "
                            "géomètre a fait le plan, environ 140 000 €, pour 2027.", draft, {"commune": "Sevenans"}.get)
    assert got["commune"]["name"] == "Trévenans"
    # a first clause that says what one is not is no place (dev 378: the role corrected after it)
    got = reader.correction("Ah non pardon, je ne suis plus secrétaire, je suis adjointe depuis mars, l'habitude !",
                            {"role": "agent", "commune_code": "90077"}, {"role": "Agent"}.get)
    assert "commune" not in got
    # a correction of one clause is read as before
    got = reader.correction("en fait plutôt 450 000, j'oubliais le mobilier", {"budget": "380 000 €"}, {}.get)
    assert got == {"budget": "450 000 €"}


def test_a_place_said_without_a_departement_is_read_as_before(reader: Reader) -> None:
    assert reader.cued_places("maire de Fontaine")[0]["code"] == "90047"
    assert reader.cued_places("président des Vosges du Sud")[0]["code"] == "200069060"


def test_an_epci_one_works_for_and_the_communes_of_the_project(reader: Reader) -> None:
    """Dev 340: « Chargée de mission … au Grand Belfort » names the collectivité; the member communes listed are
    where the project is, part of the need, never the collectivité."""
    text = ("Chargée de mission mobilités au Grand Belfort. Nous voulons installer des consignes vélos sécurisées près "
            "des arrêts de bus dans six communes (Bavilliers, Danjoutin, Essert, Cravanche, Andelnans, Bessoncourt).")
    v = reader.read(text, None, {}).values
    assert v["commune"]["code"] == "200069052" and v["role"] == "agent"
    from intents.distill import distill_need

    assert distill_need(v["need"]).endswith("dans six communes (Bavilliers, Danjoutin, Essert, Cravanche, Andelnans, "
                                            "Bessoncourt)")
