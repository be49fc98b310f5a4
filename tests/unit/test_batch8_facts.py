"""Issue 19, batch 8 and 9 of the dev stories: facts said in a message that were dropped, then asked again."""

from __future__ import annotations

import pytest

from intents import extract as x


@pytest.mark.parametrize("said, timing", [
    ("En fait je m'avance, rien n'est dessiné, c'est encore une idée. On viserait 2028. Jean-Paul Riether", "2028"),
    ("on espère 2027 pour la fin du chantier, si tout va bien", "2027"),
    ("nous visons 2029 pour l'ouverture au public de la salle", "2029"),
])
def test_a_year_after_a_verb_of_aiming_is_the_calendar(said: str, timing: str) -> None:
    assert x.find_timing(said) == timing


def test_a_year_as_a_quantity_stays_no_calendar() -> None:
    assert x.find_timing("la commune compte 2030 habitants et une école de quatre classes") is None
