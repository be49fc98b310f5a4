"""Names, not codes, for everything staff read: theme labels, offer names, EPCI and commune names, operators,
statuses, roles, stages and kinds of help, and the link to a request's page in the web console. The one place that
maps a code to its French name: the Telegram staff group, the digest, the dashboard and the web console
(:class:`bot.console.labels.Labels`) all ask :func:`current`.

The composition root (``bot.app.App.start``) calls :func:`configure` once with the loaded knowledge base and the
settings' ``public_url``; anything that runs without it (a CLI command, a test building a service on a bare store)
gets the same names loaded lazily from the knowledge data (themes and offers ~0.2 s, EPCI names on first use).
Transport-free: no import of ``telegram`` nor of the web stack.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from bot.texts import staff as TS

log = logging.getLogger(__name__)

#: Path of a request's page in the staff console (helper 12's router serves it). A contract: links are printed in
#: the Telegram group and in exports.
CONSOLE_REQUEST_PATH = "/console/demandes/{reference}"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def _value(key: Any) -> str:
    return str(getattr(key, "value", key))


@dataclass
class Names:
    themes: Mapping[str, str] = field(default_factory=dict)
    offers: Mapping[str, str] = field(default_factory=dict)
    public_url: str = DEFAULT_PUBLIC_URL
    _epcis: dict[str, str] | None = None
    _communes: dict[str, str] | None = None
    _departements: dict[str, str] | None = None

    def theme(self, key: str) -> str:
        return self.themes.get(key, key)

    def offer(self, key: str) -> str:
        return self.offers.get(key, key)

    def epci(self, code: str | None) -> str:
        if not code:
            return ""
        return self.epcis.get(code, code)

    def commune(self, code: str | None) -> str:
        if not code:
            return ""
        return self.communes.get(code, code)

    @property
    def epcis(self) -> dict[str, str]:
        if self._epcis is None:
            self._epcis = _load_territory_names("epci.json.gz")
        return self._epcis

    @property
    def communes(self) -> dict[str, str]:
        if self._communes is None:
            self._communes = _load_territory_names("communes.json.gz")
        return self._communes

    # codes whose names are fixed texts (bot.texts.staff); an unknown or empty code is shown as it is
    @staticmethod
    def operator(key: str | None) -> str:
        return _label(TS.OPERATORS, key)

    @staticmethod
    def status(key: str | None) -> str:
        return _label(TS.STATUS_LABELS, key)

    @staticmethod
    def route_status(key: str | None) -> str:
        return _label(TS.ROUTE_STATUS_LABELS, key)

    @staticmethod
    def role(key: str | None) -> str:
        return _label(TS.ROLE_LABELS, key)

    @staticmethod
    def stage(key: str | None) -> str:
        return _label(TS.STAGE_LABELS, key)

    @staticmethod
    def help_kind(key: str | None) -> str:
        return _label(TS.HELP_LABELS, key)

    def departement(self, code: str) -> str:
        """« Territoire de Belfort » for ``90`` (the code itself when unknown)."""
        if self._departements is None:
            try:
                from knowledge.territory import DATA_DIR

                with gzip.open(DATA_DIR / "communes.json.gz", "rb") as fh:
                    self._departements = dict(json.loads(fh.read()).get("departements") or {})
            except Exception:  # noqa: BLE001
                self._departements = {}
        return self._departements.get(code, code)

    def request_url(self, reference: str) -> str:
        return self.public_url.rstrip("/") + CONSOLE_REQUEST_PATH.format(reference=reference)


def _label(labels: Mapping[str, str], key: str | None) -> str:
    return labels.get(key or "", key or "")


def _load_territory_names(filename: str) -> dict[str, str]:
    """``code -> name`` from the territory referential (rows start with ``[code, name, ...]``)."""
    try:
        from knowledge.territory import DATA_DIR

        with gzip.open(DATA_DIR / filename, "rb") as fh:
            rows = json.loads(fh.read())["rows"]
        return {str(r[0]): str(r[1]) for r in rows}
    except Exception as exc:  # noqa: BLE001 - names are a comfort; codes stay readable
        log.warning("could not load %s names: %s", filename, type(exc).__name__)
        return {}


_lock = threading.Lock()
_current: Names | None = None


def configure(kb: Any = None, public_url: str | None = None) -> Names:
    """Set the names used from now on (the composition root calls it once)."""
    global _current
    themes: dict[str, str] = {}
    offers: dict[str, str] = {}
    if kb is not None:
        try:
            themes = {_value(k): t.label for k, t in kb.themes.items()}
            offers = {oid: o.name for oid, o in kb.offers.items()}
        except Exception as exc:  # noqa: BLE001
            log.warning("names from the knowledge base failed: %s", type(exc).__name__)
    if not themes or not offers:
        loaded = _from_data()
        themes = themes or dict(loaded.themes)
        offers = offers or dict(loaded.offers)
    names = Names(themes=themes, offers=offers, public_url=(public_url or DEFAULT_PUBLIC_URL).rstrip("/"))
    with _lock:
        _current = names
    return names


def _from_data() -> Names:
    try:
        from knowledge.loader import load_offers, load_themes

        return Names(themes={_value(k): t.label for k, t in load_themes().items()},
                     offers={oid: o.name for oid, o in load_offers().items()})
    except Exception as exc:  # noqa: BLE001
        log.warning("could not load theme and offer names: %s", type(exc).__name__)
        return Names()


def current() -> Names:
    """The configured names, or names loaded from the knowledge data on first use."""
    global _current
    names = _current
    if names is None:
        with _lock:
            if _current is None:
                _current = _from_data()
            names = _current
    return names
