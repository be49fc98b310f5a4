"""The web kit shared by the staff console and the mayors' web chat: secret key, CSRF and security headers
(``security``), the current agent and permissions (``deps``), Jinja2 rendering with the State design system's page
(``templating``, ``templates/``, ``static/``). The composition that assembles them into one server is ``bot.web``."""
