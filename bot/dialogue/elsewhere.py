"""A collectivité of another département (which préfecture serves it, how to reach its ANCT delegate; filed here only
if the person asks, flagged for staff) and why no programme fits a need (issue 19, part B). Split out of
``bot/dialogue/followup.py``, whose mixin inherits this one."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.common import log_exc
from bot.dialogue.events import Button, Reply
from bot.dialogue.slots import AGENT_DATA
from bot.texts import dialogue as T
from intents.normalize import normalize

#: A cost that comes back (« 15 000 € par an », « chaque mois »): beside a reason read for running costs or pay, it
#: is one (exact: an investment is paid once)
_RECURRING = re.compile(r"\b(?:par|chaque|tous les) (?:an|annee|mois)\b|\b\d+ ?(?:k|€|euros?)? ?/ ?(?:an|mois)\b"
                        r"|\bannuel(?:le)?s?\b|\bmensuel(?:le)?s?\b")
#: An outside commune found inside a sentence scores at most ``territory.PART_ELSEWHERE`` (0.78): accepted when the
#: sentence also names its département, a postcode or says « maire de … ».
_HOME_MARGIN = 0.15
_OUTSIDE_MIN = 0.75
_OUTSIDE_CUE = re.compile(r"\(\s*(?:\d{2,3}|2[ab])\s*\)|\b\d{5}\b|\b(?:maire|mairie|commune|ville|village) d\w*\b"
                          r"|\b(?:dans|en) (?:le |la |l |les )?[a-z]")


class ElsewhereMixin:
    # --- a collectivité of another département ---------------------------------------------------------------
    def outside_place(self, text: str) -> dict[str, Any] | None:
        """A commune (or EPCI) of another département clearly named in a message, as a draft candidate."""
        try:
            res = self.kb.resolve(v.truncate(text.replace("\n", " "), v.FREE_TEXT_MAX_CHARS)[0])
        except Exception:  # noqa: BLE001
            log_exc("kb.resolve failed")
            return None
        if res is None or not res.candidates:
            return None
        best = res.candidates[0]
        home = str(self.settings.departement)
        postcode = re.fullmatch(r"\s*(\d{2})\s?(\d{3})\s*", text)
        if postcode:  # a postcode alone: the communes it serves (often several), all in one département
            return self._outside_postcode(postcode.group(1) + postcode.group(2), home)
        # the place the person says they serve (« maire de Châlonvillars, à 5 km de Belfort »): the first cued one
        # (one of this département first leaves the reading below: « maire de Fontaine (Isère) » names a homonym)
        # and only among the whole message's candidates, which heed a département said (« au Thillot dans les Vosges »)
        cued = self.reader.cued_places(text, min_score=0.95)
        if cued and cued[0].get("outside") and any(c.code == cued[0]["code"] for c in res.candidates):
            return cued[0]
        # a place of the home département near the best one's score wins (homonyms); one named in passing with a much
        # weaker score (« juste à côté de Giromagny ») does not hide the collectivité resolved elsewhere
        if str(best.departement) == home or any(str(c.departement) == home and float(c.score) >= float(best.score)
                                                - _HOME_MARGIN for c in res.candidates[:3]):
            return None
        from knowledge.territory import norm as place_norm

        # found by a code (often an amount: « 40 000 € »), not by its name; the name's article may be contracted
        # (« au Thillot », « du Russey »)
        core = re.sub(r"^(?:le|la|les|l) ", "", place_norm(best.name))
        if not re.search(r"\b" + re.escape(core) + r"\b", place_norm(text)):
            return None
        score = float(best.score)
        if res.resolved != best.code and not (score >= _OUTSIDE_MIN and len(res.candidates) == 1):
            return None
        if score < 0.95 and not _OUTSIDE_CUE.search(normalize(text)):
            return None
        from knowledge.lexicon import is_project_word

        if is_project_word(text):
            return None  # « Pont. » typed alone is the project's word before a commune of the Côte-d'Or
        c = self.reader.candidate(best.code, fallback=best)
        return c if c and c.get("outside") else None

    def _outside_postcode(self, code: str, home: str) -> dict[str, Any] | None:
        places = []
        try:
            territory = self.kb.territory
            places = [p for p in (territory.place(c) for c in territory._postal.get(code, ())) if p is not None]
        except Exception:  # noqa: BLE001
            places = []
        deps = {str(p.departement) for p in places}
        if len(deps) != 1 or home in deps:
            return None
        if len(places) == 1:
            c = self.reader.candidate(places[0].code)
            return c if c and c.get("outside") else None
        return {"code": "", "name": T.postcode_label(code), "kind": "postcode", "departement": deps.pop(),
                "outside": True}

    def outside_text(self, c: dict[str, Any]) -> str:
        """Who serves a collectivité of another département: its préfecture, the ANCT's delegate, how to reach them."""
        from knowledge.elsewhere import serving

        s = serving(str(c.get("departement") or ""), getattr(self.kb, "territory", None))
        home = str(self.settings.departement)
        try:
            home = self.kb.territory.departement_name(home) or home
        except Exception:  # noqa: BLE001
            pass
        parts = [T.outside_notice(c.get("name") or "", s.departement, s.name, home)]
        where = T.outside_prefecture(s.prefecture_town, s.site)
        if where:
            parts.append(where)
        if s.contacts:
            lines = [T.outside_contact_line(k.service, k.function, k.phone, k.email) for k in s.contacts[:3]]
            parts.append(T.outside_contacts(lines, s.source, fmt_iso(s.source_date)))
        return "\n\n".join(parts)

    def outside_reply(self, c: dict[str, Any], text: str) -> list[Reply]:
        self.st["outside"] = {"candidate": c, "text": v.truncate(text, v.NEED_MAX_CHARS)[0]}
        self.goto("menu")
        rows = self.set_buttons([[Button(T.OUTSIDE_FILE_ANYWAY, "out:file:" + c["code"])],
                                 [Button(T.OUTSIDE_NO_THANKS, "out:no")]])
        return [Reply(self.outside_text(c)), Reply(T.OUTSIDE_CHOICE, rows)]

    async def outside_choice(self, rest: str) -> list[Reply]:
        pending = self.st.pop("outside", None) or {}
        if not rest.startswith("file:") or not pending:
            return self.menu(T.OUTSIDE_OK + "\n\n" + T.MENU_PROMPT)
        c = pending.get("candidate") or {}
        text = pending.get("text") or ""
        facts = self.reader.read(text, None, {}) if text else None
        values = {k: val for k, val in (facts.values.items() if facts else ()) if k not in ("help_add", "commune")}
        if c.get("code"):
            values["commune"] = dict(c, outside=False)  # already confirmed here; its département stays in the draft
        return await self.start_intake(values, text)

    async def flag_outside(self, record: Any) -> str | None:
        """A request filed for a collectivité of another département: an event staff see, and the line for them."""
        d = self.draft
        dep = str(d.get("departement") or "")
        if not dep or dep == str(self.settings.departement):
            return None
        await self.uow.log_event(record.reference, self.actor, "outside_area",
                                 {"departement": dep, "commune": d.get("commune_name"),
                                  "home": str(self.settings.departement)})
        return T.staff_outside(d.get("commune_name") or "", dep)

    # --- no programme fits --------------------------------------------------------------------------------------
    def no_fit_reading(self, text: str = "") -> Any:
        """(reason, sure) for what this person asks (``text``, else the need and the intake's messages), or None."""
        from knowledge.redirect import Redirects

        said = text or "\n".join([self.draft.get("need") or ""] + list(self.st.get("transcript") or []))
        if not said.strip():
            return None
        try:
            return Redirects.load().no_fit(said)
        except Exception:  # noqa: BLE001
            log_exc("no-fit reasons unavailable")
            return None

    def no_fit_lines(self) -> list[str]:
        """Why nothing fits (when the guichet can tell), and what the person may do."""
        found = self.no_fit_reading()
        return ([T.no_fit_why(found[0].text)] if found else []) + [T.NO_FIT_CHOICE]

    def no_fit_stands(self, text: str, need: str) -> Any:
        """The reason no programme fits ``text`` (its pointer), when it stands: a sure reading, or the matcher unsure
        of ``need`` (the programmes found on the topic's words are then no answer); None otherwise."""
        found = self.no_fit_reading(text or need)
        if found is None:
            return None
        why, sure = found
        sure = sure or bool(_RECURRING.search(normalize((text or need)[:3000])))
        if not sure and need:
            try:
                outcome = self.kb.match_with_confidence(need, None, limit=3)  # the need alone, not the place's lists
            except Exception:  # noqa: BLE001
                log_exc("no-fit check failed")
                return None
            if outcome.results and not outcome.unsure:
                return None
        return why

    def no_fit_early(self, text: str = "") -> list[Reply] | None:
        """A need the programmes do not fund, said in the first words (an event, running costs…): why, at once, with
        the choice to go on with the request or to talk to a person (the draft is kept). Read on the whole message
        (``text``): the need distilled may have left the reason in a question or a help clause (« existe-t-il une
        aide pour payer le salaire d'une remplaçante ? »)."""
        if self.draft.get("no_fit_told"):
            return None  # told once for this draft (« continuer quand même » goes on)
        why = self.no_fit_stands(text, self.draft.get("need") or "")
        if why is None:
            return None
        self.draft["no_fit_told"] = True
        self.goto("menu")
        rows = self.set_buttons([[Button(T.NO_FIT_GO_ON, "m:file")], self.no_fit_button()])
        return [Reply(T.no_fit_why(why.text) + "\n\n" + T.NO_FIT_CHOICE, rows)]

    def no_fit_button(self) -> list[Button]:
        return [Button(T.FAQ_ASK_AGENT, AGENT_DATA)]


def fmt_iso(date: str | None) -> str | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else None
