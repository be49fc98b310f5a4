"""The mayors' web chat in Debian's chromium at a phone's size (360×740), keyboard only: a person files a request,
confirming the e-mail with the code taken from a real SMTP server on loopback; staff see it in the console and take
it in charge; the person sees it in the page without reloading. axe-core on the page at each stage."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import LiveServer, assert_accessible
from tests.webchat.pilot import REFERENCE, Plan, parse_messages
from tests.webchat.smtp import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def chat_live(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer) -> Iterator[LiveServer]:
    """The real server (its lifespan runs the e-mail sender) with e-mail going to the loopback SMTP server."""
    saved = {k: os.environ.get(k) for k in ("GUICHET_SMTP_HOST", "GUICHET_SMTP_PORT", "GUICHET_MAIL_FROM",
                                            "GUICHET_ATTACHMENTS_DIR")}
    os.environ.update(GUICHET_SMTP_HOST="127.0.0.1", GUICHET_SMTP_PORT=str(smtp_server.port),
                      GUICHET_MAIL_FROM="guichet@prefecture.test",
                      GUICHET_ATTACHMENTS_DIR=str(tmp_path_factory.mktemp("pieces")))
    try:
        server = LiveServer(f"sqlite:///{tmp_path_factory.mktemp('chat') / 'guichet.db'}")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _last_id(page) -> int:
    return int(page.evaluate("() => { const i = document.querySelectorAll('#journal [data-id]');"
                             " return i.length ? +i[i.length - 1].dataset.id : 0; }"))


#: The message field the page shows now (the message box, or the e-mail or code field of the code check).
COMPOSER = "#saisie-form .field:not([hidden]) textarea, #saisie-form .field:not([hidden]) input"
FOCUSED = "() => { const a = document.activeElement; return a ? (a.id || a.getAttribute('value') || a.tagName) : null; }"


def _act(page, kind: str, value: str) -> str | None:
    """One action of the person, keyboard only; returns what has the focus once the guichet has answered."""
    before = _last_id(page)
    if kind == "text":
        field = page.locator(COMPOSER)
        field.focus()
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    else:
        button = page.locator(f'#journal form.choices:not(.answered) button[value="{value}"]')
        button.focus()
        page.keyboard.press("Enter")
    page.wait_for_function(f"() => {{ const i = document.querySelectorAll('#journal [data-id]');"
                           f" return i.length && +i[i.length - 1].dataset.id > {before}"
                           f" && i[i.length - 1].dataset.author === 'bot'; }}")
    return page.evaluate(FOCUSED)


def test_person_files_with_the_code_staff_take_it_the_person_sees_it(chat_live: LiveServer, page,
                                                                   smtp_server: SmtpServer) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(chat_live.url("/"))
    assert page.get_by_role("log").count() == 1
    assert page.get_by_label("Votre message").count() == 1
    assert_accessible(page)
    # nothing wider than the phone's screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    plan = Plan(email="maire@giromagny.test")
    reference = None
    checked_buttons = False
    focus_moves = []  # issue 22: focus moves only when the person moves it
    for _ in range(80):
        messages = parse_messages(page.inner_html("#journal").replace("\n  </div>", "\n</div>"))
        if messages and messages[-1].buttons and not checked_buttons:
            assert_accessible(page)  # with the bot's choices as buttons
            checked_buttons = True
        code = None
        bots = [m for m in messages if m.author != "person"]
        if bots and "code à 6 chiffres" in bots[-1].text:
            smtp_server.mailbox.wait_for(plan.email)
            code = smtp_server.mailbox.last_code(plan.email)
        action = plan.next_action(messages, code)
        if action is None:
            reference = REFERENCE.search(bots[-1].text).group(1)
            break
        kind, value = action
        focused = _act(page, kind, value)
        if kind == "text":
            # after typing, the focus stays in the message field (the phone's keyboard stays open)
            if focused not in ("saisie", "saisie-email", "saisie-code"):
                focus_moves.append((value, focused))
        elif focused != value:
            focus_moves.append((value, focused))  # after a button, the focus stays on that button
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # never sideways
    assert reference, "no reference after 80 actions"
    assert focus_moves == []
    assert checked_buttons
    assert page.locator('#journal [data-author="person"]').count() > 5
    assert_accessible(page)

    # staff: the request is in the console's inbox; its page says the channel and the confirmed address; taken
    agent = chat_live.new_agent("prefecture", name="Paule Préfète")
    console = page.context.browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
    chat_live.login(console, agent)
    console.goto(chat_live.url("/console/"))
    assert reference in console.content()
    console.goto(chat_live.url(f"/console/demandes/{reference}"))
    assert "Page web des élus" in console.content()
    assert f"{plan.email} (adresse confirmée par code)" in console.inner_text("main")
    console.get_by_role("button", name="Prendre en charge").click()
    console.wait_for_load_state()
    console.context.close()

    # the person, still on the page, sees it without reloading (polling)
    staff_msg = page.locator('#journal [data-from="staff"]')
    staff_msg.first.wait_for(timeout=20_000)
    assert reference in staff_msg.first.inner_text()
    assert re.search(r"prise en charge|en cours", staff_msg.first.inner_text(), re.I)
    assert_accessible(page)


def test_a_file_sent_from_the_page_with_the_keyboard_is_listed(chat_live: LiveServer, page, tmp_path) -> None:
    """Issue 20: the page's file form (a plain multipart post, the page's script leaves it alone) sends a PDF; the
    transcript shows « Pièce jointe : nom (taille) » and the guichet's acknowledgement."""
    pdf = tmp_path / "devis école.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(chat_live.url("/"))
    page.get_by_label("Joindre un fichier").set_input_files(str(pdf))
    button = page.get_by_role("button", name="Envoyer le fichier")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    log = page.inner_text("#journal")
    assert "Pièce jointe : devis école.pdf (2 Ko)" in log
    assert "Pièce jointe reçue : devis école.pdf (2 Ko)" in log
    assert_accessible(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
