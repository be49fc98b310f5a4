"""The mayors' web chat: a third channel (``"web"``) beside Telegram and ``guichet chat``.

``identity`` (people, sessions, e-mail codes), ``bot.channels.smtp`` (SMTP through the durable outbox, channel ``"email"``, shared with the mail channel),
``adapter`` (posted message or pressed button → :class:`bot.dialogue.events.Event`, transcript, staff messages),
``routes`` (the page at ``/``, server-rendered, form posts, htmx polling).
"""

CHANNEL = "web"
#: The chat's own cookie (routes.py sets it; files.py reads it).
COOKIE = "guichet_chat"
from bot.channels.smtp import EMAIL_CHANNEL  # noqa: E402,F401 - the SMTP sender is shared by the channels
