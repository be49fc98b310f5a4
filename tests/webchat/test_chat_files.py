"""A file sent from the web chat (issue 20) over HTTP, on SQLite and PostgreSQL: ``POST /piece`` (multipart, CSRF),
checked by content and size by the one attachments store, shown in the transcript as « Pièce jointe : nom (taille) »,
attached to the request at filing (or to the latest open request after it); a body over the cap is refused before
it is read whole. The page works without JavaScript (plain form posts, redirect to the page)."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from bot.channels.web.adapter import WebChat
from bot.store import attachments as A
from bot.store.tables import attachment_t
from tests.webchat.pilot import Plan, csrf_of
from tests.webchat.test_chat_http import Person

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 500
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 100
LIMIT = 50_000


@pytest.fixture
def chat(kb, store, web_settings, tmp_path):
    from bot.dialogue.engine import Engine

    settings = web_settings.model_copy(update={"flood_max_messages": 10_000, "web_max_posts_per_minute": 10_000,
                                               "attachments_dir": str(tmp_path / "pieces"),
                                               "attachment_max_bytes": LIMIT})
    engine = Engine(kb=kb, store=store, settings=settings)
    return WebChat(engine, store, settings)


async def send_file(person: Person, name: str, data: bytes, ctype: str = "application/octet-stream", **extra):
    if not person.page:
        await person.open()
    fields = {"csrf": csrf_of(person.page), "key": secrets.token_hex(8), **extra}
    r = await person.http.post("/piece", data=fields, files={"file": (name, data, ctype)})
    if r.status_code == 200:
        person.page = r.text
    return r


async def rows(store):
    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.select(attachment_t).order_by(attachment_t.c.id))).all()


async def test_file_before_and_after_filing_is_kept_listed_and_attached(chat, store, smtp):
    person = Person(chat, smtp)
    page = await person.open()
    assert 'action="/piece"' in page and 'enctype="multipart/form-data"' in page and 'type="file"' in page
    r = await send_file(person, "devis école.pdf", PDF, "application/pdf")
    assert r.status_code == 200 and r.history and r.history[0].status_code == 303  # a plain post, then the page (no JavaScript)
    texts = [m.text for m in person.messages()]
    assert "Pièce jointe : devis école.pdf (2 Ko)" in [m.text for m in person.messages() if m.author == "person"]
    assert any("Pièce jointe reçue : devis école.pdf (2 Ko)" in t for t in texts)
    kept = await rows(store)
    assert len(kept) == 1 and kept[0].reference is None and kept[0].owner.startswith("web:w")
    assert A.path_of(chat.settings, kept[0].stored_name).read_bytes() == PDF
    ref = await person.file(Plan(email="maire@giromagny.test"))
    async with store.unit(readonly=True) as uow:
        files = await A.list_for(uow, ref)
    assert [(f["name"], f["type"], f["size"]) for f in files] == [("devis école.pdf", "application/pdf", len(PDF))]
    # after filing: the latest open request, an event staff see
    r = await send_file(person, "plan.png", PNG, "image/png")
    assert r.status_code == 200
    assert any(ref in m.text and "plan.png" in m.text for m in person.messages() if m.author != "person")
    async with store.unit(readonly=True) as uow:
        files = await A.list_for(uow, ref)
        history = await uow.history(ref)
    assert [f["name"] for f in files] == ["devis école.pdf", "plan.png"]
    assert [e.data["attachments"][0]["name"] for e in history if e.kind == "attachment_added"] == ["plan.png"]
    await person.close()


async def test_refused_by_content_and_body_capped_before_reading(chat, store, smtp):
    person = Person(chat, smtp)
    await person.open()
    r = await send_file(person, "facture.pdf", EXE, "application/pdf")
    assert r.status_code == 200
    assert any("« facture.pdf » n'est pas accepté" in m.text for m in person.messages())
    # over the per-file limit but within the body's cap: the store refuses it, said in French
    r = await send_file(person, "gros.pdf", PDF + b"0" * LIMIT, "application/pdf")
    assert r.status_code == 200 and any("« gros.pdf » est trop volumineux" in m.text for m in person.messages())
    # over the cap: refused from its Content-Length, nothing read
    r = await send_file(person, "enorme.pdf", PDF + b"0" * (LIMIT * 2), "application/pdf")
    assert r.status_code == 413 and "trop volumineux" in r.text
    assert await rows(store) == []
    await person.close()


async def test_csrf_and_form_shape_are_checked(chat, store, smtp):
    person = Person(chat, smtp)
    await person.open()
    r = await person.http.post("/piece", data={"csrf": "x" * 40, "key": secrets.token_hex(8)},
                               files={"file": ("devis.pdf", PDF, "application/pdf")})
    assert r.status_code == 403
    r = await person.http.post("/piece", data={"csrf": csrf_of(person.page), "key": secrets.token_hex(8)})
    assert r.status_code == 415  # not multipart
    r = await person.http.post("/piece", data={"csrf": csrf_of(person.page), "key": secrets.token_hex(8)},
                               files={"autre": ("devis.pdf", PDF, "application/pdf")})
    assert r.status_code == 400
    assert await rows(store) == []
    # the same post twice (a double click, a resend): the file is kept once
    await person.say("Bonjour")
    key = secrets.token_hex(8)
    for _ in range(2):
        r = await person.http.post("/piece", data={"csrf": csrf_of(person.page), "key": key},
                                   files={"file": ("devis.pdf", PDF, "application/pdf")})
        assert r.status_code == 200
    assert len(await rows(store)) == 1
    await person.close()


async def test_files_are_rate_limited_like_messages(kb, store, web_settings, tmp_path, smtp):
    from bot.dialogue.engine import Engine

    settings = web_settings.model_copy(update={"flood_max_messages": 10_000, "web_max_posts_per_minute": 2,
                                               "attachments_dir": str(tmp_path / "pieces")})
    chat = WebChat(Engine(kb=kb, store=store, settings=settings), store, settings)
    person = Person(chat, smtp)
    assert (await person.say("Bonjour")).status_code == 200
    assert (await send_file(person, "devis.pdf", PDF, "application/pdf")).status_code == 200
    r = await send_file(person, "devis2.pdf", PDF + b"1", "application/pdf")
    assert r.status_code == 429
    assert len(await rows(store)) == 1
    await person.close()
