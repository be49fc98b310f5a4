"""Attachments from Telegram (issue 20): a document or a photo sent by a mayor is fetched with the real PTB client
(``getFile`` + the file download) from the fake Bot API, checked by content and size, kept in the one attachments
store, attached to the request (at filing, or to the latest open request after it), listed on the staff card."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from tests.e2e.conftest import STAFF_CHAT, Person, file_request, make_settings, start_bot, stop_bot, texts

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 3000 + b"\xff\xd9"
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 100
LIMIT = 50_000


@pytest.fixture
async def fbot(fake, database_url, tmp_path) -> AsyncIterator[object]:
    settings = make_settings(fake, database_url, attachments_dir=str(tmp_path / "pieces"),
                             attachment_max_bytes=LIMIT)
    running = await start_bot(fake, settings)
    try:
        yield running
    finally:
        await stop_bot(running)


async def _files(running, reference=None):
    from bot.store import attachments as A

    async with running.store.unit(readonly=True) as uow:
        if reference:
            return await A.list_for(uow, reference)
        import sqlalchemy as sa

        from bot.store.tables import attachment_t

        return (await uow.conn.execute(sa.select(attachment_t).order_by(attachment_t.c.id))).all()


async def test_document_during_the_intake_goes_with_the_request_and_on_the_staff_card(fbot):
    from bot.store import attachments as A

    fake = fbot.fake
    mayor = Person(fbot, 7201, name="Claire")
    await mayor.say("/demande")
    out = await mayor._do(fake.push_document(mayor.user, mayor.chat_id, file_name="devis toiture.pdf", content=PDF,
                                             mime_type="application/pdf"))
    said = texts(out)
    assert "Pièce jointe reçue : devis toiture.pdf (2 Ko)" in said
    assert "jointe à votre demande" in said
    assert fake.downloads, "the file was fetched through the file download path"
    rows = await _files(fbot)
    assert len(rows) == 1 and rows[0].reference is None and rows[0].owner == "telegram:7201"
    stored = A.path_of(fbot.settings, rows[0].stored_name)
    assert stored.read_bytes() == PDF and "devis" not in stored.name
    reference = await file_request(mayor)
    files = await _files(fbot, reference)
    assert [(f["name"], f["type"], f["size"]) for f in files] == [("devis toiture.pdf", "application/pdf", len(PDF))]
    card = await fake.wait_for_message(STAFF_CHAT, contains=reference)
    assert "Pièces jointes : devis toiture.pdf (2 Ko)" in card.text


async def test_photo_after_filing_goes_to_the_latest_open_request_and_staff_are_told(fbot):
    fake = fbot.fake
    mayor = Person(fbot, 7202, name="Luc")
    reference = await file_request(mayor, commune="Valdoie")
    update = fake.push_photo(mayor.user, mayor.chat_id, content=JPEG, caption=None)
    out = await mayor._do(update)
    said = texts(out)
    assert "Pièce jointe reçue : photo-" in said and reference in said
    files = await _files(fbot, reference)
    assert len(files) == 1 and files[0]["type"] == "image/jpeg" and files[0]["size"] == len(JPEG)
    async with fbot.store.unit(readonly=True) as uow:
        history = await uow.history(reference)
    added = [e for e in history if e.kind == "attachment_added"]
    assert added and added[0].data["attachments"][0]["type"] == "image/jpeg"
    await fbot.settle()
    notice = await fake.wait_for_message(STAFF_CHAT, contains="pièce jointe reçue :")
    assert reference in notice.text and "photo-" in notice.text
    # the same message kept again (a replay after a crash) keeps the file once
    from bot.store import attachments as A

    async with fbot.store.unit() as uow:
        again, _ = await A.keep(uow, fbot.settings, owner="telegram:7202", reference=reference,
                                files=[("x.jpg", JPEG)], source=f"telegram:tg:{update['update_id']}")
    assert [k.id for k in again] == [files[0]["id"]]
    assert len(await _files(fbot, reference)) == 1


async def test_refused_type_and_size_are_explained_and_nothing_is_kept(fbot):
    fake = fbot.fake
    mayor = Person(fbot, 7203)
    await mayor.say("/demande")
    out = await mayor._do(fake.push_document(mayor.user, mayor.chat_id, file_name="facture.pdf", content=EXE,
                                             mime_type="application/pdf"))
    assert "« facture.pdf » n'est pas accepté" in texts(out)
    before = list(fake.downloads)
    out = await mayor._do(fake.push_document(mayor.user, mayor.chat_id, file_name="plans.pdf", content=PDF,
                                             announced_size=LIMIT + 1))
    assert "« plans.pdf » est trop volumineux (au plus 50 Ko par fichier)" in texts(out)
    assert fake.downloads == before, "a file announced over the limit is not downloaded"
    out = await mayor._do(fake.push_photo(mayor.user, mayor.chat_id))  # an expired file id
    assert "n'a pas pu être récupéré" in texts(out)
    assert await _files(fbot) == []
    # the intake goes on: the question is asked again
    assert out[-1].text


async def test_a_cancelled_intake_drops_its_files(fbot):
    from bot.store import attachments as A

    fake = fbot.fake
    mayor = Person(fbot, 7204)
    await mayor.say("/demande")
    await mayor._do(fake.push_document(mayor.user, mayor.chat_id, file_name="devis.pdf", content=PDF))
    rows = await _files(fbot)
    assert len(rows) == 1
    path = A.path_of(fbot.settings, rows[0].stored_name)
    assert path.exists()
    await mayor.say("annuler")
    await mayor.press("Oui")
    assert await _files(fbot) == [] and not path.exists()
