"""The need keeps the project's words: greetings, self-introductions and politeness around it are trimmed
(``intents.need.clean_need``), conservatively."""

from __future__ import annotations

import pytest

from intents.need import clean_need


@pytest.mark.parametrize("said, need", [
    ("Bonjour, je suis maire de Giromagny, nous voulons rénover l'école", "rénover l'école"),
    ("Maire de Giromagny. Créer un city stade pour les jeunes", "Créer un city stade pour les jeunes"),
    ("bonjour, je suis maire de Chaux, on voudrait rénover l'école qui consomme trop de fioul, devis de 300 000 euros",
     "rénover l'école qui consomme trop de fioul"),  # the amount has its own field
    ("on voudrait aussi refaire l'éclairage public en LED, au stade de l'idée",
     "refaire l'éclairage public en LED"),  # the stage has its own field
    ("Bonjour Madame, Monsieur, je me permets de vous contacter car nous souhaitons construire une médiathèque. "
     "Merci d'avance. Cordialement, Jean Martin", "construire une médiathèque"),
    ("je suis Marie Dupont, maire de Lepuix, nous avons le projet de créer une maison de santé",
     "créer une maison de santé"),
    ("Marie Dupont, maire de Lepuix : créer une maison de santé", "créer une maison de santé"),
    ("La commune de Chaux souhaite rénover l'église", "rénover l'église"),
    ("Alors voilà, en fait on a un problème de toiture sur la salle des fêtes",
     "on a un problème de toiture sur la salle des fêtes"),
    ("Salut ! Nous sommes la commune de Rougemont-le-Château et nous voulons aménager la place de la mairie.",
     "aménager la place de la mairie."),
    ("Bonjour Monsieur le Préfet, en tant que maire de Bessoncourt je vous écris au sujet de la rénovation du "
     "gymnase. Bien cordialement", "la rénovation du gymnase"),
    ("adjoint au maire de Belfort, on veut végétaliser les cours d'école", "végétaliser les cours d'école"),
    ("je suis secrétaire de mairie à Anjoutey et la commune veut isoler la salle polyvalente",
     "isoler la salle polyvalente"),
    ("Le président de la CC des Vosges du Sud, nous voulons une étude mobilité pour le territoire",
     "nous voulons une étude mobilité pour le territoire"),
    ("Bonsoir. Notre projet est de créer une voie verte entre deux villages. Merci pour votre aide !",
     "créer une voie verte entre deux villages"),
    # phone-style: no accents, no punctuation
    ("bjr je suis maire de chaux on voudrait refaire le toit de l eglise", "refaire le toit de l eglise"),
    ("Président de la communauté de communes du Sud Territoire, nous voudrions lancer une étude de mobilité",
     "lancer une étude de mobilité"),
    ("Bonjour, DGS de Beaucourt : nous cherchons à financer la rénovation de la piscine",
     "financer la rénovation de la piscine"),
    ("bonjour. mairie de Grosmagny. projet de city stade et de parcours de santé",
     "projet de city stade et de parcours de santé"),
    ("Bonjour, Je suis élue à Auxelles-Bas et on aimerait créer un jardin partagé", "créer un jardin partagé"),
    ("Madame la Préfète, la commune de Valdoie envisage de construire un nouveau groupe scolaire. Merci de votre "
     "retour.", "construire un nouveau groupe scolaire"),
    ("Bonjour, nous avons besoin d'aide pour rénover la mairie", "rénover la mairie"),  # the help has its field
])
def test_greeting_introduction_and_politeness_are_trimmed(said: str, need: str) -> None:
    assert clean_need(said) == need


@pytest.mark.parametrize("said", [
    # already the project's words: unchanged
    "Rénovation énergétique de la mairie et de l'école : isolation, fenêtres et pompe à chaleur",
    "Maison de santé pluriprofessionnelle à créer",
    "nous voulons une salle des fêtes plus grande",  # no infinitive after the wish: kept whole
    "je voudrais savoir si un tiers lieu pourrait être labellisé fabrique de territoire",  # a question
    # « Monsieur Dupont » is not a greeting
    "Monsieur Dupont nous a conseillé de vous écrire pour l'école",
    # nothing meaningful would remain: the original is kept
    "Bonjour",
    "Bonjour, merci",
    "bonjour je suis le maire de Chaux",
    "Maire de Chaux, rénover",
    "",
])
def test_never_loses_the_project(said: str) -> None:
    assert clean_need(said) == said.strip()


def test_the_middle_is_never_touched() -> None:
    said = "Bonjour, nous voulons rénover l'école ; bonjour aux enfants, merci aux parents, et isoler le gymnase"
    assert clean_need(said) == "rénover l'école ; bonjour aux enfants, merci aux parents, et isoler le gymnase"


@pytest.mark.parametrize("bad", [None, 42, ["x"], "\n\n", "   ", "🙂" * 50, "bonjour " * 500])
def test_never_raises(bad: object) -> None:
    out = clean_need(bad)
    assert isinstance(out, str)


def test_labelled_needs_keep_their_words() -> None:
    """Over the labelled needs (typed by mayors, and real texts of collectivités): only edges are trimmed, and
    what is trimmed is a greeting, an introduction or a wish (« nous voudrions »)."""
    from pathlib import Path

    import yaml

    data = Path(__file__).resolve().parent.parent / "data"
    texts = [row["text"] for name in ("dev/needs.yaml", "real/dev.yaml", "real/heldout.yaml")
             for row in yaml.safe_load((data / name).read_text(encoding="utf-8")) or [] if isinstance(row, dict)]
    assert len(texts) > 100
    changed = 0
    for text in texts:
        need = clean_need(text)
        assert need and need in text, text
        if need != text.strip():
            changed += 1
            assert text.strip().endswith(need) or len(need) >= 0.4 * len(text.strip()), (text, need)
    assert changed < len(texts) / 5  # most needs are already the project's words


@pytest.mark.parametrize(
    ("text", "need"),
    [("on voudrait rénover la salle polyvalente, démarrage en 2027. Merci d'avance. Sophie Marchand "
      "sophie.marchand@rougemont.fr", "rénover la salle polyvalente"),
     ("rénover la mairie. Tel : 06 12 34 56 78", "rénover la mairie"),
     ("Réfection du lavoir. Cordialement, Paul Girard", "Réfection du lavoir"),
     ("Rénovation de l'Église Saint Martin", "Rénovation de l'Église Saint Martin")],
)
def test_a_signature_at_the_end_is_not_the_need(text: str, need: str) -> None:
    assert clean_need(text) == need


def test_a_name_is_read_where_the_email_address_spells_it() -> None:
    from intents.extract import find_name_in_email

    assert find_name_in_email("Merci. Sophie Marchand sophie.marchand@rougemont.fr") == "Sophie Marchand"
    assert find_name_in_email("s.marchand@rougemont.fr Sophie Marchand") == "Sophie Marchand"
    assert find_name_in_email("Hélène Géraud helene.geraud@orange.fr") == "Hélène Géraud"
    # the address does not spell those words: no name guessed
    assert find_name_in_email("contact : mairie@lepuix.fr, Jean Dupont") is None
    assert find_name_in_email("Rougemont Château sophie.marchand@orange.fr") is None


@pytest.mark.parametrize(("text", "need"), [
    # issue 19: the stored need is the project only (amounts, dates and the stage have their fields)
    ("Bonjour, DGS de la communauté de communes des Vosges du Sud. Nous souhaitons créer une maison de santé "
     "pluriprofessionnelle à Giromagny, coût estimé 1,2 M€, études faites.",
     "créer une maison de santé pluriprofessionnelle à Giromagny"),
    ("Bonjour, je vous écris de la part de M. le Maire. La commune de Lepuix souhaite rénover la toiture de "
     "l'église, devis de 85 000 euros. Cordialement,\nMartine Roux\nSecrétaire de mairie\n03 84 29 00 00",
     "rénover la toiture de l'église"),
    ("nous voulons rénover l'école\nJean Martin, maire de Chaux", "rénover l'école"),
    ("on voudrait refaire le chauffage de la salle des fêtes, c'est encore une idée",
     "refaire le chauffage de la salle des fêtes"),
    # a purpose or a clause of the project stays
    ("rénover l'école, pour isoler le toit en 2027", "rénover l'école, pour isoler le toit en 2027"),
])
def test_facts_and_signature_are_not_the_need(text: str, need: str) -> None:
    assert clean_need(text) == need


def test_one_more_part_of_the_need() -> None:
    from intents.need import addition_parts, join_need

    assert addition_parts("il manque : la mise aux normes accessibilité") == ("la mise aux normes accessibilité", True)
    assert addition_parts("et aussi refaire le toit de l'école") == ("refaire le toit de l'école", True)
    assert addition_parts("oui mais il manque : l'isolation des combles") == ("l'isolation des combles", True)
    assert addition_parts("et aussi 300 000 €")[0] == ""
    assert join_need("refaire le chauffage", "refaire le toit") == "refaire le chauffage ; refaire le toit"
    assert join_need("refaire le chauffage ; refaire le toit", "refaire le toit") == "refaire le chauffage ; refaire le toit"


@pytest.mark.parametrize(("question", "obj"), [
    ("est-ce que le fonds vert finance la rénovation des écoles ?", "la rénovation des écoles"),
    ("et ça marche pour une école ?", "une école"),
    ("c'est quoi PVD ?", None),
    ("Bonjour, la DSIL finance quel genre de projets ?", None),
    ("quelles aides pour une friche ?", "une friche"),
])
def test_the_object_of_a_question(question: str, obj: str | None) -> None:
    from intents.need import question_object

    assert question_object(question, ("fonds vert", "DSIL")) == obj


def test_a_letter_is_the_project_only() -> None:
    letter = ("Monsieur le Préfet,\nJ'ai l'honneur de solliciter l'appui des services de l'État pour le projet de "
              "réhabilitation de la friche de Grandvillars. Une étude de programmation est en cours ; le coût global "
              "est estimé à 3,5 M€ HT. Nous aurions besoin d'un appui en ingénierie.\nJe vous prie d'agréer, Monsieur "
              "le Préfet, l'expression de ma haute considération.\nChristian Rayot\nPrésident de la CC du Sud Territoire")
    assert clean_need(letter) == "le projet de réhabilitation de la friche de Grandvillars"
    assert clean_need("Bonjour. Olivier Jeannin, DGS de Valdoie. Projet : requalification de la friche textile. "
                      "Étude de programmation réalisée. Estimation 1,6 M€. Besoin : cofinancements et appui en "
                      "ingénierie.") == "requalification de la friche textile"
