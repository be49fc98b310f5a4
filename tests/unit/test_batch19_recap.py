"""Batch 19's dev stories (771–810) at the recap and after: a correction led by a cry (« aïe non c'est Petit-Croix pas
Croix »), a correction that names the fact it changes (« c'est bon sauf la date : … mettez à la Toussaint 2027 »),
the calendar said as the end of the term, a feast or typed short (« avan l'hiver »)."""

from __future__ import annotations

import pytest

from bot.dialogue.form import later_correction
from intents import extract as x
from intents.named_fix import new_words, slot_named


# --- a correction led by a cry ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, new, old", [
    ("aie non c'est Petit-Croix pas Croix !! c'est deux communes differentes, Croix c'est a cote", "Petit-Croix", "Croix"),
    ("aïe aïe, Petit-Croix pas Croix", "Petit-Croix", "Croix"),
    ("zut c'est Petit-Croix, pas Croix", "Petit-Croix", "Croix"),
    ("mince je me suis trompé, c'est bien Petit-Croix pas Croix", "Petit-Croix", "Croix"),
    ("oh là non, c'est Grosmagny et pas Petitmagny", "Grosmagny", "Petitmagny"),
])
def test_a_cry_leads_a_correction(text: str, new: str, old: str) -> None:
    assert x.correction_parts(text) == (new, old)


@pytest.mark.parametrize("text", ["aie non c'est Petit-Croix pas Croix", "zut, non, c'est Chaux", "mince pardon c'est 2028"])
def test_a_cry_then_a_correction_is_one(text: str) -> None:
    assert x.is_correction(text)


def test_a_cry_alone_is_no_correction() -> None:
    assert not x.is_correction("zut j'ai oublié le téléphone")
    assert not x.is_correction("aie aie aie le toit fuit")


def test_a_stressed_name_before_its_pas_is_one_sentence() -> None:
    # « pas Croix, Croix c'est le village d'à côté » is not a correction of its own (« à côté » is no place)
    assert later_correction("Petit-Croix ! pas Croix, Croix c'est le village d'à côté") is None
    assert later_correction("environ 25 000. ah et c pas Suarce c Lebetain") == "c pas Suarce c Lebetain"


# --- the fact named ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, slot, words", [
    ("C'est bon sauf la date : l'architecte dit qu'on ne sera pas prêts pour la rentrée, mettez à la Toussaint 2027.",
     "timing", "à la Toussaint 2027"),
    ("tout est juste à part le calendrier, ce sera plutôt 2028", "timing", "2028"),
    ("oui mais la date n est pas bonne, ce sera fin 2027", "timing", "fin 2027"),
    ("la commune n'est pas la bonne : c'est Petit-Croix", "commune", "Petit-Croix"),
    ("C'est bon sauf la commune : Petit-Croix.", "commune", "Petit-Croix"),
    ("il y a une erreur sur le budget : 95 000", "budget", "95 000"),
    ("le montant est faux, c'est 120 000", "budget", "120 000"),
    ("pour le téléphone, mettez plutôt le 03 84 29 61 90", "phone", "le 03 84 29 61 90"),
    ("Mon nom est faux : Jeanne Martin", "name", "Jeanne Martin"),
])
def test_a_correction_that_names_its_fact(text: str, slot: str, words: str) -> None:
    named = slot_named(text)
    assert named is not None and named[0] == slot
    assert new_words(named[1])[0] == words


@pytest.mark.parametrize("text", [
    "le budget est bon", "un terrain multisports pour la commune", "la date n'est pas encore fixée",
    "c'est parfait, envoyez", "nous voudrions changer les fenêtres de l'école",
])
def test_no_fact_named_as_wrong(text: str) -> None:
    assert slot_named(text) is None


# --- the calendar --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, timing", [
    ("L'idéal serait que ce soit fait d'ici la fin du mandat.", "d'ici la fin du mandat"),
    ("Nous aimerions que ce soit fait d'ici la fin du mandat. Gilbert Walter.", "d'ici la fin du mandat"),
    ("avant la fin du mandat", "avant la fin du mandat"),
    ("on vise une livraison en fin de mandat", "livraison en fin de mandat"),
    ("avant les municipales", "avant les municipales"),
    ("devi entrprise 54000\nfaut faire avan l'hiver", "avan l'hiver"),
    ("mettez à la Toussaint 2027", "à la Toussaint 2027"),
    ("il faudrait que ce soit prêt pour la Toussaint", "pour la Toussaint"),
    ("à Pâques 2028", "à Pâques 2028"),
    ("ds 2 ans", "ds 2 ans"),
])
def test_more_ways_to_say_when(text: str, timing: str) -> None:
    assert x.find_timing(text) == timing


@pytest.mark.parametrize("text", ["une subvention pour le marché de Noël", "le mandat du maire", "la fin des travaux"])
def test_no_calendar_there(text: str) -> None:
    assert x.find_timing(text) is None


# --- the request held at the recap, by meaning ------------------------------------------------------------------------
hold = pytest.importorskip("intents.hold")
needs_encoder = pytest.mark.skipif(not hold.available(), reason="no sentence encoder")


@needs_encoder
@pytest.mark.parametrize("text", [
    # (none of these sentences is in intents/data/hold_clauses.yaml)
    "En relisant, je préfère attendre : le conseil municipal vote le budget le 10 avril, je reviendrai après. Merci "
    "de ne rien envoyer pour l'instant.",
    "on attend la délib du 15 mai, je reviens vers vous ensuite",
    "Ne l'envoyez pas, je dois vérifier le montant avec le trésorier",
    "Je ne l'envoie pas aujourd'hui, il me manque l'avis du bureau municipal.",
    "je vais d'abord montrer ça au maire, je reviendrai l'envoyer demain",
    "Je retiens l'envoi, on doit d'abord valider en bureau communautaire",
    "Pas d'envoi aujourd'hui svp, je finalise avec le maire demain",
    "on repousse l'envoi à la semaine prochaine",
])
def test_the_request_held_in_other_words(text: str) -> None:
    assert hold.holds(text)


@needs_encoder
@pytest.mark.parametrize("text", [
    "c'est bon pour moi", "Pouvez-vous ajouter que la salle sert aussi aux associations",
    "le nom de l'élu référent est M. Dupont", "je voudrais savoir qui va traiter la demande",
    "merci beaucoup, bonne soirée",
    "C'est bon sauf la date : l'architecte dit qu'on ne sera pas prêts pour la rentrée, mettez à la Toussaint 2027.",
    "aie non c'est Petit-Croix pas Croix !! c'est deux communes differentes",
])
def test_no_hold_in_these(text: str) -> None:
    assert not hold.holds(text)


# --- how a filed project stands, asked by its name -----------------------------------------------------------------
NEEDS = ["rénovation énergétique d'une piscine communautaire", "création d'une pépinière d'entreprises au Techn'hom"]


@pytest.mark.parametrize("text, index", [
    ("bonjour c'est Nadia Benali (DGS Grand Belfort). un point rapide sur la piscine svp, on a bureau communautaire "
     "jeudi", 0),
    ("où en est la pépinière ?", 1),
    ("des nouvelles de la piscine ?", 0),
    ("la piscine, ça avance ?", 0),
    ("et la pépinière d'entreprises, on en est où ?", 1),
    ("Pourriez-vous me faire le point sur les piscines ? Le président me le demande.", 0),
])
def test_status_asked_by_naming_the_project(text: str, index: int) -> None:
    from intents.status_asked import asks_after

    assert asks_after(text, NEEDS) == index


@pytest.mark.parametrize("text", [
    "on voudrait aussi rénover la piscine", "un point sur la commune", "pour la piscine, le devis a changé : 83 000",
    "je voudrais faire le point sur les subventions pour une école", "où en est ma demande ?",
])
def test_no_filed_project_named_as_asked(text: str) -> None:
    from intents.status_asked import asks_after

    assert asks_after(text, NEEDS) is None


# --- who writes on a line, the name on the next ---------------------------------------------------------------------
def test_a_role_then_a_name_on_the_next_line() -> None:
    from bot.dialogue.understand import Reader
    from knowledge.base import KnowledgeBase

    reader = Reader(KnowledgeBase.load("90"), "90")
    assert reader.typed_name("maire\nfrechard daniel") == "Frechard Daniel"
    assert reader.typed_name("adjointe\nMarie Dupont") == "Marie Dupont"
    assert reader.typed_name("maire\nle pont est fissuré") is None
