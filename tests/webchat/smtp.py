"""A real SMTP server on loopback (aiosmtpd) for the web chat's tests: keeps every message it accepts; can be told to
refuse the next messages (``refuse_next``: 5xx or 4xx) or to drop the connection after receiving one (``drop_next``:
the client never learns the outcome although the message arrived)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from email.message import Message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse_next: list[str] = []
        self.drop_next = 0
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            if self.refuse_next:
                return self.refuse_next.pop(0)
            msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
            self.messages.append(msg)
            self.arrived.notify_all()
            if self.drop_next:
                self.drop_next -= 1
                server.transport.close()  # delivered, but the client gets no answer
                return "250 OK"
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20.0) -> list[Message]:
        with self.lock:
            self.arrived.wait_for(lambda: len([m for m in self.messages if address in str(m["To"])]) >= count,
                                  timeout)
        return self.to(address)

    def last_code(self, address: str) -> str | None:
        msgs = self.to(address)
        for msg in reversed(msgs):
            body = msg.get_payload(decode=True).decode() if not msg.is_multipart() else ""
            found = re.search(r"\b(\d{6})\b", body)
            if found:
                return found.group(1)
        return None


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
