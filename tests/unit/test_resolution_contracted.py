"""« au Thillot » names Le Thillot (Vosges), not Thillot (Meuse): the contracted article is part of the name."""

from knowledge.base import KnowledgeBase


def test_contracted_article_is_part_of_the_name() -> None:
    kb = KnowledgeBase.load("90")
    res = kb.resolve("secretaire de mairie au Thillot dans les Vosges, on cherche des financements")
    assert res.resolved == "88468"  # Le Thillot
    assert kb.resolve("maire au Valdoie").resolved == "90099"  # no « Le Valdoie »: the name as said


def test_du_is_de_le_and_a_departement_said_in_one_word_chooses() -> None:
    """Dev 363: « maire du Thillot, dans les Vosges » is Le Thillot (88), not Thillot (55); a one-word département
    counts only after « dans le/la/les » or « en » (« la CC des Vosges du Sud » is no hint)."""
    kb = KnowledgeBase.load("90")
    assert kb.resolve("du Thillot").resolved == "88468"
    text = "Bonjour, je suis maire du Thillot, dans les Vosges. Un collègue de Giromagny m'a parlé de votre guichet."
    assert kb.resolve(text).resolved == "88468"
    assert kb.resolve("maire de Fontaine, dans l'Isère").resolved == "38169"
    assert kb.resolve("DGS de la CC des Vosges du Sud").resolved == "200069060"
    assert kb.territory.departement_said("une commune dans le Doubs") == "25"
    assert kb.territory.departement_said("la CC des Vosges du Sud") is None
