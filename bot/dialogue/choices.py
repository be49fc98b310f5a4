"""The buttons of the intake: what a pressed button (or its label typed) sets, edits or undoes.

``set:<slot>:<value>`` (``-`` = skipped), ``add:help:<k>`` / ``del:help:<k>`` / ``done:help`` (the same for themes,
``th``), ``e:<group>`` (edit from the recap; « Une autre » / « Aucune de celles-ci » for the commune), ``id:yes|no``
(the remembered person), ``fix:yes|no`` (a conflict), ``d:<offer>`` (an offer's details); « retour » asks the
previous question again. Pressing one twice is pressing it once (``restates_state``). Split from ``form.py``.
"""

from __future__ import annotations

from bot.dialogue.events import Reply
from bot.dialogue.slots import EDIT_GROUPS, SLOTS
from bot.texts import dialogue as T


class ChoicesMixin:
    # --- buttons ------------------------------------------------------------------------------------------------
    def restates_state(self, data: str) -> bool:
        """True when the button sets what is already set (a second press, an old copy): a no-op."""
        parts = data.split(":", 2)
        if len(parts) != 3:
            return False
        verb, slot, value = parts
        d = self.st.get("draft") or {}
        if verb == "set" and slot in SLOTS and slot in d:
            current = d.get("commune_code") if slot == "commune" else d.get(slot)
            return (value == "-" and current is None) or (current is not None and str(current) == value)
        if verb in ("add", "del") and slot in ("help", "th"):
            if slot == "help":
                held = self.st.get("help_sel") if self.step == "help" else d.get("help")
            else:
                held = self.st.get("theme_sel") if self.step == "themes_edit" else d.get("themes")
            if held is None:
                return False
            return (value in held) == (verb == "add")
        return False

    async def form_choice(self, data: str) -> list[Reply]:
        verb, _, rest = data.partition(":")
        slot, _, value = rest.partition(":")
        if verb == "set" and slot in SLOTS:
            return await self.set_from_button(slot, value)
        if verb in ("add", "del", "done") and slot in ("help", "th"):
            return await self.multi_choice(verb, slot, value)
        if verb == "e":
            if rest in ("menu", "full", "recap") and self.step == "recap":
                return self.recap_menu(rest)
            return await self.edit(rest)
        if verb == "id":
            self.draft["identity"] = rest == "yes"
            if rest == "yes":
                self.apply_identity()
            return await self.ask_next()
        if verb == "fix":
            c = self.st.pop("conflict", None) or {}
            if rest == "yes" and c.get("slot"):
                self.write(c["slot"], c["value"])
                return [Reply(T.corrected(T.RECAP_LABELS.get(c["slot"], c["slot"]), c.get("new") or ""))] \
                    + await self.ask_next()
            return await self.ask_next()
        if verb == "d":
            return self.offer_details(rest)
        return await self.filing_choice(data)

    async def set_from_button(self, slot: str, value: str) -> list[Reply]:
        if value == "-":
            if not SLOTS[slot].optional:
                return [Reply(T.STALE_BUTTON)] + self.prompt()
            self.write(slot, None)
            return await self.ask_next()
        if slot == "commune":
            cands = self.st.get("candidates") or []
            chosen = next((c for c in cands if c["code"] == value), None)
            if chosen is None:
                return [Reply(T.STALE_BUTTON)] + self.prompt()
            if chosen.get("outside") and self.step == "commune_pick":
                self.st["candidates"] = [chosen]
                self.goto("commune_confirm")
                return self.prompt()
            self.write_commune(chosen)
            return [Reply(T.ack([self.noted_text("commune", chosen)]))] + await self.ask_next()
        known = T.ROLES if slot == "role" else T.STAGES if slot == "stage" else {}
        if value not in known:
            return [Reply(T.STALE_BUTTON)] + self.prompt()
        self.write(slot, value)
        return await self.ask_next()

    async def multi_choice(self, verb: str, slot: str, value: str) -> list[Reply]:
        key = "help_sel" if slot == "help" else "theme_sel"
        valid = T.HELP_KINDS if slot == "help" else self.theme_ids()
        sel = list(self.st.get(key) or [])
        if verb in ("add", "del"):
            if value not in valid:
                return [Reply(T.STALE_BUTTON)] + self.prompt()
            if verb == "add" and value not in sel:
                sel.append(value)
            if verb == "del" and value in sel:
                sel.remove(value)
            self.st[key] = sel
            return self.prompt()
        if not sel:
            return [Reply(T.HELP_NEED_ONE if slot == "help" else T.THEMES_NEED_ONE)] + self.prompt()
        self.st.pop(key, None)
        if slot == "help":
            self.write("help", sel)
        else:
            order = self.theme_ids()
            self.draft["themes"] = sorted(sel, key=lambda t: order.index(t) if t in order else 99)
            self.draft["themes_confirmed"] = True
            self.draft.pop("matches", None)
        return await self.ask_next()

    async def edit(self, group: str) -> list[Reply]:
        """« Modifier … » at the recap, « Une autre » / « Aucune de celles-ci » for the commune: clear and ask again."""
        if group == "themes":
            self.st["theme_sel"] = list(self.draft.get("themes") or [])
            self.goto("themes_edit")
            return self.prompt()
        slots = EDIT_GROUPS.get(group)
        if slots is None:
            return [Reply(T.STALE_BUTTON)] + self.prompt()
        self.st.pop("candidates", None)
        self.clear(slots)
        if group == "help":
            self.st["help_sel"] = []
        if group == "commune" and self.step in ("commune_pick", "commune_confirm"):
            self.goto("commune")
            self.no_buttons()
            return [Reply(T.COMMUNE_RETRY)]
        return await self.ask_next()

    async def go_back(self) -> list[Reply]:
        """« retour »: the previous question is asked again (a slot edit, not a restart)."""
        if self.step in ("commune_pick", "commune_confirm", "conflict", "themes_edit"):
            self.st.pop("conflict", None)
            self.st.pop("candidates", None)
            return await self.ask_next()
        asked = list(self.st.get("asked") or [])
        while asked and asked[-1] == self.step:
            asked.pop()
        if not asked:
            return [Reply(T.NOTHING_BEFORE)] + self.prompt()
        last = asked.pop()
        self.st["asked"] = asked
        self.clear(EDIT_GROUPS.get(last, (last,)) if last == "commune" else (last,))
        if last == "help":
            self.st["help_sel"] = []
        return await self.ask_next()
