"""A request filed in the mayors' web chat, as staff see it in the console: listed, and whatever a person typed is
shown as text, never as markup (issue 13)."""

from __future__ import annotations

import secrets

from tests.web.conftest import WebEnv, text_of
from tests.webchat.pilot import csrf_of as chat_csrf_of, parse_messages


async def test_web_request_in_the_inbox_and_html_from_a_person_is_text(web: WebEnv, login_as) -> None:
    person = web.client()
    page = (await person.get("/")).text
    r = await person.post("/message", data={"csrf": chat_csrf_of(page), "key": secrets.token_hex(8),
                                            "text": "<b>gras</b>"})
    assert r.status_code == 303
    page = (await person.get("/")).text
    assert "&lt;b&gt;gras&lt;/b&gt;" in page and "<b>gras" not in page
    assert [m.text for m in parse_messages(page) if m.author == "person"] == ["<b>gras</b>"]
    record = await web.new_request(channel="web", user_id="wabc", chat_id="wabc",
                                   description='<script>alert("x")</script><img src=x onerror=alert(1)>',
                                   contact_name="<i>Jeanne</i>")
    staff = await login_as("prefecture")
    inbox = await staff.get("/console/")
    assert inbox.status_code == 200 and record.reference in inbox.text
    assert "<script>alert" not in inbox.text and "<img src=x" not in inbox.text and "<i>Jeanne" not in inbox.text


async def test_staff_see_the_channel_and_the_confirmed_address(web: WebEnv, login_as) -> None:
    record = await web.new_request(channel="web", user_id="wabc", chat_id="wabc", email="maire@exemple.test")
    other = await web.new_request(channel="telegram", user_id="1", chat_id="1", commune_code="90052",
                                  commune_name="Giromagny")
    async with web.guichet.store.unit() as uow:
        await uow.log_event(record.reference, "web:wabc", "email_confirmed", {"channel": "web"})
    staff = await login_as("prefecture")
    page = text_of(await staff.get(f"/console/demandes/{record.reference}"))
    assert "Page web des élus" in page and "maire@exemple.test (adresse confirmée par code)" in page
    page = text_of(await staff.get(f"/console/demandes/{other.reference}"))
    assert "Telegram" in page and "adresse confirmée" not in page
