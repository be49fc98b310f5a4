"""The staff console (``/console/``): login (one-time links, ProConnect), inbox, request pages, actions, agents.

Pages are server-rendered (Jinja2 + DSFR, htmx for partial updates); every action goes through
:mod:`bot.staff.service` (one transaction, audited, idempotent), like the Telegram staff group's buttons.
"""
