"""Transport-free events (what a person did) and replies (what the assistant says back).

Channels (Telegram, terminal) translate their updates into :class:`Event` and render :class:`Reply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal["text", "button", "contact", "command", "file", "unsupported"]

MAX_BUTTON_DATA_BYTES = 64


@dataclass
class Event:
    channel: str
    user_id: str
    chat_id: str
    kind: EventKind
    text: str | None = None
    data: str | None = None
    phone: str | None = None
    command: str | None = None
    update_key: str | None = None
    user_name: str | None = None
    #: The text of the message this one replies to (a status notice naming a request), when the channel knows it.
    reply_to: str | None = None
    #: kind "file" (issue 20): the files sent (downloaded by the channel), and a caption typed with them.
    files: list["IncomingFile"] = field(default_factory=list)
    #: The recap may be sent by words typed (« Oui c'est bien ça. Envoyez. »); False where the channel confirms a
    #: filing its own way (e-mail: a reply in the answer's thread, issue 20).
    sends_in_words: bool = True


@dataclass
class IncomingFile:
    """A file a person sent: its name as sent, its bytes (read by the channel within the size limit), or why the
    channel could not take it (``"too_big"`` announced before download, ``"unreadable"``)."""

    name: str
    data: bytes = b""
    refused: str | None = None
    #: the channel's handle to fetch it (a Telegram file id) and the size it announced, before download
    ref: str | None = None
    size: int | None = None


@dataclass
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode("utf-8")) > MAX_BUTTON_DATA_BYTES:
            raise ValueError(f"button data over {MAX_BUTTON_DATA_BYTES} bytes: {self.data!r}")


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    request_contact: bool = False
    remove_keyboard: bool = False

    def button_labels(self) -> list[str]:
        return [b.label for row in self.buttons for b in row]

    def button_data(self) -> list[str]:
        return [b.data for row in self.buttons for b in row]
