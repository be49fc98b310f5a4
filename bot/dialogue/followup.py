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
from bot.dialogue.events import Button, Reply
from bot.dialogue.slots import AGENT_DATA, INTAKE_STEPS
from bot.dialogue.understand import act_gate
from bot.texts import dialogue as T
from intents.normalize import normalize

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
#: A cost that comes back (« 15 000 € par an », « chaque mois »): beside a reason read for running costs or pay, it
#: is one (exact: an investment is paid once)
_RECURRING = re.compile(r"\b(?:par|chaque|tous les) (?:an|annee|mois)\b|\b\d+ ?(?:k|€|euros?)? ?/ ?(?:an|mois)\b"
                        r"|\bannuel(?:le)?s?\b|\bmensuel(?:le)?s?\b")
#: The steps of a draft just opened, where nothing of a project may have been said yet
_FRESH_STEPS = ("identity", "commune", "commune_pick", "commune_confirm", "role", "need")
#: The words of adding lead the message (« je voudrais ajouter que … »): looked for in its first characters only
_ADDITION_LEAD = 60
#: Adding news, not an object: « ajouter que … », « préciser que … », « j'ai oublié de dire que … »
_ADDING_NEWS = re.compile(r"\b(?:r?ajout\w*|precis\w*|complet\w*|signal\w*|oubli\w* de \w+)\s+(?:que|qu)\b")
_SENTENCES = re.compile(r"(?<=[.!?:])\s+|\n+")
_PARTS = re.compile(r"\s*[,;()]\s*")  # the parts of a sentence, for naming a filed project
#: An outside commune found inside a sentence scores at most ``territory.PART_ELSEWHERE`` (0.78): accepted when the
#: sentence also names its département, a postcode or says « maire de … ».
_HOME_MARGIN = 0.15
_OUTSIDE_MIN = 0.75
_OUTSIDE_CUE = re.compile(r"\(\s*(?:\d{2,3}|2[ab])\s*\)|\b\d{5}\b|\b(?:maire|mairie|commune|ville|village) d\w*\b"
                          r"|\b(?:dans|en) (?:le |la |l |les )?[a-z]")


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


class FollowupMixin:
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
        if act is None and act_step == "after_filing" and not building and _to_the_request(text):
            act, sure = "addition", True  # « pourriez-vous l'ajouter au dossier ? »: said in so many words
        if building and act != "status" and await self._adds_to_filed(text):
            # « je voudrais ajouter que le conseil a voté le projet » typed at a new request's first questions
            # (« 1 » tapped twice at the menu after filing): the fresh draft holds nothing said; the words go to the
            # filed request, never into a new one
            self.drop_draft()
            self.goto("menu")
            return await self.addition(text, sure=True)
        if act == "status":
            return await self.status_reply() + self.prompt()
        if act == "addition" and not building:
            return await self.addition(text, sure=sure, named=named)
        if act == "off_topic" and not building:
            return self.off_topic_reply(text)
        if act == "thanks" and not building:
            return self.prompt_menu_with(T.THANKS_REPLY)  # « merci, c'est tout ce que je voulais savoir »
        return None

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
