"""Issue 19 (round 4): contacts cut from the need (exact spans, also dictated); a year is never a bound of a
range of amounts."""

from __future__ import annotations


def test_contacts_are_cut_from_the_need() -> None:
    from intents.distill import _cut_facts

    said = ("le conseil voudrait isoler le préau mon numéro 07 11 22 33 44 et le mail de la mairie mairie point "
            "chaux arobase wanadoo point fr")
    assert _cut_facts(said) == "le conseil voudrait isoler le préau"
    assert _cut_facts("rénover l'école, tél : 06 12 34 56 78, mail jean.dupont@mairie.fr") == "rénover l'école"
    assert _cut_facts("refaire le point de collecte du tri") == "refaire le point de collecte du tri"


def test_a_year_is_not_a_bound_of_a_range() -> None:
    from intents.entities import parse_budget

    said = "secrétaire de mairie de Chaux on imagine 60000 € pour 2027 et on voudrait savoir"
    b = parse_budget(said)
    assert b is not None and (b.low, b.high) == (60000, 60000)
    b = parse_budget("entre 1500 et 2000 €")
    assert b is not None and (b.low, b.high) == (1500, 2000)
