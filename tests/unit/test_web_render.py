"""How the engine's text reads on the web page (issue 22): commands named, references unbreakable, sources as links,
a chosen option said in words; everything escaped."""

from __future__ import annotations

from bot.channels.web.render import choice, rich_text, web_words


def test_commands_are_named_not_slashed() -> None:
    assert web_words("Suivez-la avec /mesdemandes.") == "Suivez-la avec « Mes demandes »."
    assert web_words("(Vos données : /confidentialite)") == "(Vos données : « Confidentialité »)"
    assert "/" not in web_words("Écrivez /agent : un agent vous répondra.")
    # not a command: an address, a date, a path inside a word
    assert web_words("https://exemple.fr/agent et 12/04 et et/ou") == "https://exemple.fr/agent et 12/04 et et/ou"
    assert web_words("/inconnue reste") == "/inconnue reste"


def test_rich_text_escapes_then_marks_up() -> None:
    html = str(rich_text("<b>x</b> Référence : 90-2026-0012. Source : https://www.belfort.gouv.fr/aides, et /aide"))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert '<span class="ref">90-2026-0012</span>' in html
    assert '<a href="https://www.belfort.gouv.fr/aides" rel="noopener noreferrer">https://www.belfort.gouv.fr/aides</a>,' in html
    assert "« Aide »" in html
    assert str(rich_text(None)) == ""


def test_rich_text_never_lets_markup_through_an_address() -> None:
    html = str(rich_text('https://x.fr/"><script>alert(1)</script>'))
    assert "<script>" not in html
    assert '"><' not in html


def test_a_chosen_option_says_so_in_words() -> None:
    chosen = choice({"label": "✅ Financement", "data": "del:help:financement"})
    assert chosen == {"label": "Financement", "data": "del:help:financement", "pressed": "true", "chosen": True}
    free = choice({"label": "Information", "data": "add:help:information"})
    assert free["pressed"] == "false" and not free["chosen"]
    plain = choice({"label": "Idée", "data": "set:stage:idee"})
    assert plain["pressed"] is None and not plain["chosen"]
