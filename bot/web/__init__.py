"""The web server: one ASGI app (:func:`bot.web.app.create_app`) for the staff console (``/console/``) and the
mayors' web chat (``/``), over the same store, knowledge base and staff service as the bot (``bot.app.App``).

Modules: ``app`` (factory, middlewares, static files, error pages), ``security`` (secret key, sessions, CSRF, rate
limit, security headers), ``templating`` (Jinja2 with DSFR base template), ``deps`` (current agent, role checks),
``server`` (``guichet serve``). How to add a page: docs/architecture.md, section "Web".
"""
