"""« au Thillot » names Le Thillot (Vosges), not Thillot (Meuse): the contracted article is part of the name."""

from knowledge.base import KnowledgeBase


def test_contracted_article_is_part_of_the_name() -> None:
    kb = KnowledgeBase.load("90")
    res = kb.resolve("secretaire de mairie au Thillot dans les Vosges, on cherche des financements")
    assert res.resolved == "88468"  # Le Thillot
    assert kb.resolve("maire au Valdoie").resolved == "90099"  # no « Le Valdoie »: the name as said
