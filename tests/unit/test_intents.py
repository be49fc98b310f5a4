"""Normalisation, intents and entities (intents/)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intents.classify import INTENTS, Intent, classify
from intents.entities import Budget, find_email, find_insee, find_phone, format_phone_fr, is_email, parse_budget
from intents.normalize import MAX_CHARS, expand, normalize, stem, stem_tokens, tokens

VOCAB = {"Petites villes de demain", "PVD", "Fonds vert", "ACV", "Action cœur de ville", "DETR", "France services"}


# --- normalize -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Écoles d'Évette", "ecoles evette"),
        ("L’ÉCOLE", "ecole"),
        ("qu'il", "il"),
        ("Cœur de ville", "coeur de ville"),
        ("Saint-Germain-le-Châtelet", "saint germain le chatelet"),
        ("  rénovation\u200b énergétique !!! ", "renovation energetique"),
        ("a\x00b\tc\nd", "a b c d"),
        ("ＰＶＤ", "pvd"),  # full-width letters (NFKC)
        ("50 000 €", "50 000"),
        ("", ""),
        ("😀🎉", ""),
        ("مرحبا", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_non_string_and_cap() -> None:
    assert normalize(None) == ""
    assert normalize(42) == ""
    long = "rénovation " * 5000
    out = normalize(long)
    assert 0 < len(out) <= MAX_CHARS
    assert not out.endswith(" ")


def test_tokens_and_stop_words() -> None:
    assert tokens("Je voudrais rénover l'école") == ["je", "voudrais", "renover", "ecole"]
    assert tokens("Je voudrais rénover l'école", keep_stop_words=False) == ["voudrais", "renover", "ecole"]


def test_stem_is_accent_insensitive() -> None:
    assert stem("Écoles") == stem("ecole") == stem("école")
    assert stem("rénovation") == stem("renovations")
    assert stem("énergétique") == stem("energetiques")
    assert stem("") == ""
    assert stem("90") == "90"


def test_stem_tokens_and_expansion() -> None:
    assert stem_tokens("La rénovation énergétique de l'école") == ["renov", "energet", "ecol"]
    expanded = stem_tokens("une MSP", expand_synonyms=True)
    assert "msp" in expanded and stem("santé") in expanded and stem("maison") in expanded
    assert "petites villes de demain" in expand("c'est quoi PVD")
    assert "inondation" in expand("les crues du ruisseau")
    assert "couverture mobile" in expand("zone blanche")


# --- classify ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, name",
    [
        ("c'est quoi PVD ?", "question"),
        ("C'est quoi PVD", "question"),
        ("qui peut beneficier du fonds vert", "question"),
        ("Qui peut bénéficier du Fonds vert ?", "question"),
        ("est-ce que ma commune est éligible à la DETR", "question"),
        ("comment candidater a villages d'avenir ?", "question"),
        ("fonds vert ?", "question"),
        ("je voudrais renover l'ecole", "need"),
        ("Je voudrais rénover l'école", "need"),
        ("nous souhaitons créer une maison de santé, nous n'avons plus de médecin", "need"),
        ("le toit de la salle des fetes fuit et on a pas d'argent pour le refaire", "need"),
        ("Bonjour, je suis maire de Giromagny et je voudrais de l'aide pour mon centre bourg", "need"),
        ("ou en est ma demande", "status"),
        ("Où en est ma demande ?", "status"),
        ("mes demandes", "status"),
        ("bonjour", "greeting"),
        ("Bonjour !", "greeting"),
        ("bonjourr", "greeting"),
        ("salut", "greeting"),
        ("parler a un agent", "agent"),
        ("un humain svp", "agent"),
        ("je veux parler à quelqu'un de la préfecture", "agent"),
        ("annuler", "cancel"),
        ("anuler", "cancel"),
        ("stop", "cancel"),
        ("STOP", "cancel"),
        ("/annuler", "cancel"),
        ("recommencer", "restart"),
        ("/recommencer", "restart"),
        ("aide", "help"),
        ("/aide", "help"),
        ("comment ça marche ?", "help"),
        ("oui", "yes"),
        ("Oui.", "yes"),
        ("ok", "yes"),
        ("d'accord", "yes"),
        ("daccord", "yes"),
        ("oui merci beaucoup", "yes"),
        ("non", "no"),
        ("Non merci", "no"),
        ("pas d'accord", "no"),
        ("inondations récurrentes", "need"),
        ("je cherche des financements pour refaire la toiture de l'église", "need"),
        ("notre commune voudrait rénover l'école", "need"),
        ("ma commune est-elle dans le programme PVD ?", "question"),
        ("je voudrais savoir si ma commune peut avoir la DETR pour l'école", "question"),
        ("avez-vous des nouvelles de mon dossier 90-2026-0042 ?", "status"),
        ("je veux parler au préfet", "agent"),
        ("je ne comprends rien", "help"),
        ("que puis-je faire ici ?", "help"),
        ("laisse tomber", "cancel"),
        ("on recommence", "restart"),
        ("Oui, c'est bien ça", "yes"),
        ("non, pas ça", "no"),
        ("Giromagny", "unknown"),
        ("", "unknown"),
        ("   ", "unknown"),
        ("😀", "unknown"),
    ],
)
def test_classify(text: str, name: str) -> None:
    intent = classify(text, VOCAB)
    assert intent.name == name, (text, intent)
    assert 0.0 <= intent.confidence <= 1.0


def test_classify_vocabulary_makes_a_bare_programme_a_question() -> None:
    assert classify("DETR", VOCAB).name == "question"
    assert classify("DETR").name != "question"


def test_classify_long_no_is_not_no() -> None:
    assert classify("non je voudrais plutôt rénover la mairie", VOCAB).name == "need"


@given(st.text(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_classify_never_raises(text: str) -> None:
    intent = classify(text, VOCAB)
    assert isinstance(intent, Intent) and intent.name in INTENTS
    assert 0.0 <= intent.confidence <= 1.0


@given(st.text(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_normalize_output_is_clean(text: str) -> None:
    out = normalize(text)
    assert len(out) <= MAX_CHARS
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in out)
    assert "  " not in out and out == out.strip()


def test_classify_bad_types() -> None:
    assert classify(None).name == "unknown"  # type: ignore[arg-type]
    assert classify("x" * 100_000).name in INTENTS


# --- entities ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("mon numéro : 03 84 57 00 07 merci", "+33384570007"),
        ("33612345678", "+33612345678"),
        ("+41 79 123 45 67", "+41791234567"),
        ("12345", None),
        ("0612", None),
        ("00 12 34 56 78", None),
        ("pas de téléphone", None),
        ("", None),
    ],
)
def test_find_phone(text: str, expected: str | None) -> None:
    assert find_phone(text) == expected


def test_format_phone_fr() -> None:
    assert format_phone_fr("+33612345678") == "06 12 34 56 78"
    assert format_phone_fr("+41791234567") == "+41791234567"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mairie@Evette-Salbert.fr", "mairie@evette-salbert.fr"),
        ("écrivez à jean.dupont+test@mairie-belfort.fr, merci.", "jean.dupont+test@mairie-belfort.fr"),
        ("mairie.giromagny@wanadoo.fr.", "mairie.giromagny@wanadoo.fr"),
        ("a@b", None),
        ("x..y@z.fr", None),
        ("pas d'adresse", None),
        ("@mairie.fr", None),
    ],
)
def test_find_email(text: str, expected: str | None) -> None:
    assert find_email(text) == expected


def test_is_email() -> None:
    assert is_email(" maire@commune.fr ")
    assert not is_email("mon mail maire@commune.fr")
    assert not is_email("maire@commune")


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("50k", 50_000, 50_000),
        ("50 k€", 50_000, 50_000),
        ("50 000 €", 50_000, 50_000),
        ("50000 euros", 50_000, 50_000),
        ("1,2 M€", 1_200_000, 1_200_000),
        ("1.5M", 1_500_000, 1_500_000),
        ("2 millions d'euros", 2_000_000, 2_000_000),
        ("budget de 300 keuros", 300_000, 300_000),
        ("entre 100 et 200 000", 100_000, 200_000),
        ("entre 1 et 2 M€", 1_000_000, 2_000_000),
        ("de 50 à 80 k€", 50_000, 80_000),
        ("100 000 à 150 000 €", 100_000, 150_000),
        ("150000", 150_000, 150_000),
        ("environ 80 000 euros", 80_000, 80_000),
        ("un bâtiment de 300 m2 pour 400 000 euros", 400_000, 400_000),
        ("moins de 30 k€", None, 30_000),
        ("plus de 2 M€", 2_000_000, None),
    ],
)
def test_parse_budget(text: str, low: int | None, high: int | None) -> None:
    assert parse_budget(text) == Budget(low, high)


@pytest.mark.parametrize(
    "text",
    ["", "je ne sais pas", "2026", "appelez-moi au 06 12 34 56 78", "la commune a 2 000 habitants", "😀", "90-2026-0042"],
)
def test_parse_budget_none(text: str) -> None:
    assert parse_budget(text) is None


def test_budget_amount() -> None:
    assert Budget(100, 200).amount == 150
    assert Budget(None, 300).amount == 300
    assert Budget(50, 50).is_range is False


@pytest.mark.parametrize(
    "text, expected",
    [("commune 90010", "90010"), ("2A004", "2A004"), ("90000 Belfort", "90000"), ("06 12 34 56 78", None), ("123456", None), ("", None)],
)
def test_find_insee(text: str, expected: str | None) -> None:
    assert find_insee(text) == expected


@given(st.text(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_entities_never_raise(text: str) -> None:
    find_email(text)
    find_phone(text)
    parse_budget(text)
    find_insee(text)
