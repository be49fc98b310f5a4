"""Helpers of the e-mail tests: build a channel over the fixtures, write mails as a person's client would."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def make_channel(kb, store, settings):
    from bot.channels.mail.channel import MailChannel
    from bot.dialogue.engine import Engine

    return MailChannel(Engine(kb=kb, store=store, settings=settings), store, settings)


def person_mail(sender: str, body: str, *, subject: str = "Demande", name: str = "",
                reply_to_msg=None, attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    """A mail from ``sender``; ``reply_to_msg``: the guichet's e-mail being answered (threaded as a client does,
    with its text quoted below « Le … a écrit : »)."""
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = "guichet@prefecture.test"
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    msg["Date"] = "Mon, 7 Dec 2026 10:00:00 +0100"
    if reply_to_msg is not None:
        msg["Subject"] = "Re: " + str(reply_to_msg["Subject"]).removeprefix("Re: ")
        msg["In-Reply-To"] = str(reply_to_msg["Message-ID"])
        msg["References"] = " ".join(filter(None, [str(reply_to_msg.get("References") or ""),
                                                   str(reply_to_msg["Message-ID"])]))
        quoted = "\n".join("> " + line for line in reply_to_msg.get_content().splitlines())
        body = f"{body}\n\nLe lun. 7 déc. 2026 à 10:00, Guichet <guichet@prefecture.test> a écrit :\n{quoted}\n"
    else:
        msg["Subject"] = subject
    msg.set_content(body)
    for filename, ctype, data in attachments:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return msg.as_bytes()
