"""Issue 19, batch 10 of the dev stories (411–450): facts said in a message that were not read, then asked again."""

from __future__ import annotations

import pytest

from bot.dialogue.understand import ENTITY_EXTRACTORS, Reader
from intents import extract as x
from intents.clause_facts import clause_help, clause_stage
from intents.encoder import get_encoder

needs_encoder = pytest.mark.skipif(get_encoder() is None, reason="the encoder reads these")


@pytest.fixture(scope="module")
def reader() -> Reader:
    from knowledge.base import KnowledgeBase

    return Reader(KnowledgeBase.load("90"), "90")


@pytest.mark.parametrize("said, stage", [
    ("bjr maire de sevenans, on veut faire un city stade a coté de l ecole, devis retenu 98000 ht", "pret"),  # dev 424
    ("l'entreprise est choisie et le devis s'élève à 115 000 € HT", "pret"),
    ("les artisans sont retenus, on attend la subvention", "pret"),
])
def test_a_quote_or_firm_chosen_said_with_its_participle_after_it(said: str, stage: str) -> None:
    assert x.find_stage(said) == stage


@needs_encoder
def test_a_stage_clause_the_distiller_is_less_sure_of_is_read_when_very_like_a_labelled_one() -> None:
    # dev 417: « Appel d'offres fait » (labelled « stage » at 0.43), very like « l'appel d'offres part en janvier »
    said = ("Bonjour, secrétaire de mairie à Suarce. La conduite d'eau potable de la rue principale casse tous les "
            "hivers, il faut la remplacer. Appel d'offres fait, 210 000 € HT, travaux au printemps 2027.")
    assert clause_stage(said) == "pret"
    assert clause_stage("La toiture de l'école est à refaire.") is None
    # dev 336: labelled a stage at 0.48, its nearest labelled clauses split: no stage
    assert clause_stage("Correction : ça fait 250 000 HT, c'est le HT qui compte je crois. Contact : Romain Klein, "
                        "r.klein@bessoncourt.fr") is None


@needs_encoder
def test_the_help_said_in_words_in_a_clause_the_distiller_is_less_sure_of() -> None:
    # dev 434: « quelqu'un pour nous dire ce qui est faisable » is engineering
    said = ("Le coût ? aucune idée, c'est justement pour ça qu'on a besoin d'aide, quelqu'un pour nous dire ce qui "
            "est faisable. On en est à l'idée.")
    assert clause_help(said) == ["ingenierie"]


@needs_encoder
def test_the_help_asked_in_a_letter_is_read_out_of_the_help_question() -> None:
    # dev 411: « savoir » is a request for information only as the answer to the help question
    said = ("Le clocher de notre église présente des fissures importantes ; l'entreprise est choisie et le devis "
            "s'élève à 115 000 € HT. Nous souhaiterions savoir quelles aides l'État peut apporter pour des travaux à "
            "l'automne 2027.")
    assert ENTITY_EXTRACTORS["help"](said) == ["financement"]


@pytest.mark.parametrize("said, domain", [
    ("pardon c'est @cravanche.fr pas .com", "cravanche.fr"),
    ("non, arobase mairie-offemont point fr", "mairie-offemont.fr"),
    ("c'est o.tschirhart@cravanche.fr", None),  # a whole address
    ("le projet coûte 40 000 €", None),
])
def test_the_domain_of_an_address_said_alone(said: str, domain: str | None) -> None:
    assert x.find_email_domain(said) == domain


def test_a_domain_alone_has_no_local_part() -> None:
    assert x.find_email_spoken("pardon c'est @cravanche.fr pas .com") is None  # not « est@cravanche.fr »
    assert x.find_email_spoken("marie.dupont arobase orange point fr") == "marie.dupont@orange.fr"


def test_an_address_corrected_by_its_domain_keeps_its_local_part(reader: Reader) -> None:
    # dev 418: the address said before kept, its domain corrected (not the commune Cravanche read in it)
    draft = {"email": "o.tschirhart@cravanche.com", "commune": {"code": "90033", "name": "Cravanche"}}
    got = reader.correction("pardon c'est @cravanche.fr pas .com", draft, {"email": draft["email"]}.get)
    assert got == {"email": "o.tschirhart@cravanche.fr"}


@pytest.mark.parametrize("said, role, name", [
    ("leval maire denis jeanblanc", "maire", "Denis Jeanblanc"),  # dev 427: SMS fragments, no capitals
    ("Denis Jeanblanc maire de Leval", "maire", "Denis Jeanblanc"),
    ("leval adjoint aux travaux", "adjoint", None),
])
def test_the_title_and_the_name_beside_the_place(reader: Reader, said: str, role: str, name: str | None) -> None:
    got = reader.read(said, "commune", {}).values
    assert got["commune"]["name"] == "Leval" and got["role"] == role and got.get("name") == name


@pytest.mark.parametrize("said", ["leval pompe chaleur", "lamadeleine val des anges"])
def test_no_title_beside_the_place_reads_no_name(reader: Reader, said: str) -> None:
    got = reader.read(said, "commune", {}).values
    assert "commune" in got and "role" not in got and "name" not in got


@pytest.mark.parametrize("said, timing", [
    ("devis 66000 ttc donc 55000 ht, on veut faire ca l ete prochain 2027", "ete prochain 2027"),  # dev 427
    ("l'été prochain", "l'été prochain"),
])
def test_a_season_said_next_then_its_year(said: str, timing: str) -> None:
    assert x.find_timing(said) == timing


# --- a name right before a labelled phone, or a phone said in words (dev 456, 470) -------------------------------
@pytest.mark.parametrize("text, name", [
    ("Les travaux auront lieu en 2027. Marcel Chevillot, mairie 03 84 23 91 07. Respectueusement.", "Marcel Chevillot"),
    ("On cherche des aides. Anne Sirot tél. 06 12 34 56 78", "Anne Sirot"),
    ("il nous faut des subventions voilà Bernard Fleury zéro six onze quarante sept quatre vingt deux trente six",
     "Bernard Fleury"),
])
def test_a_name_before_a_labelled_or_spoken_phone(text, name):
    assert ENTITY_EXTRACTORS["name"](text) == name


@pytest.mark.parametrize("text", [
    "appelez la Mairie de Giromagny au 03 84 29 30 11",
    "le projet de la Salle Polyvalente zéro six douze",
])
def test_no_name_before_a_phone_when_the_words_are_no_name(text):
    assert ENTITY_EXTRACTORS["name"](text) is None


def test_a_correction_led_in_sms_is_read_in_its_own_sentence():
    """« c est » without its apostrophe; a later sentence's « pas encore de devis » corrects nothing (dev 451)."""
    text = ("pardon c est pour Urcerey pas Buc je fais les 2 mairies. le macon a chiffre 48 000 ht, on a juste son "
            "estimation pas encore de devis signe")
    assert x.correction_parts(text) == ("Urcerey", "Buc")  # what follows « je … » is none of the old words
    assert x.correction_parts("non c est Lepuix pas Giromagny") == ("Lepuix", "Giromagny")
