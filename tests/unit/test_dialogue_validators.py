"""Validators and input cleaning of the intake (pure functions)."""

from __future__ import annotations

import pytest

from bot.dialogue import validators as v
from bot.dialogue.events import MAX_BUTTON_DATA_BYTES, Button, Reply
from bot.dialogue.slots import EDIT_GROUPS, FREE_TEXT_STEPS, INTAKE_STEPS, SLOTS, first_missing


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("03 84 57 00 00", "+33384570000"),
        ("0262 12 34 56", "+33262123456"),
        ("12", None),
        ("00 00 00 00 00", None),
        ("612345678", None),
        ("+44 20 7946 0958", None),
        ("06 12 34 56 78 90", None),
        ("appelez-moi", None),
        ("", None),
        ("0" * 50, None),
    ],
)
def test_validate_phone(typed: str, expected: str | None) -> None:
    assert v.validate_phone(typed) == expected


def test_platform_shared_numbers_are_trusted_more() -> None:
    assert v.validate_phone("33612345678", from_platform=True) == "+33612345678"
    assert v.validate_phone("+447911123456", from_platform=True) == "+447911123456"
    assert v.validate_phone("abc", from_platform=True) is None


def test_format_phone() -> None:
    assert v.format_phone("+33612345678") == "06 12 34 56 78"
    assert v.format_phone("+447911123456") == "+447911123456"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("jean.dupont@mairie-giromagny.fr", "jean.dupont@mairie-giromagny.fr"),
        ("Jean.Dupont@Mairie-Giromagny.FR", "Jean.Dupont@mairie-giromagny.fr"),
        ("  <dgs@grandbelfort.fr> ", "dgs@grandbelfort.fr"),
        ("a@b", None),
        ("a@@b.fr", None),
        ("jean dupont@mairie.fr", None),
        ("jean..dupont@mairie.fr", None),
        ("jean@mairie.f", None),
        ("@mairie.fr", None),
        ("x" * 300 + "@mairie.fr", None),
        ("", None),
    ],
)
def test_validate_email(typed: str, expected: str | None) -> None:
    assert v.validate_email(typed) == expected


@pytest.mark.parametrize(
    "typed, ok",
    [("Jean Dupont", True), ("Marie-Claire Lévêque", True), ("O'Neil Zoé", True), ("12345", False), ("J", False),
     ("<b>Jean</b>", False), ("😀😀", False), ("Jean" * 30, False), ("jean@mairie.fr", False)],
)
def test_validate_name(typed: str, ok: bool) -> None:
    assert (v.validate_name(typed) is not None) is ok


def test_clean_text_removes_controls_invisible_and_ansi() -> None:
    assert v.clean_text("a\x00b\u200bc\u202e d\x1b[31m!\x1b[0m") == "abc d!"
    assert v.clean_text("  ligne 1 \n\n  ligne   2  ") == "ligne 1\nligne 2"
    assert v.clean_text(None) == ""


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "مرحبا", "שלום", "\u200b\u200c", "!!!???", "—"])
def test_meaningless(text: str) -> None:
    assert v.is_meaningless(v.clean_text(text))


@pytest.mark.parametrize("text", ["Delle", "90100", "école", "a"])
def test_not_meaningless(text: str) -> None:
    assert not v.is_meaningless(text)


def test_meaningful_words_skip_stop_words_and_monsters() -> None:
    assert v.meaningful_words("Nous voulons rénover l'école et la salle des fêtes") == [
        "voulons", "rénover", "école", "salle", "fêtes"]
    assert v.meaningful_words("x" * 500) == []


def test_truncate_at_a_word_boundary() -> None:
    text = "mot " * 1000
    cut, was = v.truncate(text, 3000)
    assert was and len(cut) <= 3000 + 4 and cut.endswith("[…]")
    assert v.truncate("court", 3000) == ("court", False)


@pytest.mark.parametrize(
    "typed, euros", [("150 000 €", 150000), ("150k€", 150000), ("1,2 M€", 1200000), ("2 millions", 2000000),
                     ("bof", None), ("0 €", None)],
)
def test_budget_fallback(typed: str, euros: int | None) -> None:
    assert v.parse_budget_fallback(typed) == euros


def test_format_euros() -> None:
    assert v.format_euros(300000) == "300 000 €"
    assert v.format_euros(1_200_000) == "1,2 M€"
    assert v.format_euros(2_000_000) == "2 M€"


def test_button_data_is_bounded_in_bytes() -> None:
    Button("ok", "x" * MAX_BUTTON_DATA_BYTES)
    with pytest.raises(ValueError):
        Button("trop", "é" * 33)  # 66 bytes in UTF-8
    r = Reply("texte", [[Button("A", "a"), Button("B", "b")]])
    assert r.button_labels() == ["A", "B"] and r.button_data() == ["a", "b"]


def test_slot_order_and_needed_slots() -> None:
    draft: dict = {}
    asked = []
    for value in ({"commune": "Delle"}, {"role": "maire"}, {"need": "x"}, {"stage": "idee"}, {"help": ["information"]},
                  {"budget": None}, {"timing": None}, {"name": "A B"}, {"phone": None}, {"email": "a@b.fr"}):
        slot = first_missing(draft)
        asked.append(slot.name)
        draft.update(value)
    assert asked == ["commune", "role", "need", "stage", "help", "budget", "timing", "name", "phone", "email"]
    assert first_missing(draft) is None
    # with a phone, the e-mail is not asked; skipping the phone makes the e-mail needed
    assert first_missing({**draft, "phone": "+33612345678", "email": None}) is None
    del draft["email"]
    assert first_missing(draft).name == "email"
    assert all(s in SLOTS or s == "themes" for group in EDIT_GROUPS.values() for s in group)
    assert FREE_TEXT_STEPS <= INTAKE_STEPS


def test_identity_question_reads_well_whatever_is_known() -> None:
    """The offer of last time's identity never shows empty slots (« Toujours  ? »), found by the fuzz test."""
    from bot.texts.dialogue import identity_question

    assert identity_question("Marie Dupont", "Maire", "Giromagny") == \
        "Toujours Marie Dupont, maire (Giromagny) ? (mêmes coordonnées)"
    assert identity_question("", "Maire", None) == "Toujours maire ? (mêmes coordonnées)"
    for text in (identity_question("", "", None), identity_question("  ", None, None)):
        assert text == "Reprendre les coordonnées de votre dernière demande ?"
    assert "  " not in identity_question("", "", "Chaux")
