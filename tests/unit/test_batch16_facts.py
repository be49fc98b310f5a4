"""Facts of batch 16's dev stories (651–690) read where they are said: an apology after a corrected name, « j'ai
écrit X : c'est Y », names in lower case, « je suis le mair », works' dates are no stage, a letter signed under two
titles, the help asked before the project, who asks for it, a bare figure, the aim said as « l'idée serait de »."""

from __future__ import annotations

import pytest

from bot.dialogue.answers import ENTITY_EXTRACTORS
from bot.dialogue.form import _NOT_YET, later_correction
from intents import extract as x
from intents.clause_facts import clause_stage
from intents.distill import distill_need
from intents.intro import find_intro, lower_case_name
from intents.need import clean_need, help_asked
from intents.normalize import normalize
from intents.roles import find_role
from intents.signature import find_signature


def test_a_correction_in_a_later_sentence_with_an_apology() -> None:
    text = "aurelie frossard, secretaire. et c grosmagny pas petitmagny dsl j ai tapé trop vite"
    assert later_correction(text) == "c grosmagny pas petitmagny dsl j ai tapé trop vite"
    assert x.correction_parts(later_correction(text)) == ("grosmagny", "petitmagny")
    assert x.correction_parts("on veut refaire la salle, pas le toit") == ("on veut refaire la salle", "le toit")


def test_what_was_written_then_what_it_is() -> None:
    text = "Monique Zeller, 06 23 58 74 11. Et je vois que j'ai écrit Sevenans au début : c'est Trévenans, excusez-moi."
    assert x.correction_parts(later_correction(text)) == ("Trévenans", "Sevenans")
    assert x.correction_parts("j'ai mis 2026, il faut lire 2027") == ("2027", "2026")
    assert x.find_stage(text) is None  # « au début » of the message is no idea stage
    assert x.is_correction("Je rectifie : il faut retenir le HT, soit 220 000 €.")


@pytest.mark.parametrize("typed, name", [
    ("yannick hennequin", "Yannick Hennequin"), ("jean pierre keller", "Jean Pierre Keller"),
    ("roland fleck", "Roland Fleck"), ("aucune idée", None), ("les deux", None), ("pas encore", None),
    ("mairie de bue", None), ("subvention dsil", None), ("je sais pas", None), ("Yannick Hennequin", None),
])
def test_a_name_in_lower_case(typed: str, name: str | None) -> None:
    assert lower_case_name(typed) == name


def test_a_name_after_a_title_said_of_oneself_in_lower_case() -> None:
    found = find_intro("c est riervescemont, moi je suis la secretaire de mairie, christelle mougenot")
    assert found == {"name": "Christelle Mougenot", "role": "agent"}


@pytest.mark.parametrize("text, role", [
    ("vautiermont je suis le mair", "maire"), ("je suis la secretair", "agent"), ("je suis le mari de la secrétaire", None),
])
def test_a_role_typed_one_letter_short_after_je_suis(text: str, role: str | None) -> None:
    assert find_role(text) == role


@pytest.mark.parametrize("text", [
    "Les travaux, en 2028.", "Démarrage des travaux visé au 2e semestre 2027, livraison fin 2028.",
    "Bruno Schwalm. 06 17 40 63 28. urbanisme@andelnans.fr. Les travaux, en 2028.",
])
def test_when_the_works_are_is_no_stage(text: str) -> None:
    assert ENTITY_EXTRACTORS["stage"](text) is None


def test_an_estimate_still_says_a_study() -> None:
    assert clause_stage("Nous souhaiterions rénover le lavoir communal. L'architecte l'estime à soixante-quinze mille "
                        "euros.") == "etude"
    assert ENTITY_EXTRACTORS["stage"]("les travaux ont commencé en mars") == "pret"


def test_a_letter_signed_under_two_titles() -> None:
    text = ("Madame la Préfète,\nNous souhaitons un réseau de chaleur.\nJe vous prie de croire, Madame la Préfète, à "
            "l'assurance de ma respectueuse considération.\nJean-Claude Marsot\nPrésident de la Communauté de communes "
            "des Vosges du Sud\nMaire de Lamadeleine-Val-des-Anges")
    assert find_signature(text) == {"name": "Jean-Claude Marsot", "role": "president-epci"}


@pytest.mark.parametrize("text, need", [
    ("j'ai l'honneur de porter à votre connaissance notre projet de chaufferie bois", "chaufferie bois"),
    ("slt on cherche des sous pour couvrir 2 courts de tennis", "couvrir 2 courts de tennis"),
    ("nous sollicitons un appui financier pour rénover l'école", "rénover l'école"),
    ("les pompiers nous demandent une reserve incendie pour le hameau du haut",
     "une reserve incendie pour le hameau du haut"),
    ("on veut des panneaux pour équiper la salle", "on veut des panneaux pour équiper la salle"),
])
def test_the_need_without_what_is_asked_nor_who_asks_for_it(text: str, need: str) -> None:
    assert clean_need(text) == need


def test_the_help_asked_before_the_project() -> None:
    assert help_asked("slt on cherche des sous pour couvrir 2 courts de tennis") == ["financement"]
    assert help_asked("on veut des panneaux pour équiper la salle") == []
    assert ENTITY_EXTRACTORS["help"]("slt on cherche des sous pour couvrir 2 courts de tennis") == ["financement"]


@pytest.mark.parametrize("text, amount", [
    ("etude faite par le cabinet 135000", 135_000), ("le maire dit 45000 a la louche", 45_000),
    ("45000 pour le toit", 45_000), ("mairie 90100 delle", None), ("90300 Valdoie", None),
    ("dossier 123456 en cours", None), ("on a 12000 habitants", None), ("appelez le 0384123456", None),
    ("12345", None),  # a figure typed alone (at the name's question) is no cost
])
def test_a_bare_figure_is_the_cost_unless_a_postcode_or_a_number(text: str, amount: int | None) -> None:
    found = x.find_amount(text)
    assert (found.low if found else None) == amount


def test_the_aim_said_with_a_pronoun_keeps_what_it_speaks_of() -> None:
    text = ("Au village nous avons une ancienne fromagerie vide depuis des années, et plein d'ados qui jouent de la "
            "musique dans les garages faute de local. L'idée serait d'en faire un lieu de répétition, avec un petit "
            "studio d'enregistrement.")
    need = distill_need(text)
    assert "fromagerie" in need and "musique" in need and "répétition" in need


def test_a_project_named_after_on_a() -> None:
    need = distill_need("hey ! Maxime, chargé de mission dev éco à la CC du Sud Territoire. On a un projet de fablab / "
                        "makerspace à Delle pour les TPE et les jeunes, le business plan est done, on cherche du funding")
    assert "fablab" in need and "Delle" in need and "hey" not in need and "funding" not in need


@pytest.mark.parametrize("text, held", [
    ("Attendez, ne l'envoyez pas encore : le conseil vote le 8 avril", True), ("n envoyez rien", True),
    ("pas tout de suite", True), ("Envoyez.", False), ("c'est parfait, envoyez", False),
])
def test_not_to_send_yet(text: str, held: bool) -> None:
    assert bool(_NOT_YET.search(normalize(text))) is held


def test_the_cost_not_known_is_the_idea_stage() -> None:
    text = "on sait pas combien ca coute ni quoi faire, il nous faudrait un technicien pour venir voir et des aides"
    assert x.find_stage(text) == "idee"
    assert x.find_stage("on ne sait pas combien ça coûte") == "idee"
    assert x.find_stage("pas encore d'étude… ah si, le bureau d'études a rendu son étude") == "etude"


@pytest.mark.parametrize("text, kinds", [
    ("on aurait besoin de quelqu'un pour nous aider a monter le projet, et puis de l'argent bien sur",
     ["ingenierie", "financement"]),
    ("on a pas les sou voila", ["financement"]), ("besoin d'argent", ["financement"]),
    ("il y a du sous-sol", []), ("les sous-sols inondés", []), ("l'argent public est rare", []),
])
def test_money_said_plainly(text: str, kinds: list[str]) -> None:
    assert x.find_help_kinds(text) == kinds


def test_a_name_in_lower_case_after_a_greeting_then_the_title() -> None:
    assert find_intro("bonjour philippe courtot maire de meziré, on construit") == \
        {"name": "Philippe Courtot", "role": "maire"}
    assert find_intro("bonjour refaire toiture maire") == {}


def test_someone_to_help_set_the_project_up_is_no_call_for_a_person() -> None:
    from bot.dialogue.calls import _engineering_asked

    assert _engineering_asked("on aurait besoin de quelqu'un pour nous aider a monter le projet")
    text = "on aurait besoin de quelqu'un pour nous aider a monter le projet, pouvez-vous m'appeler ?"
    assert x.find_help_kinds(text) == ["ingenierie"] and not _engineering_asked(text)  # a call asked too


@pytest.mark.parametrize("text, typed", [
    ("Alain Fesselet, 06 72 18 40 9", "06 72 18 40 9"), ("tel 03 84 27 10 5", "03 84 27 10 5"),
    ("06 72 18 40 93", None), ("devis 058000", None), ("0612345", None),
])
def test_a_phone_typed_a_digit_short_is_said_back(text: str, typed: str | None) -> None:
    from bot.dialogue.form import _phone_mistyped

    assert _phone_mistyped(text) == typed
