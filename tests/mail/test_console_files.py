"""A request's files in the console (issue 20): listed on its page, downloaded (``attachment``, never inline) by the
agents allowed to see that request, refused to the others; the channel named « E-mail »."""

from __future__ import annotations

import pytest

from tests.web.conftest import make_web, text_of

pytestmark = pytest.mark.asyncio

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


async def test_files_listed_and_downloaded_by_allowed_agents_only(database_url, kb, tmp_path):
    from bot.store import attachments as A

    async with make_web(database_url, kb, attachments_dir=str(tmp_path / "files")) as web:
        record = await web.new_request(channel="email", user_id="maire@danjoutin.fr", chat_id="maire@danjoutin.fr")
        async with web.guichet.store.unit() as uow:
            kept, refused = await A.keep(uow, web.guichet.settings, owner="email:maire@danjoutin.fr",
                                         files=[("devis toiture é.pdf", PDF), ("x.pdf", b"MZ" + b"\0" * 200)],
                                         source="test:1", reference=record.reference)
            await uow.log_event(record.reference, "email:maire@danjoutin.fr", "mail_received",
                                {"authentication_results": ["mx; spf=pass smtp.mailfrom=x; dkim=fail"]})
        assert len(kept) == 1 and refused[0].reason == "type"
        pref = await web.login(await web.new_agent("prefecture"))
        page = text_of(await pref.get(f"/console/demandes/{record.reference}"))
        assert "devis toiture é.pdf" in page and "E-mail" in page and "spf=pass, dkim=fail" in page
        url = f"/console/demandes/{record.reference}/pieces/{kept[0].id}"
        got = await pref.get(url)
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["x-content-type-options"] == "nosniff"
        # an operator the request was not routed to: refused; anonymous: to the login
        other = await web.login(await web.new_agent("operateur", "ademe"))
        assert (await other.get(url)).status_code in (403, 404)
        assert (await web.client().get(url)).status_code in (302, 303, 401, 403)
        # another request's id under this reference: not found
        assert (await pref.get(f"/console/demandes/{record.reference}/pieces/999999")).status_code == 404


@pytest.mark.parametrize("channel,user", [("telegram", "7301"), ("web", "wabc123")])
async def test_files_from_telegram_and_the_web_chat_are_listed_and_downloadable(database_url, kb, tmp_path,
                                                                               channel, user):
    """A file a mayor sent on Telegram or from the web chat (the engine's ``file`` event: kept during the intake,
    attached at filing) is on the request's page, downloadable, and named in the history."""
    from bot.dialogue.engine import Engine
    from bot.dialogue.events import Event, IncomingFile
    from bot.store import attachments as A

    async with make_web(database_url, kb, attachments_dir=str(tmp_path / "files")) as web:
        record = await web.new_request(channel=channel, user_id=user, chat_id=user)
        engine = Engine(kb=kb, store=web.guichet.store, settings=web.guichet.settings)
        replies = await engine.handle(Event(channel=channel, user_id=user, chat_id=user, kind="file",
                                            update_key=f"t:{channel}:1",
                                            files=[IncomingFile(name="photo chantier.pdf", data=PDF)]))
        assert any(record.reference in r.text for r in replies)
        async with web.guichet.store.unit(readonly=True) as uow:
            files = await A.list_for(uow, record.reference)
        assert [f["name"] for f in files] == ["photo chantier.pdf"]
        pref = await web.login(await web.new_agent("prefecture"))
        page = text_of(await pref.get(f"/console/demandes/{record.reference}"))
        assert "photo chantier.pdf" in page and "Pièce jointe reçue de l'élu(e)" in page
        got = await pref.get(f"/console/demandes/{record.reference}/pieces/{files[0]['id']}")
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment;")
