"""A common word glued to « mairie », « commune »… (« mairie école », « mairie-école ») is not a place elsewhere
(dev 427: « chaudiere fioul mairie ecole » read as École, Savoie); « maire d'École » still names it, and a commune of
the deployment whose name is a common word (« maire leval ») still resolves."""

from knowledge.base import KnowledgeBase


def test_a_common_word_glued_to_mairie_is_no_place_elsewhere() -> None:
    kb = KnowledgeBase.load("90")
    res = kb.resolve("slt la chaudiere de la mairie ecole est morte faut la changer")
    assert not any(str(c.departement) == "73" for c in res.candidates)
    assert kb.resolve("on voudrait isoler la mairie-école").resolved is None
    assert kb.resolve("la mairie-école de Leval").resolved == "90066"


def test_a_place_named_after_de_or_of_the_deployment_still_resolves() -> None:
    kb = KnowledgeBase.load("90")
    assert kb.resolve("maire d'École, en Savoie, pour la salle").resolved == "73106"
    assert kb.resolve("maire leval").resolved == "90066"
    assert kb.resolve("slt maire chaux on veut refaire le toit").resolved == "90023"
