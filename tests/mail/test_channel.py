"""The e-mail channel end to end (issue 20): a real Dovecot on loopback (mail delivered into its Maildir), the
real SMTP server of the web chat's tests, SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.mail.conftest import CORPUS
from tests.mail.helpers import make_channel, person_mail

pytestmark = pytest.mark.asyncio

PDF = (CORPUS / "09-attachment-pdf-devis.eml")


@pytest.fixture
async def mstore(mail_settings):
    from bot.store.repository import Store

    s = await Store.open(mail_settings.database_url, departement="90", timezone_name="Europe/Paris")
    try:
        yield s
    finally:
        await s.close()


async def _json_export(store):
    import io

    from bot.store.export import write_export

    out = io.BytesIO()
    await write_export(store, out, "json", None, None)
    return json.loads(out.getvalue().decode("utf-8"))


async def test_missing_facts_asked_at_once_and_one_reply_files(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    address = "jean.martin.maire@gmail.com"
    dovecot.deliver((CORPUS / "02-thunderbird-partial.eml").read_bytes())
    stats = await channel.run_once()
    assert stats.read == 1 and stats.answered == 1 and stats.filed == 0
    answer = smtp.mailbox.wait_for(address, 1)[0]
    text = answer.get_content()
    assert "Voici ce que nous avons compris" in text and "salle des fêtes" in text
    # everything missing at once: collectivité, fonction, étape, aide — in one e-mail
    for words in ("la collectivité", "votre fonction", "où en est le projet", "l'aide que vous souhaitez"):
        assert words in text
    assert answer["In-Reply-To"] == "<3f1c2d9e-8a1b-4c5e-9e2a-7d1f0b2c4e11@gmail.com>"
    assert await _json_export(mstore) == []
    # her reply, in her words, quoted history and signature below: filed, the reference in the subject
    reply = person_mail(address, "Bonjour,\n\nC'est pour Lepuix, je suis le maire. Le projet est au stade de "
                        "l'idée, nous cherchons un financement.\n\nCordialement,\nJean Martin\nMaire de Lepuix",
                        name="Jean Martin", reply_to_msg=answer)
    dovecot.deliver(reply)
    stats = await channel.run_once()
    assert stats.filed == 1
    confirmation = smtp.mailbox.wait_for(address, 2)[1]
    records = await _json_export(mstore)
    assert len(records) == 1
    ref = records[0]["reference"]
    assert f"[{ref}]" in str(confirmation["Subject"])
    assert ref in confirmation.get_content()
    assert records[0]["channel"] == "email"
    assert records[0]["commune_name"] == "Lepuix" if "commune_name" in records[0] else True
    # the same mailbox read again: nothing new, nothing doubled
    again = await channel.run_once()
    assert again.read == 0
    assert len(smtp.mailbox.to(address)) == 2
    assert len(await _json_export(mstore)) == 1


async def test_complete_mail_waits_for_a_reply_from_that_address(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    address = "maire@danjoutin.fr"
    body = ("Bonjour,\n\nJe suis le maire de Danjoutin. Nous voulons rénover la toiture de la mairie, le projet est "
            "prêt à démarrer, nous cherchons une subvention. Budget 45 000 euros, travaux au printemps 2027.\n\n"
            "Luc Moreau\nMaire de Danjoutin\n03 84 28 12 12")
    dovecot.deliver(person_mail(address, body, name="Luc Moreau", subject="Toiture de la mairie"))
    await channel.run_once()
    first = smtp.mailbox.wait_for(address, 1)[0]
    text = first.get_content()
    if "il nous manque" in text:  # the reading left something: answered in the same one reply
        reply_text = "Commune de Danjoutin, maire, projet prêt à démarrer, financement."
    else:
        assert "répondez à ce message" in text.lower()
        reply_text = "Oui, c'est exact."
    assert await _json_export(mstore) == []
    # a forged From (not a reply to our answer) files nothing
    dovecot.deliver(person_mail(address, reply_text + " Oui c'est bon."))
    await channel.run_once()
    assert await _json_export(mstore) == []
    second = smtp.mailbox.wait_for(address, 2)[1]
    # the real owner of the address replies to the answer: filed
    dovecot.deliver(person_mail(address, reply_text, reply_to_msg=second))
    await channel.run_once()
    records = await _json_export(mstore)
    assert len(records) == 1, smtp.mailbox.to(address)[-1].get_content()
    assert records[0]["email"] == address if "email" in records[0] else True


async def test_no_answer_to_autoreplies_bounces_and_lists(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    loops = ["12-autoreply-auto-submitted.eml", "13-autoreply-reponse-automatique.eml",
             "14-autoreply-outlook-oof.eml", "15-bounce-mailer-daemon.eml", "16-bounce-return-path-empty.eml",
             "17-list-id.eml", "18-precedence-bulk.eml", "25-bounce-report-no-return-path.eml"]
    for name in loops:
        dovecot.deliver((CORPUS / name).read_bytes())
    stats = await channel.run_once()
    assert stats.read == len(loops) and stats.silent == len(loops) and stats.answered == 0
    assert smtp.mailbox.messages == []
    assert (await channel.run_once()).read == 0  # all marked read


async def test_unreadable_and_empty_mail_get_a_polite_answer(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    dovecot.deliver((CORPUS / "19-unreadable.eml").read_bytes())
    dovecot.deliver((CORPUS / "23-empty-body.eml").read_bytes())
    stats = await channel.run_once()
    assert stats.answered == 2
    assert "pas pu lire" in smtp.mailbox.wait_for("someone@exemple.test")[0].get_content()
    assert "vide" in smtp.mailbox.wait_for("vide@exemple.test")[0].get_content()


async def test_at_most_a_few_answers_per_address_an_hour(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    limit = mail_settings.mail_answers_per_hour
    for i in range(limit + 3):
        dovecot.deliver(person_mail("bavard@exemple.test", f"Le Fonds vert finance-t-il l'éclairage public ? ({i})"))
    stats = await channel.run_once()
    assert stats.read == limit + 3
    assert len(smtp.mailbox.to("bavard@exemple.test")) == limit


async def test_question_by_mail_gets_its_answer_by_mail(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    dovecot.deliver((CORPUS / "04-gmail-question-alternative.eml").read_bytes())
    await channel.run_once()
    answer = smtp.mailbox.wait_for("dgs.cc.sudterritoire@gmail.com")[0]
    assert "Fonds vert" in answer.get_content()
    assert "/confidentialite" not in answer.get_content()


async def test_attachments_kept_by_content_and_listed(kb, mstore, mail_settings, dovecot, smtp):
    from bot.store import attachments as A

    channel = make_channel(kb, mstore, mail_settings)
    address = "maire@danjoutin.fr"
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    exe = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 100
    dovecot.deliver(person_mail(address, "Bonjour, je suis le maire de Danjoutin, voici le devis de la toiture de "
                                "la mairie, projet prêt à démarrer, nous cherchons un financement.\n\nLuc Moreau",
                                name="Luc Moreau",
                                attachments=[("devis.pdf", "application/pdf", pdf),
                                             ("facture.pdf", "application/pdf", exe)]))
    await channel.run_once()
    answer = smtp.mailbox.wait_for(address)[0]
    text = answer.get_content()
    assert "devis.pdf" in text and "facture.pdf" in text and "non conservées" in text
    files = list(A.store_dir(mail_settings).iterdir())
    assert len(files) == 1 and files[0].suffix == ".pdf" and "devis" not in files[0].name
    dovecot.deliver(person_mail(address, "Oui, c'est bien cela. Commune de Danjoutin, maire, prêt à démarrer, "
                                "financement.", reply_to_msg=answer))
    await channel.run_once()
    records = await _json_export(mstore)
    assert len(records) == 1
    assert records[0]["attachments"] == [{"name": "devis.pdf", "type": "application/pdf", "size": len(pdf)}]
    async with mstore.unit() as uow:
        history = await uow.history(records[0]["reference"])
    received = [e for e in history if e.kind == "mail_received"]
    assert received and received[0].data["attachments"][0]["name"] == "devis.pdf"


async def test_authentication_results_kept_for_staff(kb, mstore, mail_settings, dovecot, smtp):
    channel = make_channel(kb, mstore, mail_settings)
    address = "secretariat@mairie-valdoie.fr"
    dovecot.deliver((CORPUS / "01-outlook-complete.eml").read_bytes())
    await channel.run_once()
    answer = smtp.mailbox.wait_for(address)[0]
    dovecot.deliver(person_mail(address, "Le projet est au stade des études. C'est bien cela.", reply_to_msg=answer))
    await channel.run_once()
    records = await _json_export(mstore)
    assert len(records) == 1
    async with mstore.unit() as uow:
        history = await uow.history(records[0]["reference"])
    received = [e for e in history if e.kind == "mail_received"]
    assert any("dkim=pass" in " ".join(e.data.get("authentication_results") or []) for e in received)


async def test_staff_question_goes_by_mail_threaded_and_the_reply_reaches_the_request(
        kb, mstore, mail_settings, dovecot, smtp):
    from bot.staff.service import StaffService

    channel = make_channel(kb, mstore, mail_settings)
    address = "secretariat@mairie-valdoie.fr"
    dovecot.deliver((CORPUS / "01-outlook-complete.eml").read_bytes())
    await channel.run_once()
    answer = smtp.mailbox.wait_for(address)[0]
    dovecot.deliver(person_mail(address, "Le projet est au stade des études.", reply_to_msg=answer))
    await channel.run_once()
    ref = (await _json_export(mstore))[0]["reference"]
    result = await StaffService(mstore).ask_details(ref, "La délibération a-t-elle été votée ?", "console:1")
    assert result.ok
    await channel.flush()
    question = smtp.mailbox.wait_for(address, 3)[2]
    assert f"[{ref}]" in str(question["Subject"])
    assert f"<request.{ref}@prefecture.test>" in str(question["References"])
    assert "délibération" in question.get_content()
    dovecot.deliver(person_mail(address, "Oui, le conseil municipal a délibéré le 3 décembre.",
                                reply_to_msg=question))
    await channel.run_once()
    async with mstore.unit() as uow:
        history = await uow.history(ref)
    texts = json.dumps([e.data for e in history], ensure_ascii=False)
    assert "délibéré le 3 décembre" in texts
