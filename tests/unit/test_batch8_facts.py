"""Issue 19, batch 8 and 9 of the dev stories: facts said in a message that were dropped, then asked again."""

from __future__ import annotations

import pytest

from intents import extract as x
from intents.intro import find_intro


@pytest.mark.parametrize("said, timing", [
    ("En fait je m'avance, rien n'est dessiné, c'est encore une idée. On viserait 2028. Jean-Paul Riether", "2028"),
    ("on espère 2027 pour la fin du chantier, si tout va bien", "2027"),
    ("nous visons 2029 pour l'ouverture au public de la salle", "2029"),
])
def test_a_year_after_a_verb_of_aiming_is_the_calendar(said: str, timing: str) -> None:
    assert x.find_timing(said) == timing


def test_a_year_as_a_quantity_stays_no_calendar() -> None:
    assert x.find_timing("la commune compte 2030 habitants et une école de quatre classes") is None


@pytest.mark.parametrize("said, role", [
    ("slt jsuis adjoint travaux a vescemont, le petit pont s effondre", "adjoint"),  # SMS spelling of « je suis »
    ("Hello ! Je suis project manager à la mairie de Morvillars. On a un use case sympa", "agent"),
    ("Je suis gestionnaire des marchés à la communauté de communes", "agent"),
])
def test_the_role_said_of_oneself(said: str, role: str) -> None:
    assert x.find_role(said) == role


@pytest.mark.parametrize("said", [
    "je suis passé à la mairie hier pour en parler",
    "je suis élu à la commune depuis 2020",
    "je suis ravie de la commune",
])
def test_no_title_said_of_oneself(said: str) -> None:
    assert x.find_role(said) is None


@pytest.mark.parametrize("said, name, role", [
    ("Mairie de Suarce, Corinne Vuillemin secrétaire de mairie, 03 84 36 20 93, mairie.suarce@wanadoo.fr.",
     "Corinne Vuillemin", "agent"),
    ("bonjour virgule ici Bernard Lhomme le maire de Roppe point on voudrait créer un chemin piéton",
     "Bernard Lhomme", "maire"),
    ("Bonjour, Marc Petit adjoint aux travaux. Le toit de l'école fuit.", "Marc Petit", "adjoint"),
])
def test_a_name_then_a_title_without_a_comma(said: str, name: str, role: str) -> None:
    assert find_intro(said) == {"name": name, "role": role}


def test_someone_else_named_with_their_title_is_not_the_writer() -> None:
    assert find_intro("Pierre Girardot le maire souhaite refaire le toit de l'église") == {}


def test_the_title_then_the_name() -> None:
    said = "Alors on y va. Je suis le maire, Hervé Bourquin. L'architecte a rendu l'esquisse : 390 000 € HT."
    assert find_intro(said) == {"name": "Hervé Bourquin", "role": "maire"}


def test_a_name_said_alone_in_the_sentence_before_its_contact() -> None:
    from intents.contact_name import find_name_by_contact

    said = "Jean-Marie Bourgeois. 03 84 36 71 28. mairie.recouvrance@wanadoo.fr. la secretaire est là le mardi."
    assert find_name_by_contact(said) == "Jean-Marie Bourgeois"
    assert find_name_by_contact("Les travaux pour la rentrée 2028. 03 84 36 52 40, maire@rechesy.fr") is None


def test_the_name_answered_in_several_sentences_is_the_name_only() -> None:
    from bot.dialogue.understand import _name_answer

    said = "Françoise Lachat. Mon assistante suit le dossier : 03 84 56 26 48, presidence@cc-sud-territoire.fr"
    assert _name_answer(said) == "Françoise Lachat"
    assert _name_answer("Marie Dupont") == "Marie Dupont"


@pytest.mark.parametrize("said, phone", [
    ("mon numéro zéro six quarante et un vingt-deux soixante-dix-huit trente-trois", "+33641227833"),
    ("mon portable c'est le zéro six quatre-vingt-quatre douze soixante-dix-sept trente et le mail", "+33684127730"),
    ("zéro trois quatre-vingt-quatre vingt et un soixante et onze zéro cinq", "+33384217105"),
    ("zéro six un deux trois quatre cinq six sept huit", "+33612345678"),  # digit by digit
    ("zéro six quatre-vingt-dix-neuf, zéro deux, dix-sept, quatre-vingts", "+33699021780"),
])
def test_a_phone_dictated_in_words(said: str, phone: str) -> None:
    assert x.find_phone(said) == phone


@pytest.mark.parametrize("said", ["zéro déchet et deux écoles", "zéro six douze", "il y a zéro six ans deux"])
def test_number_words_that_are_no_phone(said: str) -> None:
    assert x.find_phone(said) is None


def test_a_year_dictated_in_words_is_the_calendar() -> None:
    assert x.find_timing("on est à cent quatre-vingt mille euros à peu près point ce serait pour deux mille "
                         "vingt-huit") == "pour 2028"
    assert x.find_timing("cent mille euros") is None


@pytest.mark.parametrize("said, stage", [
    ("Les travaux d'extension de l'assainissement vers le haut du village ont démarré en septembre", "pret"),
    ("le chantier de la nouvelle salle polyvalente du bas du village a bien commencé", "pret"),
    ("Les travaux d'extension de l'assainissement vers le haut du village n'ont pas démarré", None),
])
def test_works_under_way_told_in_a_long_clause(said: str, stage: str | None) -> None:
    assert x.find_stage(said) == stage


@pytest.mark.parametrize("said, low", [
    ("pas de devis encore, on pense 15000 a peu pres. l an prochain", 15000),
    ("environ 40000", 40000),
])
def test_a_bare_figure_beside_the_words_of_an_estimate_is_the_cost(said: str, low: int) -> None:
    found = x.find_amount(said)
    assert found is not None and found.low == low


@pytest.mark.parametrize("said", ["environ 12000 habitants", "environ 90110 Rougemont", "on pense 2028"])
def test_a_figure_of_something_else_is_no_cost(said: str) -> None:
    assert x.find_amount(said) is None


@pytest.mark.parametrize("said, answer", [("avril", True), ("au printemps", True), ("septembre 2027", True),
                                          ("ete prochain", True), ("financement", False), ("avril et mai", False)])
def test_a_month_alone_is_a_calendar_answer(said: str, answer: bool) -> None:
    from bot.dialogue.understand import _calendar_answer

    assert _calendar_answer(said) is answer
