"""``guichet chat``: the conversation in a terminal, on the same engine and database as Telegram.

Buttons are shown as numbered choices (typing the number presses the button); a request for the phone number becomes
a prompt. Comfortable line editing with prompt_toolkit when stdin is a terminal; plain line reading when piped, so
``printf 'bonjour\\n1\\n…' | guichet chat --user test`` works and exits 0 at end of input. Outbox messages addressed to
this console user (status changes, staff answers) are printed when they arrive.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
import uuid
from typing import Any, Callable

from bot.dialogue.events import Button, Event, Reply
from bot.texts import dialogue as T

CHANNEL = "console"
POLL_SECONDS = 2.0

log = logging.getLogger(__name__)


def run_console(user: str | None) -> int:
    """Entry point of ``guichet chat [--user ID]``; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        return asyncio.run(_main(user))
    except KeyboardInterrupt:
        return 0


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (container): a fixed id
        return "console"


class ConsoleSession:
    """Turns lines into events and replies into printed text. Transport logic only (testable without a terminal)."""

    def __init__(self, engine: Any, user: str, write: Callable[[str], None]) -> None:
        self.engine = engine
        self.user = user
        self.write = write
        self.choices: list[Button] = []
        self.asked_phone = False

    def event_for(self, line: str) -> Event:
        line = line.rstrip("\r\n")
        base = dict(channel=CHANNEL, user_id=self.user, chat_id=self.user, update_key=f"console:{uuid.uuid4().hex}")
        stripped = line.strip()
        if stripped.isdigit() and self.choices and 1 <= int(stripped) <= len(self.choices):
            return Event(kind="button", data=self.choices[int(stripped) - 1].data, **base)
        if stripped.startswith("/") and len(stripped) > 1:
            name, _, args = stripped[1:].partition(" ")
            return Event(kind="command", command=name, text=args or None, **base)
        return Event(kind="text", text=line, **base)

    def show(self, replies: list[Reply]) -> None:
        choices: list[Button] = []
        asked_phone = False
        for reply in replies:
            self.write(reply.text)
            for row in reply.buttons:
                for button in row:
                    choices.append(button)
                    self.write(f"  {len(choices)}. {button.label}")
            if reply.request_contact:
                asked_phone = True
                self.write(T.CONSOLE_PHONE_HINT)
            self.write("")
        if replies:
            self.choices = choices
            self.asked_phone = asked_phone

    async def send_line(self, line: str) -> None:
        replies = await self.engine.handle(self.event_for(line))
        self.show(replies)


async def print_outbox(store: Any, user: str, write: Callable[[str], None]) -> int:
    """Print and mark sent the pending outbox messages of this console user; returns how many."""
    shown = 0
    try:
        rows = await store.due_outbox(limit=1000)
    except Exception:  # noqa: BLE001 - the database may be briefly unavailable: try again later
        return 0
    for row in rows:
        if row.channel != CHANNEL or str(row.chat_id) != str(user):
            continue
        write(T.CONSOLE_NOTIFICATION)
        write(row.text)
        write("")
        try:
            await store.mark_sent(row.id, None)
        except Exception:  # noqa: BLE001
            return shown
        shown += 1
    return shown


async def _read_lines_plain() -> Any:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


async def _read_lines_tty() -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.patch_stdout import patch_stdout

    session: PromptSession[str] = PromptSession()
    while True:
        try:
            with patch_stdout():
                line = await session.prompt_async("› ")
        except EOFError:
            return
        except KeyboardInterrupt:
            return
        yield line


async def _main(user: str | None) -> int:
    from bot.app import App
    from bot.config import load_settings

    user = (user or "").strip() or _default_user()
    settings = load_settings()

    def write(text: str) -> None:
        print(text, flush=True)

    try:
        app = await App.start(settings)
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        log.error("cannot start: %s", type(exc).__name__)
        write(T.CONSOLE_UNAVAILABLE)
        return 1
    session = ConsoleSession(app.engine, user, write)
    interactive = sys.stdin.isatty()
    poller: asyncio.Task[None] | None = None
    try:
        if interactive:
            write(T.CONSOLE_HINT)
            write("")

            async def poll() -> None:
                while True:
                    await asyncio.sleep(POLL_SECONDS)
                    await print_outbox(app.store, user, write)

            poller = asyncio.create_task(poll())
        await print_outbox(app.store, user, write)
        reader = _read_lines_tty() if interactive else _read_lines_plain()
        async for line in reader:
            if not line.strip() and not interactive:
                continue
            await session.send_line(line)
            await print_outbox(app.store, user, write)
    finally:
        if poller is not None:
            poller.cancel()
        await app.close()
    return 0
