"""Reading the corpus of realistic mails (tests/mail/corpus/*.eml): Outlook, Thunderbird, Orange and Gmail webmail,
HTML-only, forwarded, replies with quoted history, signatures, attachments, auto-replies, bounces, list mail, any
charset and transfer encoding, a mail that cannot be read. No server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.attachments import safe_name, sniff
from bot.channels.mail.parse import parse_mail, strip_reply

CORPUS = Path(__file__).parent / "corpus"
OWN = ("guichet@prefecture.test",)


def read(name: str):
    return parse_mail((CORPUS / name).read_bytes(), OWN)


def test_the_corpus_is_realistic_and_every_mail_parses() -> None:
    names = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(names) >= 25
    for name in names:
        mail = read(name)  # never raises
        assert mail.key


@pytest.mark.parametrize("name, reason", [
    ("12-autoreply-auto-submitted.eml", "auto_reply"),
    ("13-autoreply-reponse-automatique.eml", "auto_reply"),
    ("14-autoreply-outlook-oof.eml", "auto_reply"),
    ("15-bounce-mailer-daemon.eml", "bounce"),
    ("16-bounce-return-path-empty.eml", "bounce"),
    ("25-bounce-report-no-return-path.eml", "bounce"),
    ("17-list-id.eml", "list"),
    ("18-precedence-bulk.eml", "list"),
])
def test_mail_that_gets_no_answer(name: str, reason: str) -> None:
    assert read(name).no_answer == reason


def test_people_s_mail_gets_an_answer() -> None:
    for path in CORPUS.glob("*.eml"):
        if path.name[:2] in {"12", "13", "14", "15", "16", "17", "18", "25"}:
            continue
        assert read(path.name).no_answer is None, path.name


def test_outlook_quoted_printable_signature_apart() -> None:
    mail = read("01-outlook-complete.eml")
    assert mail.sender == "secretariat@mairie-valdoie.fr" and mail.sender_name == "Marie Dupont"
    assert "rénover l'école primaire" in mail.body
    assert "Cordialement" not in mail.body and "Tél : 03 84 26 10 10" in mail.signature
    assert any("dkim=pass" in a for a in mail.auth_results)


def test_charsets_and_encodings() -> None:
    assert "renaturation de la cour d'école" in read("03-orange-iso8859.eml").body  # iso-8859-1, 8bit
    assert read("03-orange-iso8859.eml").subject == "Renaturation cour d'école"  # RFC 2047
    assert "éclairage public" in read("04-gmail-question-alternative.eml").body  # base64, alternative
    assert "aire de jeux près de l'école" in read("24-base64-latin1-no-message-id.eml").body  # base64 latin-1
    assert read("24-base64-latin1-no-message-id.eml").message_id == ""  # keyed by its bytes instead
    assert read("24-base64-latin1-no-message-id.eml").key


def test_html_only_read_as_text() -> None:
    mail = read("05-html-only-windows1252.eml")
    assert mail.html_only
    assert "rénover" in mail.body and "60 000" in mail.body and "<p>" not in mail.body
    assert mail.subject == "Éclairage public"


def test_quoted_history_stripped_le_a_ecrit_and_de_envoye() -> None:
    six = read("06-reply-le-a-ecrit.eml")
    assert "Lepuix" in six.body and "Il nous manque" not in six.body and ">" not in six.body
    assert six.in_reply_to == "<guichet.1.abcdef@prefecture.test>" and len(six.references) == 2
    seven = read("07-reply-de-envoye.eml")
    assert "délibéré le 3 décembre" in seven.body
    assert "Envoyé :" not in seven.body and "la délibération a-t-elle" not in seven.body
    assert seven.reference == "90-2026-0012"
    assert read("26-reply-reference-subject.eml").body == "Les travaux commenceront en avril."
    assert read("21-iphone-reply.eml").body == "Oui c'est bien ça, vous pouvez enregistrer la demande."


def test_forwarded_mail_keeps_the_forwarded_request() -> None:
    mail = read("08-forwarded.eml")
    assert "maison de santé pluriprofessionnelle" in mail.body


def test_attachments_found_and_checked_by_content() -> None:
    pdf = read("09-attachment-pdf-devis.eml").attachments
    assert [(a.name, sniff(a.data)) for a in pdf] == [("devis-toiture.pdf", "application/pdf")]
    jpeg = read("10-attachment-jpeg-photo.eml").attachments
    assert sniff(jpeg[0].data) == "image/jpeg"
    exe = read("11-attachment-exe-as-pdf.eml").attachments
    assert exe[0].name == "facture.pdf" and exe[0].declared_type == "application/pdf"
    assert sniff(exe[0].data) is None  # an executable named .pdf is refused
    assert read("20-outlook-html-signature-logo.eml").attachments == []  # a signature's logo is not a file sent


def test_unreadable_and_empty() -> None:
    assert read("19-unreadable.eml").readable is False
    empty = read("23-empty-body.eml")
    assert empty.readable and empty.body == ""
    assert parse_mail(b"").readable is False or parse_mail(b"").body == ""
    assert parse_mail(b"\xff\xfe\x00\x01 garbage").key


def test_strip_reply_plain() -> None:
    body, sig = strip_reply("Bonjour,\nC'est à Chaux.\n\nCordialement,\nNathalie Roy\nSecrétaire de mairie")
    assert "Chaux" in body and "Nathalie Roy" in sig


def test_safe_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\devis.pdf") == "devis.pdf"
    assert safe_name("") == "piece-jointe"


@pytest.mark.parametrize("name, words, signed", [
    ("27-outlook-html-only-signature-table.eml", "maison France services dans l'ancienne poste", "Sophie Bernard"),
    ("28-webmail-html-only-signature-dashes.eml", "panneaux solaires sur le toit", "Paul Lefèvre"),
    ("29-webmail-html-only-div-signature.eml", "toiture de l'église", "Jean Martin"),
    ("05-html-only-windows1252.eml", "éclairage public", "Claire Petit"),
])
def test_html_only_signature_apart_as_in_plain_text(name: str, words: str, signed: str) -> None:
    """issue 20: an HTML-only mail (Outlook's signature table, webmail's « -- » and div lines) read in the shape of a
    plain-text mail: the same reader puts the signature apart, one line per line of the signature."""
    mail = read(name)
    assert mail.html_only and words in mail.body
    assert signed not in mail.body and signed in mail.signature
    assert "|" not in mail.full_text and "\\-" not in mail.full_text and "---" not in mail.full_text
    assert not any(line != line.rstrip() for line in mail.full_text.splitlines())  # no Markdown hard breaks


def test_outlook_signature_table_lines_read_by_the_dialogue() -> None:
    """The signature of an Outlook table leaves the need and gives the name and the title."""
    from intents.signature import find_signature
    from intents.need import clean_need

    mail = read("27-outlook-html-only-signature-table.eml")
    text = f"{mail.body}\n\n{mail.signature}"  # as the channel gives it to the engine
    assert "Sophie Bernard" in mail.signature.splitlines()  # a line of its own, as in the table
    need = clean_need(text)
    assert "maison France services" in need and "Bernard" not in need and "03 84" not in need and "90110" not in need
    assert find_signature(text) == {"name": "Sophie Bernard", "role": "agent"}


def test_sign_off_lines_the_stripper_does_not_know() -> None:
    """« Bien cordialement », « Bien à vous » (the stripper knows only « Cordialement » at the start of a line): the
    signature starts there, in plain text as in HTML; a sign-off inside a sentence or before a question cuts nothing."""
    body, sig = strip_reply("Bonjour,\n\nNous voulons rénover l'école.\n\nBien cordialement,\nPaul Martin\nMaire")
    assert body == "Bonjour,\n\nNous voulons rénover l'école." and sig.startswith("Bien cordialement")
    body, sig = strip_reply("Bonjour,\nNous voulons rénover l'école.\nBien à vous,\nPaul Martin\nTél 03 84 00 00 00")
    assert "Paul Martin" in sig and "Paul Martin" not in body
    text = "Bonjour,\nMerci\nEt pour la cantine, quelle aide ?"
    assert strip_reply(text) == (text, "")
    assert strip_reply("Merci beaucoup pour votre réponse rapide, nous rénovons l'école.")[1] == ""
