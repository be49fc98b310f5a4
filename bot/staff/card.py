"""The staff card: a request's staff-group message (:func:`staff_summary`, plain text within Telegram's limit, with
its buttons) and who acted, in words (:func:`actor_label`, shared with the console)."""

from __future__ import annotations

from typing import Any

from bot.store.models import EventRecord, RequestRecord
from bot.staff import names as _names
from bot.staff import originals as _originals
from bot.staff.base import _clean
from bot.staff.buttons import staff_buttons
from bot.texts import files as TF
from bot.texts import staff as T

TELEGRAM_MAX_CHARS = 4096
#: Room kept for the summary's own lines when the need is truncated.
SUMMARY_BUDGET = 4000
#: Room for the person's original message on the staff card (the whole is on the request page).
ORIGINAL_BUDGET = 800


# --- the staff-group message ------------------------------------------------------------------------------------------
class StaffSummary(str):
    """The text of a request's staff-group message (a ``str``), with its ``buttons`` attached."""

    buttons: list[list[dict[str, str]]]

    def __new__(cls, text: str, buttons: list[list[dict[str, str]]]) -> "StaffSummary":
        obj = super().__new__(cls, text)
        obj.buttons = buttons
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)


def _fmt_when(ev: EventRecord) -> str:
    try:
        from zoneinfo import ZoneInfo

        return ev.at.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
    except Exception:  # noqa: BLE001
        return ev.at.strftime("%d/%m/%Y %H:%M UTC")


def staff_summary(
    record: RequestRecord,
    *,
    last_event: EventRecord | None = None,
    theme_labels: dict[str, str] | None = None,
    offer_names: dict[str, str] | None = None,
    max_chars: int = SUMMARY_BUDGET,
    original: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> StaffSummary:
    """The staff-group message of a request: commune, person and role, need, themes, best offers, reference, status
    and who acted last. Plain text (send without parse mode); the need is truncated so the whole fits ``max_chars``
    (below Telegram's 4 096)."""
    names = _names.current()
    theme_labels = theme_labels or names.themes
    offer_names = offer_names or names.offers
    commune = record.commune_name or T.UNKNOWN_COMMUNE
    if record.commune_code:
        commune += f" ({record.commune_code})"
    role = names.role(record.role)
    person = ", ".join(p for p in (record.contact_name, role) if p) or "—"
    details: list[str] = []
    contact = " · ".join(p for p in (record.phone, record.email) if p)
    if contact:
        details.append(T.detail_line(T.DETAIL_CONTACT, contact))
    if record.stage:
        details.append(T.detail_line(T.DETAIL_STAGE, names.stage(record.stage)))
    if record.help_kinds:
        details.append(T.detail_line(T.DETAIL_HELP, ", ".join(names.help_kind(h) for h in record.help_kinds)))
    if record.budget:
        details.append(T.detail_line(T.DETAIL_BUDGET, record.budget))
    if record.timing:
        details.append(T.detail_line(T.DETAIL_TIMING, record.timing))
    if record.assigned_to:
        details.append(T.detail_line(T.DETAIL_ASSIGNED, record.assigned_to))
    if attachments:  # issue 20: the files kept with the request, by name and size (downloaded in the console)
        details.append(T.detail_line(TF.STAFF_LABEL, ", ".join(TF.named(a["name"], a["size"]) for a in attachments)))
    themes = ", ".join(theme_labels.get(t, t) for t in record.themes)
    offers = ", ".join(offer_names.get(o, o) for o in record.matches[:3])
    last = None
    if last_event is not None:
        last = T.last_action(actor_label(last_event, record), _fmt_when(last_event))
    fields = dict(
        reference=record.reference,
        commune=commune,
        person=person,
        themes=themes,
        offers=offers,
        details=[d[:300] for d in details],
        status=T.status_label(record.status, record.operator),
        last_action=last,
        link=names.request_url(record.reference),
    )
    need = _clean(record.description)
    if _originals.worth_showing(original, record.description):
        # the person's words, as typed (greeting and « je suis maire de … » included), shorter than the need's room
        said = _clean(original)
        if _u16(said) > ORIGINAL_BUDGET:
            said = _cut_u16(said, ORIGINAL_BUDGET - 1).rstrip() + "…"
        fields["original"] = said
    text = T.summary(need=need, **fields)
    if _u16(text) > max_chars:
        room = max_chars - _u16(T.summary(need="", **fields)) - _u16(T.TRUNCATED) - 2
        text = T.summary(need=_cut_u16(need, room).rstrip() + "\n" + T.TRUNCATED, **fields)
    return StaffSummary(_cut_u16(text, max_chars), staff_buttons(record))


def actor_label(event: EventRecord, record: RequestRecord | None = None, agents: dict[int, str] | None = None) -> str:
    """Who did ``event``, in words, for the Telegram group and the console alike: the staff member's name
    (``data.by``), a console agent's name (``console:<id>``, from ``agents``), the person who filed the request (their
    name) for their own messages, « le guichet » for the system; never ``telegram:5001``."""
    by = event.data.get("by") if isinstance(event.data, dict) else None
    if by:
        return str(by)
    actor = str(event.actor or "")
    kind, _, ident = actor.partition(":")
    if kind == "console" and ident.isdigit():
        return (agents or {}).get(int(ident)) or T.CONSOLE_AGENT_WHO
    if record is not None and actor == f"{record.channel}:{record.user_id}":
        return record.contact_name or T.MAYOR_WHO
    if actor in ("system", "jobs", "cli", "") or actor.startswith("system"):
        return T.SYSTEM_WHO
    if ident.lstrip("-").isdigit():  # an id, not a name
        return T.STAFF_WHO
    return actor


def _u16(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut_u16(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-16 code units."""
    if limit <= 0:
        return ""
    if _u16(text) <= limit:
        return text
    out = text[:limit]  # at most ``limit`` characters, each >= 1 unit
    while _u16(out) > limit:
        excess = _u16(out) - limit
        out = out[: len(out) - max(1, excess // 2)]
    return out
