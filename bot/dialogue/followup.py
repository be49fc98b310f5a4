"""What a person says beyond the intake (issue 19, part B): where their filed requests stand, an addition to a filed
request, a collectivité of another département, a personal procedure that is not for this guichet, and why no
programme fits a need.

The kind of message is read in ONE place, :func:`read_act`: the understanding's classifier of kinds of message
(``intents.acts.classify``, issue 18) when it is there, else an interim reading (the intent classifier's « status »,
an exact « ajouter/compléter » rule, the off-topic data's topics). The rest never looks at words.

Buttons: ``ar:<reference>`` (the request an addition goes to), ``out:file:<code>`` / ``out:no`` (a collectivité of
another département: file here anyway, flagged for staff, or not). They arrive through ``filing_choice``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.common import fmt_date, log_exc
from bot.dialogue.elsewhere import ElsewhereMixin
from bot.dialogue.events import Button, Reply
from bot.dialogue.slots import INTAKE_STEPS
from bot.dialogue.understand import act_gate
from bot.texts import dialogue as T
from intents.normalize import normalize
from intents.status_asked import asked_objects, asks_after

log = logging.getLogger(__name__)

#: The kinds of message this module acts on (« thanks » only outside a request being made).
ACTS = ("status", "addition", "off_topic", "thanks")
#: Confidence the classifier of kinds of message must reach for us to act (when it does not say it is unsure) …
MIN_CONFIDENCE = 0.55
#: … or how far ahead of the second kind its best kind must be, above a floor (outside a request being made).
MARGIN = 0.15
FLOOR = 0.4
#: Steps where the person is building a request (an addition there belongs to the draft, not to a filed request).
DRAFT_STEPS = tuple(INTAKE_STEPS) + ("recap", "duplicate", "conflict", "identity", "commune_pick", "commune_confirm",
                                     "themes_edit")
STATUS_SHOWN = 5
#: The act reader's gates (``understand.act_gate``; fitted by ``scripts/fit_acts.py``, ``GATES`` there, and shipped in
#: ``intents/data/acts_params.json``: the lowest confidence such that that kind's out-of-fold readings at or above it
#: are right at the precision stated). They replace the hand-set ADDITION_SURE = 0.9 and OFF_TOPIC_SURE = 0.9, set on
#: the readings of an optimiser stopped short of convergence.
#: - ``act_gate("addition")``, 98.5 %: an « addition » read from this confidence goes to the filed request even when it
#:   describes a project without « ajouter / compléter » (« pour notre demande, le devis a changé : 83 000 € »); below
#:   it, a project described is read as a new request (a new project taken for an addition would be lost in an old
#:   request's file).
#: - ``act_gate("off_topic")``, 99 %: « off_topic » is acted on alone from this confidence (a refusal: a project taken
#:   for a private procedure is turned away); below it (short first-person requests such as « je voudrais refaire la
#:   toiture de la salle des fêtes » may fall there) the off-topic data must name the procedure.
#: - ``act_gate("status")``, 97.5 %: « status » is acted on alone from this confidence (a wrong one answers « vous
#:   n'avez pas encore de demande » to someone describing a project: « chauffage eglise en panne » read 0.32 and
#:   « travaux finis et payés, est-ce encore possible ? » 0.61 once the fit converged, with ``unsure_below`` at 0.24);
#:   below it, the intent classifier must read « status » too. Only where the person has no filed request (the
#:   ``after_filing`` step reads its requests: a below-gate « status » there shows them, as before).
#: An explicit « ajouter / compléter / oublié de dire / préciser » (the rule ``filing.about_a_request`` uses with a
#: reference): the interim reading without the classifier, and what tells an addition from a new project described.
_ADDITION_RULE = re.compile(r"\b(?:ajout\w*|rajout\w*|complet(?:er|e|ez)\b|complement\w*|oubli\w* de (?:dire|preciser|mentionner)"
                            r"|precis\w*)")
#: A sentence names a filed project at this similarity (the sentence encoder): on the dev stories with a filed
#: request, the sentences read as additions that name it (« Pour le mur de soutènement de la rue de l'Église : »)
#: score 0.91–0.94, those of a new project or of the news alone 0.79–0.83.
NAMES_FILED = 0.9
#: the act reader puts « off_topic » first this surely, read as a message of its own, for a personal procedure typed
#: in a request to be one (with the off-topic data naming it: two readings agree)
PROCEDURE_FIRST = 0.6
PROCEDURE_MAX_CHARS = 600
#: The steps of a draft just opened, where nothing of a project may have been said yet
_FRESH_STEPS = ("identity", "commune", "commune_pick", "commune_confirm", "role", "need")
#: The words of adding lead the message (« je voudrais ajouter que … »): looked for in its first characters only
_ADDITION_LEAD = 60
#: Adding news, not an object: « ajouter que … », « préciser que … », « j'ai oublié de dire que … »
_ADDING_NEWS = re.compile(r"\b(?:r?ajout\w*|precis\w*|complet\w*|signal\w*|oubli\w* de \w+)\s+(?:que|qu)\b")
_SENTENCES = re.compile(r"(?<=[.!?:])\s+|\n+")
_PARTS = re.compile(r"\s*[,;()]\s*")  # the parts of a sentence, for naming a filed project
_ABOUT = re.compile(r"(?i)\b(?:pour|sur|concernant|au sujet d(?:u|e la|e l['’]|es)|[àa] propos d(?:u|e la|e l['’]|es))\s+"
                    r"((?:le|la|les|l['’]|notre|nos|du|des)\s*[^,;:.!?()]{3,60})")


async def read_act(text: str, step: str | None, vocabulary: Any = None, building: bool = False,
                   confidence_out: list[float] | None = None) -> str | None:
    """« status », « addition », « off_topic » or None: the one place where this module reads a kind of message.

    With the classifier of kinds of message (issue 18): its best kind, when it is one of ours and either confident
    (``unsure_below``) or, outside a request being made (``building``), clearly ahead of the second (``MARGIN``, above
    ``FLOOR``). When it is unsure, the intent classifier's « status » or a personal procedure named by the off-topic
    data (passport, carte grise…) decide. Without the classifier: the interim reading."""
    try:
        from intents.acts import aclassify as classify_act  # issue 18: off the event loop (the encoder)
    except ImportError:
        classify_act = None
    if classify_act is None:
        return _interim_act(text, vocabulary)
    try:
        reading = await classify_act(text, step=step)
        ranked = list(getattr(reading, "ranked", None) or [])
        act, confidence = getattr(reading, "act", None), float(getattr(reading, "confidence", 0.0))
        second = float(ranked[1][1]) if len(ranked) > 1 else 0.0
        if confidence_out is not None:
            confidence_out.append(confidence)
        unsure = bool(getattr(reading, "unsure", confidence < MIN_CONFIDENCE))
    except Exception:  # noqa: BLE001
        log_exc("intents.acts.classify failed")
        return _interim_act(text, vocabulary)
    # off_topic and status are acted on alone only from their fitted gates (a refusal, or « vous n'avez pas de
    # demande » to someone describing a project); below it, a second opinion: the off-topic data must name the
    # procedure, the intent classifier must read « status » too
    # (status: where the person has no filed request, the one place its error answers « vous n'avez pas encore de
    # demande » to a project; after a filing, « Où en est le bassin de rétention de Beaucourt ? Les riverains… »
    # reads status 0.49 against new_request 0.48, and the requests shown are what was asked)
    below_gate = (act == "off_topic" or (act == "status" and step != "after_filing")) and confidence < act_gate(act)
    if below_gate:
        unsure = True
    if act in ACTS and not below_gate and (
            not unsure or (not building and confidence >= FLOOR and confidence - second >= MARGIN)):
        return act
    if unsure and not building and act not in ("new_request", "correction", "place_question"):
        # the classifier hesitates: the intent classifier's « status », or a personal procedure the off-topic data
        # names (passport, carte grise, retirement…) said without a project
        from intents.classify import classify

        from knowledge.redirect import Redirects

        intent = classify(text, vocabulary)
        if intent.name == "status" and (float(intent.confidence) >= 0.8 or act == "status"):
            return "status"  # the intent classifier is sure, or both readings put « status » first
        if Redirects.load().topic(text) is not None and (intent.name != "need" or act == "off_topic"):
            # a personal procedure the data names, and either not a project for the older reader or off-topic
            # first for the learned one (« je voudrais changer ma chaudière… pour ma maison ? »)
            return "off_topic"
    return None


async def _addition_by_sentence(text: str, filed: list[str]) -> int | None:
    """A message of several sentences to someone with open requests (``filed``: their needs), which the act reader
    puts first as an addition without being sure (a greeting, what changed on the project, then « pouvez-vous mettre à
    jour notre demande ? »): it is one when one of its sentences reads as an addition at ``act_gate("addition")`` and
    names a filed project (``NAMES_FILED``). A new project told after « rien à voir avec le chemin rural » names none.
    Returns the index in ``filed`` of the project named (the closest, when a part names several), else None."""
    if not filed:
        return None
    try:
        import numpy as np

        from intents.acts import aclassify
        from intents.encoder import aencode
        from intents.signature import reading_text

        whole = await aclassify(text, step="after_filing")
        if getattr(whole, "act", None) != "addition":
            return None
        pieces = [p for p in _SENTENCES.split(reading_text(text)) if p.strip()]
        # a piece ending in « : » heads the one after it (« Pour notre demande sur la toiture de l'école : le couvreur
        # a actualisé son devis… »): the project is named in the heading, the news told after it
        headed = [(p, pieces[i - 1] if i and pieces[i - 1].rstrip().endswith(":") else "")
                  for i, p in enumerate(pieces) if len(p.split()) >= 4]
        if len(headed) < 2:
            return None
        needs: list[Any] | None = None  # the filed needs' vectors, once a sentence reads as an addition
        for sentence, heading in headed[:8]:
            reading = await aclassify(sentence, step="after_filing")
            if reading.act != "addition" or float(reading.confidence) < act_gate("addition"):
                continue
            if needs is None:
                needs = [await aencode(v.truncate(need, 500)[0] or ".") for need in filed]
            # the sentence, one of its parts or its heading names a filed project (« Pour le dossier des fenêtres de
            # l'école (pas le chemin), pouvez-vous noter que … » names it in its first part, diluted in the whole)
            parts = [sentence] + [p for p in _PARTS.split(sentence) if len(p.split()) >= 3][:6]
            # (« Un élément que j'ai oublié pour le city stade : »: what it is for, after « pour »)
            parts += [m.group(1) for m in _ABOUT.finditer(sentence) if len(m.group(1).split()) >= 2][:3]
            if heading:
                parts += [heading.rstrip(" :")] + [p.rstrip(" :") for p in _PARTS.split(heading)
                                                    if len(p.split()) >= 3][:6]
            vecs = [vec for vec in [await aencode(p) for p in parts] if vec is not None]
            best: tuple[float, int] | None = None
            for i, other in enumerate(needs):
                sim = max((float(np.dot(vec, other)) for vec in vecs), default=0.0) if other is not None else 0.0
                if sim >= NAMES_FILED and (best is None or sim > best[0]):
                    best = (sim, i)
            if best is not None:
                return best[1]
    except Exception:  # noqa: BLE001 - a reading that fails leaves the message to the usual path
        log_exc("reading an addition sentence by sentence failed")
    return None


#: how a filed request stands, asked in so many words (« l'avancement de notre demande », « où en est le dossier »,
#: « le suivi de ma demande »): exact
_STATUS_RULE = re.compile(r"\b(?:avancement|etat d avancement|ou en est|ou en sont|suivi|nouvelles|point sur)"
                          r" (?:de |du |d |des )?(?:notre |ma |mon |nos |mes |la |le |les |cette |ce )?"
                          r"(?:demandes?|dossiers?)\b")
#: « … l'ajouter au dossier », « à compléter dans notre demande »: the words of adding, and the filed request named
#: as such (exact; the act reader may put the news first as a new request)
_TO_REQUEST = re.compile(r"\b(?:au|a notre|a la|dans notre|dans le|dans la|sur notre|sur le|notre|le|la) "
                         r"(?:dossier|demande)(?: deja (?:deposee?|envoyee?))?\b")


def _to_the_request(text: str) -> bool:
    norm = normalize(text[:1500])
    return bool(_ADDITION_RULE.search(norm) and _TO_REQUEST.search(norm))


def _describes_project(text: str) -> bool:
    from bot.dialogue.understand import Reader

    return Reader.is_need(text)


def _interim_act(text: str, vocabulary: Any) -> str | None:
    from intents.classify import classify

    from knowledge.redirect import Redirects

    norm = normalize(text[:300])
    intent = classify(text, vocabulary)
    if intent.name == "status" and float(intent.confidence) >= 0.8:
        return "status"
    if _ADDITION_RULE.search(norm):
        return "addition"
    if Redirects.load().topic(text) is not None:
        return "off_topic"
    return None


async def _personal_procedure(text: str) -> bool:
    """A personal procedure (a tax, a passport…) typed in the middle of a request (« c'est perso, pas pour la
    commune : ma taxe foncière a pris 40 % ») : read as a message of its own (the question on screen asks for the
    project, and would make it one), off-topic first for the act reader, and named by the off-topic data."""
    if len(text) > PROCEDURE_MAX_CHARS:
        return False  # (a personal procedure is asked in a few lines; a letter is a request)
    try:
        from intents.acts import aclassify

        from knowledge.redirect import Redirects

        reading = await aclassify(text, step="start")
        if reading.act != "off_topic" or float(reading.confidence) < PROCEDURE_FIRST:
            return False
        return Redirects.load().topic(text) is not None  # (a second reading: the data names the procedure)
    except Exception:  # noqa: BLE001 - without the readers the words stay with the request
        log_exc("reading a personal procedure in a request failed")
        return False


async def _closest_first(text: str, records: list[Any]) -> list[Any]:
    """The open requests, the one whose need is closest in meaning to the message first (the latest first among
    equals, and as they are without the encoder): the buttons of « À quelle demande ajoutez-vous cela ? »."""
    try:
        import numpy as np

        from intents.encoder import aencode

        message = await aencode(text[:2000])
        if message is None:
            return records
        sims = []
        for r in records:
            vec = await aencode(v.truncate(r.description or "", 500)[0] or ".")
            sims.append(float(np.dot(message, vec)) if vec is not None else -1.0)
    except Exception:  # noqa: BLE001 - the order is a convenience, never a failure
        log_exc("ranking the open requests failed")
        return records
    order = sorted(range(len(records)), key=lambda i: -sims[i])  # stable: the latest first among equals
    return [records[i] for i in order]


class FollowupMixin(ElsewhereMixin):
    # --- entry: a typed message, at any step -------------------------------------------------------------------
    async def followup(self, text: str) -> list[Reply] | None:
        """Status, addition to a filed request or off-topic; None when the message is none of these."""
        step = self.step
        building = step in DRAFT_STEPS
        confidence: list[float] = []
        act_step = await self.act_step(building)
        if building and self._fresh_draft() and await self.uow.list_requests(channel=self.ev.channel,
                                                                             user_id=str(self.ev.user_id)):
            # a draft just opened by someone with filed requests (« Toujours Roger Bidaux ? »): « où en est le
            # dossier chaudière de l'école » speaks of a filed one, read as after a filing
            act_step = "after_filing"
        act = await read_act(text, act_step, getattr(self.engine, "_vocabulary", None), building, confidence)
        sure = bool(confidence) and confidence[0] >= act_gate("addition")
        named: Any = None  # the open request the message names, when it names one
        if act in (None, "addition") and not sure and act_step == "after_filing" and not building:
            records = await self.open_requests()
            index = await _addition_by_sentence(text, [r.description or "" for r in records])
            if index is not None:
                act, sure, named = "addition", True, records[index]
        if act in (None, "addition") and act_step == "after_filing" and _STATUS_RULE.search(normalize(text[:1500])):
            act = "status"  # « me renseigner sur l'avancement de notre demande concernant le columbarium »
        if act not in ("status", "off_topic") and act_step == "after_filing" \
                and (not building or self._fresh_draft()) and await self._asks_after_filed(text):
            act = "status"  # « un point rapide sur la piscine svp »: how a filed project stands, named by its words
        if act is None and act_step == "after_filing" and not building and _to_the_request(text):
            act, sure = "addition", True  # « pourriez-vous l'ajouter au dossier ? »: said in so many words
        if building and act != "status" and await self._adds_to_filed(text):
            # « je voudrais ajouter que le conseil a voté le projet » typed at a new request's first questions
            # (« 1 » tapped twice at the menu after filing): the fresh draft holds nothing said; the words go to the
            # filed request, never into a new one
            self.drop_draft()
            self.goto("menu")
            return await self.addition(text, sure=True)
        if building and act != "status" and await _personal_procedure(text):
            return self.off_topic_reply(text)  # the question asked again after the pointer (nothing filed)
        if act == "status":
            return await self.status_reply() + self.prompt()
        if act == "addition" and not building:
            return await self.addition(text, sure=sure, named=named)
        if act == "off_topic" and not building:
            return self.off_topic_reply(text)
        if act == "thanks" and not building:
            return self.prompt_menu_with(T.THANKS_REPLY)  # « merci, c'est tout ce que je voulais savoir »
        return None

    async def _asks_after_filed(self, text: str) -> bool:
        """The message asks how one of the person's filed projects stands, naming it (``intents.status_asked``)."""
        if not asked_objects(text):
            return False  # no words of asking how something stands: no filed request read
        try:
            records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        except Exception:  # noqa: BLE001
            log_exc("list_requests failed")
            return False
        return asks_after(text, [r.description or "" for r in records]) is not None

    def _fresh_draft(self) -> bool:
        """A draft just opened: at one of its first questions, nothing of a project said in it yet."""
        return self.step in _FRESH_STEPS and not self.draft.get("need") and not self.st.get("need_partial")

    async def _adds_to_filed(self, text: str) -> bool:
        """A draft just opened (nothing of a project said in it yet), words that open by adding (« je voudrais
        ajouter que … ») and read as an addition after a filing, and an open request to take them."""
        if not self._fresh_draft():
            return False
        if not (_ADDING_NEWS.search(normalize(text[:_ADDITION_LEAD])) or _to_the_request(text)):
            return False  # « je voudrais ajouter une aire de jeux » is a project: adding news is « ajouter que »
        try:
            from intents.acts import aclassify

            reading = await aclassify(text, step="after_filing")
        except Exception:  # noqa: BLE001 - without the reader the words stay with the draft
            log_exc("reading an addition in a fresh draft failed")
            return False
        if reading.act != "addition" or float(reading.confidence) < act_gate("addition"):
            return False
        return bool(await self.open_requests())

    async def act_step(self, building: bool) -> str:
        """What the guichet had just asked or shown, in the classifier's words (DATA-FORMATS.md §1)."""
        if building:
            return {"recap": "recap", "duplicate": "recap", "identity": "name", "commune_pick": "commune",
                    "commune_confirm": "commune", "conflict": "recap", "themes_edit": "recap"}.get(self.step, self.step)
        if self.st.get("filed"):
            return "after_filing"
        try:
            if await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id)):
                return "after_filing"
        except Exception:  # noqa: BLE001
            log_exc("list_requests failed")
        return "after_answer" if self.step == "question" else "start"

    # --- status of the person's requests ----------------------------------------------------------------------
    async def status_reply(self) -> list[Reply]:
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        if not records:
            return [Reply(T.STATUS_NONE + "\n" + T.STATUS_NONE_HINT)]
        records = sorted(records, key=lambda r: r.created_at, reverse=True)
        lines = [T.STATUS_TITLE]
        for r in records[:STATUS_SHOWN]:
            lines.append(T.status_line(r.reference, fmt_date(r.created_at, self.settings.timezone), r.commune_name,
                                       v.truncate(r.description or "", 80)[0], self._state_words(r),
                                       await self._handler(r)))
        if len(records) > STATUS_SHOWN:
            lines.append(T.STATUS_MORE.format(n=len(records) - STATUS_SHOWN))
        return [Reply("\n".join(lines))]

    def _state_words(self, record: Any) -> str:
        operator = getattr(record, "operator", None)
        if operator:
            try:
                from bot.staff import names

                operator = names.current().operator(operator)
            except Exception:  # noqa: BLE001
                pass
        return T.status_words(record.status, operator)

    async def _handler(self, record: Any) -> str:
        agent_id = getattr(record, "assigned_agent_id", None)
        if agent_id:
            try:
                agent = await self.uow.get_agent(int(agent_id))
                if agent is not None and agent.name:
                    return T.status_handler_agent(agent.name)
            except Exception:  # noqa: BLE001
                log_exc("agent lookup failed")
        if record.status == "nouvelle" and not getattr(record, "assigned_to", None):
            return T.STATUS_HANDLER_NOBODY
        return T.STATUS_HANDLER_TEAM

    # --- an addition to a filed request -------------------------------------------------------------------------
    async def open_requests(self) -> list[Any]:
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        return sorted((r for r in records if r.is_open), key=lambda r: r.created_at, reverse=True)

    async def addition(self, text: str, sure: bool = False, named: Any = None) -> list[Reply] | None:
        """Add the words to a filed request: the one the message names (``named``, one of the open requests), the only
        open one, or the one the person picks (buttons, the closest first)."""
        records = await self.open_requests()
        if not records:
            every = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
            if not every:
                return None  # nothing filed yet: the words are read as usual (maybe a new project)
            return [Reply(T.ADDITION_NONE)] + self.prompt()
        if not sure and _describes_project(text) and not _ADDITION_RULE.search(normalize(text[:300])):
            # « on voudrait aussi refaire l'éclairage… »: a project described without saying it adds to a filed
            # one is read as a new request (the duplicate check offers to add it when it is the same project)
            return None
        note = v.truncate(text.strip(), v.NEED_MAX_CHARS)[0]
        if not v.meaningful_words(note):
            return [Reply(T.ADDITION_EMPTY)] + self.prompt()
        if named is not None and any(r.reference == named.reference for r in records):
            records = [named]  # « pour le dossier des fenêtres (pas le chemin), … »: not asked again
        if len(records) == 1:
            await self.add_to_request(records[0].reference, note)
            return [Reply(T.appended(records[0].reference))] + self.prompt()
        self.st["addition"] = note
        records = await _closest_first(text, records[:5])
        rows = [[Button(T.addition_button(r.reference, r.commune_name, r.description), "ar:" + r.reference)]
                for r in records]
        self.goto("menu")
        return [Reply(T.ADDITION_WHICH, self.set_buttons(rows))]

    async def addition_choice(self, ref: str) -> list[Reply]:
        note = self.st.pop("addition", None)
        record = await self.own_request(ref)
        if record is None or not note:
            return [Reply(T.STALE_BUTTON)] + self.menu()
        await self.add_to_request(ref, note)
        return self.menu(T.appended(ref) + "\n\n" + T.MENU_PROMPT)

    # --- off-topic ------------------------------------------------------------------------------------------------
    def off_topic_reply(self, text: str) -> list[Reply]:
        from knowledge.redirect import Redirects

        r = Redirects.load()
        out = [Reply(T.off_topic(r.pointer(text).text, r.guichet))]
        return out + (self.prompt() if self.in_intake() else self.prompt_menu())
