"""The web server: one ASGI app (:func:`bot.web.app.create_app`) for the staff console (``/console/``) and the
mayors' web chat (``/``), over the same store, knowledge base and staff service as the bot (``bot.app.App``).

Modules: ``app`` (factory, middlewares, static files, error pages), ``server`` (``guichet serve``), ``start``
(``guichet start``: the server on SQLite with a demo agent). What the console and the web chat share (secret key,
CSRF, security headers, templating, the current agent) is the kit, :mod:`bot.webkit`. How to add a page:
docs/architecture.md, section "Web".
"""
