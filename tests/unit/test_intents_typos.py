"""Issue 19: two neighbouring letters typed the wrong way round are put back (intents.typos)."""

from __future__ import annotations

from intents.typos import fix_swaps


def test_swapped_letters_are_put_back() -> None:
    said = "je suis la secretiare de mairie, faut changer 1,2 km de conduties, le shcéma est fait, on cherhce"
    assert fix_swaps(said) == ("je suis la secrétaire de mairie, faut changer 1,2 km de conduites, le schéma est fait, "
                               "on cherche")


def test_names_addresses_and_known_words_keep_their_letters() -> None:
    for said in ("Aurélie Grosjean 03 84 36 60 12 mairie.rechesy@wanadoo.fr", "mairie point vetrigne arobase orange",
                 "rechesy", "le réseau d'eau potable", ""):
        assert fix_swaps(said) == said
    assert fix_swaps(None) == ""
