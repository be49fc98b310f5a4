"""The end of an intake and what follows it: recap (with the matched offers), duplicate check, filing, the person
remembered, additions to a filed request, a request shown by its reference, answers awaited by staff.

Filing is idempotent: the "Envoyer" button carries the intake's id (``send:<id>``); once filed, that id maps to the
reference (``data["filed"]``), so a second press (or an old copy) shows the request instead of filing again.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.common import fmt_date, log_exc
from bot.dialogue.events import Button, Reply
from bot.staff import originals
from bot.staff.service import mayor_answer, staff_summary
from bot.store.models import STAFF_CHANNEL, RequestDraft
from bot.texts import dialogue as T
from intents import extract as x

DUPLICATE_WINDOW = dt.timedelta(days=30)
FILED_MEMORY = 20
_ADD_INFO = re.compile(r"\b(?:ajout\w*|complet\w*|precis\w*|info\w*|rajout\w*)\b")


class FilingMixin:
    # --- recap ------------------------------------------------------------------------------------------------------
    def enter_recap(self) -> list[Reply]:
        if "matches" not in self.draft:
            self.compute_matches()
        self.goto("recap")
        return self.prompt()

    def compute_matches(self) -> None:
        d = self.draft
        # issue 11: only the themes the person confirmed or corrected re-rank (the ones we detected are the matcher's
        # own reading of the need already); "unsure" says so instead of a confident list
        themes = list(d.get("themes") or []) if d.get("themes_confirmed") else None
        try:
            outcome = self.kb.match_with_confidence(d.get("need") or "", d.get("commune_code"), limit=3,
                                                    themes=themes)
            matches, unsure = list(outcome.results)[:3], bool(outcome.unsure)
        except Exception:  # noqa: BLE001
            log_exc("kb.match failed")
            matches, unsure = [], False
        d["matches"] = [m.id for m in matches]
        d["offers_unsure"] = unsure
        d["offer_view"] = [] if unsure else [
            {"id": m.id, "name": m.name, "reason": (m.reasons[0] if m.reasons else None),
             "warning": (m.warnings[0] if m.warnings else None)}
            for m in matches
        ]

    def recap_facts(self, *, full: bool = False) -> list[str]:
        """The facts of the draft in a short list, only those given (issue 22): the need shortened unless ``full``."""
        d = self.draft
        L = T.RECAP_LABELS
        need = d.get("need") or ""
        if not full and len(need) > T.NEED_PREVIEW_CHARS:
            need = need[: T.NEED_PREVIEW_CHARS].rsplit(" ", 1)[0].rstrip(" ,;.") + "…"
        elif full:
            need, _ = v.truncate(need, 2000)
        facts = {
            "commune": d.get("commune_name"),
            "role": T.ROLES.get(d.get("role") or ""),
            "need": need,
            "themes": ", ".join(self.theme_label(t) for t in d.get("themes") or []),
            "stage": T.STAGES.get(d.get("stage") or ""),
            "help": self.value_text("help", d.get("help") or []),
            "budget": d.get("budget"),
            "timing": d.get("timing"),
            "name": d.get("name"),
            "phone": v.format_phone(d["phone"]) if d.get("phone") else None,
            "email": d.get("email"),
        }
        return [f"• {L[key]} : {value}" for key, value in facts.items() if value]

    def prompt_recap(self, *, full: bool = False) -> list[Reply]:
        """The recap for a thumb: the facts, the offers' names, at most 4 buttons (« Envoyer la demande » first)."""
        d = self.draft
        lines = [T.RECAP_TITLE, *self.recap_facts(full=full)]
        shown = d.get("offer_view") or []
        if shown:
            lines += ["", T.OFFERS_SHORT.format(names=", ".join(o["name"] for o in shown))]
        else:
            lines += ["", T.OFFERS_UNSURE if d.get("offers_unsure") else T.OFFERS_NONE]
            lines += self.no_fit_lines()  # issue 19: why nothing fits, and what to do
        lines += ["", T.SEND_NOTICE_SHORT]
        rows = [[Button(T.SEND, "send:" + str(d.get("id") or "0"))],
                [Button(T.RECAP_EDIT, "e:menu")] + ([Button(T.RECAP_OFFERS, "d:all")] if shown else [])]
        if not shown:
            rows.append(self.no_fit_button())  # nothing fits: a person can look (still at most 4 buttons)
        if not full and len(d.get("need") or "") > T.NEED_PREVIEW_CHARS:
            rows.append([Button(T.RECAP_FULL, "e:full")])
        self.set_buttons(rows)
        self.keep_recap_buttons()
        return [Reply("\n".join(lines), rows)]

    def keep_recap_buttons(self) -> None:
        """At the recap, every field's « Modifier » and every offer's details stay valid, whatever message shows
        them (buttons say what they set: an older copy of the recap, the « Modifier » list, an offer's card)."""
        shown = self.draft.get("offer_view") or []
        extra = {"e:" + key: lbl for key, lbl in T.EDIT_BUTTONS.items()}
        extra.update({f"d:{i + 1}": T.offer_details_button(i + 1) for i in range(len(shown))})
        extra.update({"e:menu": T.RECAP_EDIT, "e:full": T.RECAP_FULL, "e:recap": T.RECAP_BACK})
        if shown:
            extra["d:all"] = T.RECAP_OFFERS
        extra["send:" + str(self.draft.get("id") or "0")] = T.SEND
        buttons = list(self.st.get("buttons") or [])
        labels = dict(self.st.get("labels") or {})
        for data, label in extra.items():
            if data not in buttons:
                buttons.append(data)
            labels.setdefault(data, label)
        self.st["buttons"], self.st["labels"] = buttons, labels

    def recap_menu(self, what: str) -> list[Reply]:
        """« Modifier » (the list of fields), « Voir tout » (the whole recap), « Retour au récapitulatif »."""
        send = [Button(T.SEND, "send:" + str(self.draft.get("id") or "0"))]
        if what == "menu":
            edit = [Button(lbl, "e:" + key) for key, lbl in T.EDIT_BUTTONS.items()]
            rows = [edit[i : i + 2] for i in range(0, len(edit), 2)] + [[Button(T.RECAP_BACK, "e:recap")]]
            self.set_buttons(rows)
            self.keep_recap_buttons()
            return [Reply(T.EDIT_MENU, rows)]
        return self.prompt_recap(full=what == "full")

    def offer_details(self, rank: str) -> list[Reply]:
        """An offer's card (or, for ``all``, the list with the reasons), in place: the recap is not sent again;
        the card carries « Envoyer la demande » and « Retour au récapitulatif »."""
        shown = self.draft.get("offer_view") or []
        back = [[Button(T.SEND, "send:" + str(self.draft.get("id") or "0"))], [Button(T.RECAP_BACK, "e:recap")]]
        if rank == "all" and shown:
            lines = [T.OFFERS_INTRO]
            lines += [T.offer_line(i + 1, o["name"], o.get("reason"), o.get("warning")) for i, o in enumerate(shown)]
            lines.append(T.OFFERS_LIST_OUTRO)
            rows = [[Button(T.offer_details_button(i + 1), f"d:{i + 1}") for i in range(len(shown))]] + back
            self.set_buttons(rows)
            self.keep_recap_buttons()
            return [Reply("\n".join(lines), rows)]
        try:
            item = shown[int(rank) - 1]
        except (ValueError, IndexError):
            return [Reply(T.STALE_BUTTON)] + self.prompt()
        self.set_buttons(back)
        self.keep_recap_buttons()
        return [Reply(self.offer_text(item["id"], item["name"]), back)]

    def offer_text(self, offer_id: str, name: str) -> str:
        offer = self.kb.offers.get(offer_id) if hasattr(self.kb, "offers") else None
        if offer is None:
            return name
        elig = offer.eligibility
        uncertain = bool(getattr(elig, "uncertain", False)) or getattr(offer, "status", "") == "incertain"
        local = (getattr(offer, "local", None) or {}).get(str(self.settings.departement))
        if local is not None and getattr(local, "uncertain", False):
            uncertain = True
        code = self.draft.get("commune_code")
        if hasattr(self.kb, "offer_warning"):  # issue 21: one warning per offer, the most important, nothing generic
            text = T.offer_details(offer.name, offer.summary, elig.text, offer.how_to_apply, str(offer.url), False)
            if hasattr(self.kb, "answerer") and self.kb.answerer is not None and offer.last_verified:
                text += "\n" + self.kb.answerer.freshness(offer.last_verified).split("\n")[0]  # the date, no warning
            warning = self.kb.offer_warning(offer_id, code)
            if warning:
                text += "\n\n" + T.offer_warning(self.draft.get("commune_name") if code else None, warning)
            return text
        text = T.offer_details(offer.name, offer.summary, elig.text, offer.how_to_apply, str(offer.url), uncertain)
        if hasattr(self.kb, "offer_freshness"):  # issue 10: when its facts were verified
            text += "\n" + self.kb.offer_freshness(offer_id)
        if code:
            try:
                _, _, warnings = self.kb.eligibility(offer_id, code)
            except Exception:  # noqa: BLE001 - details stay useful without the commune check
                warnings = []
            if warnings:
                text += "\n\n" + T.offer_warnings_for(self.draft.get("commune_name") or "", list(warnings)[:3])
        return text

    def prompt_duplicate(self) -> list[Reply]:
        dup = self.st.get("dup_ref") or {}
        text = T.duplicate_found(dup.get("reference", "?"), dup.get("commune") or "", dup.get("date") or "")
        did = str(self.draft.get("id") or "0")
        rows = self.set_buttons([[Button(T.DUPLICATE_ADD, "dup:add:" + did)], [Button(T.DUPLICATE_NEW, "dup:new:" + did)]])
        return [Reply(text, rows)]

    # --- send ---------------------------------------------------------------------------------------------------------
    async def already_filed(self, data: str) -> list[Reply] | None:
        """A second "Envoyer" (or duplicate choice) for an intake already filed: show its request."""
        m = re.fullmatch(r"(?:send|dup:add|dup:new):(\w{1,16})", data)
        if not m:
            return None
        ref = (self.st.get("filed") or {}).get(m.group(1))
        if not ref:
            return None
        return await self.show_request(ref, prefix=T.ALREADY_SENT)

    async def filing_choice(self, data: str) -> list[Reply]:
        if data.startswith("send:"):
            return await self.send()
        if data.startswith("dup:new:"):
            return await self.file_request()
        if data.startswith("dup:add:"):
            ref = (self.st.get("dup_ref") or {}).get("reference")
            return await (self.append_draft_to(ref) if ref else self.file_request())
        if data.startswith("ar:"):  # issue 19: the filed request an addition goes to
            return await self.addition_choice(data[3:])
        if data.startswith("out:"):  # issue 19: a collectivité of another département
            return await self.outside_choice(data[4:])
        return [Reply(T.STALE_BUTTON)] + self.prompt()

    async def send(self) -> list[Reply]:
        d = self.draft
        similar = []
        if d.get("commune_code"):
            similar = await self.uow.find_similar_open(d["commune_code"], list(d.get("themes") or []),
                                                       self.now() - DUPLICATE_WINDOW)
        if similar:
            rec = similar[0]
            self.st["dup_ref"] = {"reference": rec.reference, "commune": rec.commune_name or d.get("commune_name"),
                                  "date": fmt_date(rec.created_at, self.settings.timezone)}
            self.goto("duplicate")
            return self.prompt()
        return await self.file_request()

    def request_draft(self) -> RequestDraft:
        d = self.draft
        return RequestDraft(
            channel=self.ev.channel, user_id=str(self.ev.user_id), chat_id=str(self.ev.chat_id),
            commune_code=d.get("commune_code"), commune_name=d.get("commune_name"), epci_code=d.get("epci_code"),
            role=d.get("role"), contact_name=d.get("name"), phone=d.get("phone"), email=d.get("email"),
            description=d.get("need") or "", themes=list(d.get("themes") or []), stage=d.get("stage"),
            help_kinds=list(d.get("help") or []), budget=d.get("budget"), timing=d.get("timing"),
            matches=list(d.get("matches") or []),
            # informed at the start and in the recap (public-interest mission, RGPD art. 6.1.e): sending is the act
            consent_at=self.now(),
            departement=str(self.settings.departement),
        )

    def staff_chat(self) -> str:
        return str(self.settings.staff_chat_id) if self.settings.staff_chat_id is not None else "staff"

    async def _enqueue_staff(self, kind: str, text: str, dedup_key: str, reference: str | None,
                             buttons: Any = None, meta: dict[str, Any] | None = None) -> None:
        await self.uow.enqueue(kind, STAFF_CHANNEL, self.staff_chat(), text, buttons, reference,
                               dedup_key=dedup_key, meta=meta or {})

    def offer_names(self) -> dict[str, str]:
        try:
            return {oid: o.name for oid, o in self.kb.offers.items()}
        except Exception:  # noqa: BLE001
            return {}

    async def file_request(self) -> list[Reply]:
        record = await self.uow.create_request(self.request_draft())
        ref = record.reference
        files = await self.attach_kept(ref)  # issue 20: files sent during the intake are the request's now
        summary = staff_summary(record, theme_labels=self.theme_labels(), offer_names=self.offer_names(),
                                original=self.draft.get("need_said"), attachments=files)
        outside = await self.flag_outside(record)  # issue 19: outside the département, flagged for staff
        text = (outside + "\n\n" + str(summary)) if outside else str(summary)
        await self._enqueue_staff("staff_new_request", text, f"new:{ref}", ref, summary.buttons)
        await self.keep_originals(ref, with_need=True)
        await self.remember_person()
        self.finish_draft(ref)
        promise = T.commitment(self.settings.response_days)  # "" unless the préfecture set a commitment (issue 21)
        return self.menu(T.filed(ref) + "\n\n" + (promise + "\n\n" if promise else "") + T.MENU_PROMPT)

    async def keep_originals(self, ref: str, with_need: bool = False) -> None:
        """The person's own words, attached to the request for staff (request history): their messages, and, for a
        new request, the need as they wrote it (``bot.staff.originals``; an addition to a request keeps that
        request's original)."""
        words = list(self.st.get("transcript") or [])
        need = self.draft.get("need_said") if with_need else None
        if words or need:
            await self.uow.log_event(ref, self.actor, originals.KIND, originals.event_data(words, need))

    async def remember_person(self) -> None:
        d = self.draft
        if not (d.get("name") or d.get("phone") or d.get("email")):
            return
        await self.uow.save_person(self.ev.channel, str(self.ev.user_id), name=d.get("name"), phone=d.get("phone"),
                                   email=d.get("email"), role=d.get("role"), commune_code=d.get("commune_code"),
                                   commune_name=d.get("commune_name"))

    def finish_draft(self, ref: str) -> None:
        did = str(self.draft.get("id") or "0")
        filed = dict(self.st.get("filed") or {})
        filed[did] = ref
        self.st["filed"] = dict(list(filed.items())[-FILED_MEMORY:])
        self.drop_draft()

    def drop_draft(self) -> None:
        for key in ("draft", "candidates", "theme_sel", "help_sel", "need_partial", "conflict", "asked", "transcript",
                    "dup_ref"):
            self.st.pop(key, None)

    async def append_draft_to(self, ref: str) -> list[Reply]:
        d = self.draft
        who = ", ".join(p for p in (d.get("name"), T.ROLES.get(d.get("role") or "")) if p)
        note = "\n".join(p for p in (d.get("need") or "", f"({who})" if who else "") if p)
        await self.add_to_request(ref, note)
        await self.attach_kept(ref)  # issue 20: files sent during this intake go with the addition
        await self.keep_originals(ref)
        await self.remember_person()
        self.finish_draft(ref)
        return self.menu(T.appended(ref) + "\n\n" + T.MENU_PROMPT)

    async def add_to_request(self, ref: str, note: str) -> None:
        await self.uow.append_to_request(ref, note, self.actor)
        key = f"append:{ref}:{self.ev.update_key or self.now().isoformat()}"
        await self._enqueue_staff("staff_request_appended", T.staff_appended(ref, note), key, ref)

    # --- a filed request, by its reference -----------------------------------------------------------------------
    async def own_request(self, ref: str) -> Any:
        record = await self.uow.get_request(ref)
        if record is None or record.channel != self.ev.channel or str(record.user_id) != str(self.ev.user_id):
            return None
        return record

    async def show_request(self, ref: str, prefix: str = "") -> list[Reply]:
        record = await self.own_request(ref)
        if record is None:
            return [Reply(T.unknown_request(ref))] + self.prompt()
        text = T.request_view(record.reference, fmt_date(record.created_at, self.settings.timezone),
                              record.commune_name, T.status_words(record.status, getattr(record, "operator", None)),
                              v.truncate(record.description or "", 300)[0])
        return [Reply((prefix + "\n\n" if prefix else "") + text)]

    async def about_a_request(self, text: str) -> list[Reply] | None:
        """« 90-2026-0012 » alone shows the request; « ajouter une info à ma demande 90-2026-0012 : … » (or a reply to
        a message that names a request) adds to it and tells staff."""
        ref = x.find_reference(text)
        replied = x.find_reference(getattr(self.ev, "reply_to", None) or "")
        if ref is None and replied is None:
            return await self.followup(text)  # issue 19: status, addition to a filed request, off-topic
        if ref is not None and re.fullmatch(r"\W*(?:demande|ma demande|la demande|reference|réf\.?)?\W*" + re.escape(ref)
                                             + r"\W*", text, flags=re.IGNORECASE):
            return await self.show_request(ref) + self.prompt()
        target = ref or replied
        rest = text
        if ref is not None:
            head, _, tail = text.partition(ref)
            from intents.normalize import normalize

            if not _ADD_INFO.search(normalize(head)) and replied is None:
                return None
            rest = tail.lstrip(" :.-–—,\n") or head
        record = await self.own_request(target)
        if record is None:
            return [Reply(T.unknown_request(target))] + self.prompt()
        note, _ = v.truncate(rest.strip(), v.NEED_MAX_CHARS)
        if not v.meaningful_words(note) and not re.search(r"\d", note):
            return await self.show_request(target) + self.prompt()
        await self.add_to_request(target, note)
        return [Reply(T.appended(target))] + self.prompt()

    # --- answers awaited by staff ----------------------------------------------------------------------------
    async def deliver_answer(self, awaiting: Any, text: str) -> list[Reply]:
        """The person's text is the answer to a staff question (``data["awaiting"]`` set by the staff service).
        Returns nothing when the request is gone (then the text is handled as usual)."""
        ref = awaiting.get("reference") if isinstance(awaiting, dict) else str(awaiting)
        self.st.pop("awaiting", None)
        if not ref:
            return []
        text, _ = v.truncate(text, v.NEED_MAX_CHARS)
        result = await mayor_answer(self.uow, ref, text, self.actor)
        if getattr(result, "ok", True) is False:
            return []
        return [Reply(T.answer_received(ref))] + self.prompt()
