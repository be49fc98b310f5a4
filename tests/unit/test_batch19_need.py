"""The need of batch 19's dev stories (771–810): a thing named then put off by its structure (« Le parking peut
attendre »: the sentence vectors read the parking, not its waiting), apostrophes typed as spaces included; « alors
ça … » opens a clause; the works' object named in a clause of their stage; a list set off by dashes after the state of
things is part of it; a relative that goes on to its sentence's verb stays with its object; damage to a road is what
is wrong with the object, kept."""

from __future__ import annotations

import pytest

from intents.clauses import split_clauses
from intents.distill import distill_need, set_aside, without_put_off
from intents.put_off import named_put_off


@pytest.mark.parametrize("clause", [
    "Le parking peut attendre", "l atelier on verra l an prochain", "L'atelier on verra l'an prochain",
    "la cantine passe après", "le préau, ce sera pour une autre fois", "le préau n'est pas prioritaire",
    "le city stade attendra", "les vestiaires peuvent attendre un an"])
def test_a_thing_named_then_put_off(clause: str) -> None:
    assert named_put_off(clause)


@pytest.mark.parametrize("clause", [
    "la toiture ne peut plus attendre", "la toiture ça n'attendra pas", "le pont ne peut pas attendre",
    "la toiture c'est urgent ça peut pas attendre", "la salle des fêtes est vétuste",
    "les travaux peuvent attendre le printemps", "le projet attendra la décision du conseil"])
def test_what_cannot_wait_or_the_works_themselves_are_not_put_off(clause: str) -> None:
    assert not named_put_off(clause)


def test_the_other_project_put_off_leaves_the_need() -> None:
    need = ("la salle polyvalente qui est une vraie passoire thermique, et le parking de la gare qu'on voudrait "
            "goudronner un jour")
    text = "Le parking peut attendre. On part sur la salle polyvalente : isolation et pompe à chaleur."
    kept = set_aside(need, text)
    assert kept is not None and "salle polyvalente" in kept and "parking" not in kept
    assert "parking" not in without_put_off(text) and "salle polyvalente" in without_put_off(text)


def test_put_off_with_apostrophes_typed_as_spaces() -> None:
    text = "on garde la passerelle. l atelier on verra l an prochain"
    assert "atelier" not in without_put_off(text)


def test_alors_opens_a_clause() -> None:
    texts = [c.text for c in split_clauses(
        "les charpentiers ont trouvé de la mérule dans la charpente alors ça coûte beaucoup plus cher")]
    assert texts == ["les charpentiers ont trouvé de la mérule dans la charpente", "alors ça coûte beaucoup plus cher"]


def test_the_works_object_in_their_stage_and_the_defect_found() -> None:
    need = distill_need(
        "bonjour ici jean claude boillot maire de fontenelle virgule on a commencé les travaux de la toiture de la "
        "mairie en septembre point et là les charpentiers ont trouvé de la mérule dans la charpente alors ça coûte "
        "beaucoup plus cher on est passé de quatre-vingt-dix mille à cent trente mille euros point on a besoin "
        "d'aide pour payer la différence")
    assert "toiture de la mairie" in need and "charpente" in need
    assert "septembre" not in need and "boillot" not in need and "mille" not in need


def test_a_list_set_off_by_dashes_is_part_of_the_state_of_things() -> None:
    need = distill_need(
        "À Montreux-Château, nous avons une vingtaine d'associations très actives — la chorale, le club de gym, les "
        "anciens combattants, le club photo — et toutes se partagent deux petites salles au sous-sol de la mairie. "
        "L'an dernier, l'école du bas a fermé, et depuis le bâtiment est vide. Le conseil en a beaucoup parlé et "
        "l'idée a germé d'en faire une vraie maison des associations.")
    assert "maison des associations" in need and "chorale" not in need and "club photo" not in need


@pytest.mark.parametrize("text, words", [
    ("la route communale qui monte aux fermes est coupee", "est coupee"),
    ("le mur du cimetière qui longe la route est tombé", "est tombé"),
])
def test_a_relative_that_goes_on_to_the_verb_stays(text: str, words: str) -> None:
    assert words in distill_need(text)


def test_damage_to_the_road_is_kept_with_it() -> None:
    need = distill_need("bonjour!! la route communale qui monte aux fermes est coupee, le talus a glisse avec toute "
                        "la pluie de la semaine, on sait pas du tout quoi faire")
    assert "route communale" in need and "talus" in need and "bonjour" not in need.lower()
