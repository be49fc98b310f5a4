"""The mayors' web chat: a third channel (``"web"``) beside Telegram and ``guichet chat``.

``identity`` (people, sessions, e-mail codes), ``mailer`` (SMTP through the durable outbox, channel ``"email"``),
``adapter`` (posted message or pressed button → :class:`bot.dialogue.events.Event`, transcript, staff messages),
``routes`` (the page at ``/``, server-rendered, form posts, htmx polling).
"""

CHANNEL = "web"
EMAIL_CHANNEL = "email"
