"""Issue 11 in the dialogue: the offers step says it is unsure instead of listing weak grants, and the themes the
person confirmed re-rank the offers. Real engine turn and real knowledge base (no store needed for this step)."""

from __future__ import annotations

from typing import Any

from bot.dialogue.engine import Engine, Turn
from bot.dialogue.events import Event
from bot.texts import dialogue as T


def _offers(turn: Turn) -> list[Any]:
    """The step that shows the offers: the offers step, or the recap where a reworked dialogue shows them."""
    enter = getattr(turn, "enter_offers", None) or turn.enter_recap
    return enter()


def _turn(kb: Any, settings: Any, draft: dict[str, Any]) -> Turn:
    engine = Engine(kb=kb, store=None, settings=settings)
    turn = Turn(engine, None, Event(channel="test", user_id="u11", chat_id="u11", kind="text", update_key="k11",
                                    text="x"))
    turn.st = {"draft": dict(draft)}
    return turn


def test_offers_step_says_unsure_for_running_matters(kb, settings) -> None:
    turn = _turn(kb, settings, {"need": "Tarifs publics : concession cimetière et location de la salle des fêtes",
                                "commune_code": "90052"})
    replies = _offers(turn)
    text = "\n".join(r.text for r in replies)
    assert T.OFFERS_UNSURE in text and T.OFFERS_INTRO not in text
    assert turn.draft["offers_unsure"] is True
    assert turn.draft["matches"]  # the weak candidates are kept for the staff


def test_offers_step_lists_offers_for_a_clear_project(kb, settings) -> None:
    turn = _turn(kb, settings, {"need": "réfection de la toiture de la salle polyvalente", "commune_code": "90052"})
    text = "\n".join(r.text for r in _offers(turn))
    assert T.OFFERS_SHORT.split("{")[0] in text and T.OFFERS_UNSURE not in text  # the recap names the offers
    assert turn.draft["offers_unsure"] is False
    assert turn.draft["matches"][0] in {"detr", "dsil"}


def test_confirmed_themes_re_rank_the_offers(kb, settings) -> None:
    need = "un projet pour le bourg : la maison médicale et les commerces du centre"
    health = _turn(kb, settings, {"need": need, "commune_code": "90052", "themes": ["sante"],
                                   "themes_confirmed": True})
    _offers(health)
    shops = _turn(kb, settings, {"need": need, "commune_code": "90052", "themes": ["commerce-artisanat"],
                                  "themes_confirmed": True})
    _offers(shops)
    assert health.draft["matches"][0] == "acces-aux-soins"
    assert shops.draft["matches"][0] != "acces-aux-soins"


def test_themes_we_detected_are_not_taken_as_confirmed(kb, settings) -> None:
    # the themes shown at the recap before the person touched them are the matcher's own reading: the offers are
    # the matcher's order for the need, not re-ranked as if the person had chosen those themes
    need = "géothermie pour la piscine"
    turn = _turn(kb, settings, {"need": need, "themes": ["equipements-culture-sport"]})
    _offers(turn)
    assert turn.draft["matches"] == [m.id for m in kb.match(need, None, limit=3)]
    assert turn.draft["matches"][0] == "fonds-chaleur"
    confirmed = _turn(kb, settings, {"need": need, "themes": ["energie-batiments"], "themes_confirmed": True})
    _offers(confirmed)
    assert confirmed.draft["matches"][0] == "fonds-chaleur"
