"""The person remembered from an earlier request (table ``people``), offered back in one tap: « Toujours Marie
Dupont, maire (Chaux) ? » (step ``identity``, buttons ``id:yes`` / ``id:no``).

A name typed instead of a tap answers the question too: the remembered name (« oui » in other words) takes the
remembered identity; another name is a new person, whose name is kept and whose other details are asked. Facts
typed with it (a phone number, an e-mail address) are newer than the remembered ones and kept.
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.events import Button, Reply
from bot.texts import dialogue as T
from intents.normalize import normalize


class IdentityMixin:
    def identity_pending(self) -> bool:
        p = self.person
        if not p or not p.get("name") or not self.has_draft() or "identity" in self.draft:
            return False
        return any(k not in self.draft for k in ("name", "phone", "role"))

    def apply_identity(self) -> None:
        p = self.person or {}
        d = self.draft
        for key in ("name", "phone", "email", "role"):
            if key not in d and p.get(key):
                d[key] = p[key]
        if "phone" not in d and d.get("email"):
            d["phone"] = None
        if "commune" not in d and p.get("commune_code"):
            c = self.reader.candidate(p["commune_code"])
            if c is not None:
                self.write_commune(c)

    def prompt_identity(self) -> list[Reply]:
        p = self.person or {}
        commune = None if self.draft.get("commune_code") else p.get("commune_name")
        text = T.identity_question(p.get("name") or "", T.ROLES.get(p.get("role") or "", ""), commune)
        rows = [[Button(T.IDENTITY_YES, "id:yes"), Button(T.IDENTITY_NO, "id:no")]]
        return [Reply(text, self.set_buttons(rows))]

    async def identity_typed(self, values: dict[str, Any], text: str) -> list[Reply]:
        """A name typed at the identity question (with, maybe, other facts)."""
        remembered = (self.person or {}).get("name") or ""
        same = normalize(str(values["name"])) == normalize(remembered)
        self.draft["identity"] = same
        noted: list[str] = []
        if same:
            values.pop("name")
            for key in ("phone", "email", "role"):  # typed now: newer than what was remembered
                if key in values:
                    self.write(key, values.pop(key))
                    noted.append(self.noted_text(key, self.draft[key]))
            self.apply_identity()
        out = [Reply(T.ack(noted))] if noted else []
        values = {k: val for k, val in values.items()  # what the draft already says is not news
                  if k == "help_add" or self.shown_value(k) != self.value_text(k, val)}
        if not values:
            self.note_message(text)
            return out + await self.ask_next()
        # the identity question is answered: what else the message says is read as by the form
        self.no_buttons()
        return out + await self.fill(values, asked=None, text=text)
