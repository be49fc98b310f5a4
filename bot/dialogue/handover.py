"""A person from the staff: ``/agent`` or « je veux parler à quelqu'un ».

Staff get the person's last question or message and the request context (the intake in progress, or the newest
request). Until a staff member answers (a relay or a question reaches this chat) or the person ends it (« fin »,
/fin, the button), the person's messages go to staff, and they are told so.
"""

from __future__ import annotations

import datetime as dt
from bot.dialogue import validators as v
from bot.dialogue.events import Button, Reply
from bot.staff.service import relay_to_staff
from bot.store.inbox import add_waiting
from bot.texts import dialogue as T

_END_WORDS = ("fin", "terminer", "termine", "c est tout", "merci c est tout", "fin de l echange", "reprendre",
              "est tout", "merci est tout", "fin echange")


class HandoverMixin:
    async def handoff(self, text: str | None) -> list[Reply]:
        d = self.draft if self.has_draft() else {}
        said = text or self.st.get("last_text")
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        newest = max(records, key=lambda r: r.created_at) if records else None
        # issue 26: the call lands where staff read it, in this transaction: on the person's newest open request,
        # else in the console's « Personnes en attente » (the Telegram group below is one more notice)
        opened = [r for r in records if r.is_open]
        target = max(opened, key=lambda r: r.created_at) if opened else None
        who = d.get("name") or (self.person or {}).get("name") or self.ev.user_name
        commune = d.get("commune_name") or (newest.commune_name if newest else None) \
            or (self.person or {}).get("commune_name")
        words = v.truncate(said, 3500)[0] if said else T.AGENT_CALL_NO_TEXT
        base = {"channel": self.ev.channel, "chat_id": str(self.ev.chat_id), "step": self.step}
        if target is not None:
            await self.uow.log_event(target.reference, self.actor, "agent_request", {**base, "text": words})
        else:
            await self.uow.log_event(None, self.actor, "agent_request", base)
            await add_waiting(self.uow, channel=self.ev.channel, chat_id=str(self.ev.chat_id),
                              user_id=str(self.ev.user_id), kind="agent_request", text=words, name=who,
                              commune=commune, last_reference=newest.reference if newest else None)
        lines = [T.STAFF_AGENT_TITLE]
        if who:
            lines.append(T.staff_line("Personne", who))
        if commune:
            lines.append(T.staff_line("Collectivité", commune))
        if said:
            lines.append(T.staff_line("Message", v.truncate(said, 1000)[0]))
        if d.get("need"):
            lines.append(T.staff_line("Demande en cours", v.truncate(d["need"], 500)[0]))
        elif newest is not None:
            lines.append(T.staff_line("Dernière demande", f"{newest.reference} ({T.status_words(newest.status)})"))
        meta = {"reply_channel": self.ev.channel, "reply_chat_id": str(self.ev.chat_id),
                "user_id": str(self.ev.user_id),
                # read by bot.staff.service.relay_to_mayor: a staff reply to this message goes back to this person
                "relay_to": {"channel": self.ev.channel, "chat_id": str(self.ev.chat_id),
                             "user_id": str(self.ev.user_id)}}
        key = f"agent:{self.ev.channel}:{self.ev.chat_id}:{self.ev.update_key or self.now().isoformat()}"
        await self._enqueue_staff("agent_request", "\n".join(lines), key, newest.reference if newest else None,
                                  meta=meta)
        self.st["handover"] = {"since": self.now().isoformat(),
                               "reference": target.reference if target else None}
        return [Reply(T.AGENT_DONE, self.set_end_button())] + (self.prompt() if self.in_intake() else [])

    def set_end_button(self) -> list[list[Button]]:
        # kept beside the current question's buttons: "handover:end" is valid at any step
        return [[Button(T.HANDOVER_END, "handover:end")]]

    async def staff_answered(self) -> bool:
        since = (self.st.get("handover") or {}).get("since")
        try:
            moment = dt.datetime.fromisoformat(since) if since else None
        except ValueError:
            moment = None
        if moment is None:
            return True
        return await self.uow.staff_wrote_since(self.ev.channel, str(self.ev.chat_id), moment)

    async def in_handover(self, text: str, norm: str) -> list[Reply] | None:
        """While waiting for staff, the person's messages go to them; None when the handover is over."""
        if norm in _END_WORDS:
            return await self.end_handover()
        if await self.staff_answered():
            self.st.pop("handover", None)
            return None
        h = self.st.get("handover") or {}
        d = self.draft if self.has_draft() else {}
        name = d.get("name") or (self.person or {}).get("name") or self.ev.user_name
        commune = d.get("commune_name") or (self.person or {}).get("commune_name")
        result = await relay_to_staff(self.uow, self.ev.channel, str(self.ev.chat_id), str(self.ev.user_id), text,
                                      name=name, commune=commune, reference=h.get("reference"),
                                      dedup_key=f"relay-staff:{self.ev.channel}:{self.ev.update_key}"
                                      if self.ev.update_key else None)
        if not getattr(result, "ok", False):
            return None
        return [Reply(T.RELAYED_TO_AGENT, self.set_end_button())]

    async def end_handover(self) -> list[Reply]:
        if not self.st.pop("handover", None):
            return [Reply(T.NO_HANDOVER)] + self.prompt()
        self.remember_done("handover:end")
        if self.has_draft() and not self.in_intake():
            return [Reply(T.HANDOVER_ENDED)] + await self.ask_next()
        return [Reply(T.HANDOVER_ENDED)] + self.prompt()

    def end_handover_quietly(self) -> None:
        self.st.pop("handover", None)
