"""What the conversation was about carries over (issue 19).

After a question about a programme, the programme and the object of the question are kept (``data["topic"]``):

* a follow-up question that names no programme (« et ça marche pour une école ? ») is answered about that programme;
* « je veux faire une demande pour ça » starts a request whose need carries the object of the question and the
  programme (« une école (programme : DSIL) »), or, when the question named no project, the programme is added to
  the need once the person describes it;
* a question the FAQ cannot answer but that describes a project (« quelles aides pour une friche ? ») gets the
  programmes that may fit and a button to file a request for it, never the handover offer for ordinary words;
* a message whose kind is unclear gets one short question with buttons (« Vous souhaitez : … »).
"""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.common import log_exc
from bot.dialogue.events import Button, Reply
from bot.dialogue.slots import AGENT_DATA
from bot.texts import dialogue as T
from intents.distill import distill_need
from intents.need import clean_need, question_object
from intents.normalize import normalize

#: Button data: file a request for what the last question was about.
TOPIC_FILE = "ctx:file"
#: A reference back to what was just discussed (« pour ça », « en bénéficier », « y candidater »).
_BACK_REFERENCE = re.compile(
    r"\b(?:pour|de|sur|avec|a)\s+(?:ca|cela|ceci|ce programme|ce dispositif|cette aide|cette subvention|ce fonds|"
    r"cette dotation|celui ci|celle ci|celui la|celle la|ce type de projet)\b|"
    r"\b(?:en beneficier|y candidater|y postuler|y pretendre|y avoir droit|le demander|la demander|le solliciter|"
    r"la solliciter|y aller|on y va|je me lance|on se lance)\b"
)
#: A follow-up question: it refers back (« et ça marche pour une école ? », « est-il ouvert aux EPCI ? »).
_FOLLOW_UP = re.compile(r"^(?:et|mais|aussi|alors|donc|sinon)\b|\b(?:ca|cela|ce programme|ce dispositif|cette aide|"
                        r"ce fonds|cette dotation|il|elle|ils|elles|celui ci|celle ci|y|en)\b")
#: The facts about the person a question may carry and a request that follows it keeps (``keep_person``).
PERSON_FACTS = ("commune", "role", "name", "phone", "email")
#: Matches shown for a question the FAQ does not answer: at most this many, above this score.
MATCHES_SHOWN = 3
MATCH_MIN_SCORE = 0.35


#: an unclear message is kept as the need of a request started right after it when « new_request » is among its
#: first readings this many, with at least this share
UNCLEAR_RANKS = 3
UNCLEAR_REQUEST_SHARE = 0.15

class ContextMixin:
    #: the message just before, left unclear (set by the turn, for the next message only)
    unclear_before: str | None = None

    # --- remembering -----------------------------------------------------------------------------------------------
    def programme_name(self, programme: str | None) -> str | None:
        if not programme:
            return None
        try:
            offer = self.kb.offers.get(programme)
        except Exception:  # noqa: BLE001
            offer = None
        return getattr(offer, "name", None) or programme

    def remember_topic(self, question: str, programme: str | None, obj: str | None = None,
                       place: str | None = None) -> None:
        """The last question and what it was about (the programme kept when a follow-up names none; the collectivité
        the answer was about, « une commune comme Auxelles-Haut peut en bénéficier ? »)."""
        topic = dict(self.st.get("topic") or {})
        if programme:
            if programme != topic.get("programme"):
                topic = {}
            topic["programme"] = programme
        if not place:  # « c'est quoi le Fonds vert ? Bourogne peut en bénéficier ? »
            try:
                named = self.reader.commune_any(question)
            except Exception:  # noqa: BLE001
                named = None
            place = (named or {}).get("code")
        if place:
            topic["place"] = str(place)
        name = self.programme_name(topic.get("programme"))
        names = tuple(n for n in (name, topic.get("programme")) if n)
        found = obj or question_object(question, names)
        if found:
            topic["object"] = v.truncate(found, 300)[0]
        topic["question"] = v.truncate(question, 300)[0]
        self.st["topic"] = topic

    def keep_person(self, facts: dict[str, Any]) -> None:
        """Who the person says they are in a question that is answered (« DGS du Grand Belfort. Ce guichet est-il
        ouvert aux intercommunalités ? »): their role, contact and, with the role, their collectivité, kept for the
        request that follows (``with_person``). A place named without saying who one is stays the topic's."""
        said = {k: val for k, val in facts.items() if k in PERSON_FACTS and val}
        place = said.get("commune")
        if place is not None and (place.get("outside") or "role" not in said):
            said.pop("commune")
        if said:
            self.st["said"] = {**(self.st.get("said") or {}), **said}

    def with_person(self, facts: dict[str, Any] | None) -> dict[str, Any]:
        """The facts a request starts with, and what the person said of themself in an earlier question (what the
        message says first); used once."""
        said = self.st.pop("said", None) or {}
        return {**said, **(facts or {})}

    def names_programme(self, text: str) -> bool:
        norm = f" {normalize(text)} "
        for term in self.engine._vocabulary or ():
            t = normalize(str(term))
            if t and f" {t} " in norm:
                return True
        return False

    # --- answering in context ------------------------------------------------------------------------------------
    def faq_in_context(self, text: str) -> Any:
        """The FAQ's answer; a follow-up that names no programme is read about the programme just discussed."""
        programme = (self.st.get("topic") or {}).get("programme")
        act = self.act_of(text)
        if programme and not self.names_programme(text) and _FOLLOW_UP.search(normalize(text)) \
                and not (act.act == "off_topic" and act.confidence >= 0.5):
            name = self.programme_name(programme) or programme
            ans = self.faq_about(text, programme, name)
            if ans is not None and getattr(ans, "programme", None) in (programme, None):
                return ans
        return self.faq(text)

    def faq_about(self, text: str, programme: str, name: str) -> Any:
        """The FAQ's answer to ``text`` about ``programme`` (issue 18's context argument when the knowledge base
        takes it; else the question is read with the programme's name)."""
        code = (self.st.get("draft") or {}).get("commune_code") or (self.person or {}).get("commune_code")
        try:
            follow_up = getattr(self.kb, "follow_up", None)
            if follow_up is not None:  # issue 18: about that programme and the object of the follow-up
                return follow_up(text[:1000], programme, commune_code=code)
            answer = getattr(self.kb, "answer", None)
            return answer(f"{name} : {text[:1000]}", commune_code=code) if answer is not None else None
        except Exception:  # noqa: BLE001
            log_exc("kb.follow_up failed")
            return None

    def unanswered(self, text: str) -> list[Reply]:
        """A question the FAQ cannot answer: the programmes that may fit what it describes, with a button to file
        a request for it; the handover offer only for a real question that matches nothing."""
        code = (self.st.get("draft") or {}).get("commune_code") or (self.person or {}).get("commune_code")
        matches: list[Any] = []
        obj = question_object(text) or (clean_need(text) if self.reader.is_need(text) else None)
        if obj and not self.in_intake():  # in an intake, the request is being made already
            try:
                matches = [m for m in self.kb.match(obj, commune_code=code, limit=MATCHES_SHOWN)
                           if float(m.score) >= MATCH_MIN_SCORE]
            except Exception:  # noqa: BLE001
                log_exc("kb.match failed")
        if matches:
            self.remember_topic(text, None, obj)
            lines = [T.CONTEXT_MATCHES_INTRO]
            lines += [T.offer_line(i + 1, m.name, (m.reasons or [None])[0], (m.warnings or [None])[0])
                      for i, m in enumerate(matches)]
            lines.append(T.CONTEXT_MATCHES_OUTRO)
            rows = [[Button(T.CONTEXT_FILE, TOPIC_FILE)], [Button(T.MENU_QUESTION, "m:question")]]
            return [Reply("\n".join(lines), self.set_buttons(rows))]
        act = self.act_of(text)
        if self.in_intake() or act.act in ("question", "place_question") or text.rstrip().endswith("?"):
            return [Reply(T.FAQ_UNSURE, [[Button(T.FAQ_ASK_AGENT, AGENT_DATA)]])]
        if self.step == "question":  # in question mode: say so, and the question mode goes on
            return [Reply(T.QUESTION_NOT_UNDERSTOOD)]
        self.keep_unclear(text)  # (« passer en led », near an answer of the FAQ but none)
        return self.clarify_kind()

    async def unclear(self, text: str) -> list[Reply]:
        """A message outside an intake that no rule placed: a project in a few words (« toit mairie a refaire »,
        read so by the act reader) starts a request with it as the need; anything else gets one short question."""
        if self.has_draft() and not self.draft.get("name"):
            name = self.reader.typed_name(text)
            if name:  # « julien bailly » after « continuer ou parler à un agent » : the draft's contact, kept
                return [Reply(self.resume_line())] + await self.fill({"name": name}, asked=None, text=text)
        act = self.act_of(text)
        if act.act == "new_request" and act.confidence >= 0.6 and len(v.meaningful_words(text)) >= 2 \
                and not self.is_question(text):
            return await self.start_intake({"need": v.truncate(text, v.NEED_MAX_CHARS)[0]}, text)
        self.keep_unclear(text)
        return self.clarify_kind()

    def keep_unclear(self, text: str) -> None:
        """Keep an unclear message as the need of a request started right after it, when it may be a project in a
        few words (« chauffage eglise en panne »; then « phaffans », the « Déposer » button: not asked again)."""
        # a project typed a few words a message (« eclairage public », then « passer en led »): the fragment just
        # before, left unclear too, is read with this one, and kept with it (a fragment the readers take for a
        # question, without its « ? », too: « passer en led »)
        # (one word goes on with the fragment before: « mur du cimetiere », then « il tombe »)
        before = self.unclear_before
        if len(v.meaningful_words(text)) < (1 if before else 2) or text.rstrip().endswith("?") \
                or (not before and self.is_question(text)):
            return
        said = f"{before.rstrip(' .,;')}, {text}" if before else text  # (one sentence's parts)
        act = self.act_of(said)
        if any(kind == "new_request" and share >= UNCLEAR_REQUEST_SHARE for kind, share in act.ranked[:UNCLEAR_RANKS]):
            self.st["unclear_said"] = v.truncate(said, v.NEED_MAX_CHARS)[0]

    def clarify_kind(self) -> list[Reply]:
        """One short question with buttons when the kind of a message is unclear."""
        self.goto("menu")
        file_label = T.RESUME_BUTTON if self.has_draft() else T.CLARIFY_FILE
        rows = self.set_buttons([[Button(file_label, "m:file")], [Button(T.CLARIFY_QUESTION, "m:question")],
                                 [Button(T.MENU_TRACK, "m:track")]])
        return [Reply(T.CLARIFY_KIND, rows)]

    # --- a request that follows a question -------------------------------------------------------------------------
    def refers_back(self, text: str) -> bool:
        return bool(self.st.get("topic")) and bool(_BACK_REFERENCE.search(normalize(text)))

    async def request_from_topic(self, text: str) -> list[Reply] | None:
        """« je veux faire une demande pour ça » after a question: a request whose need carries what the question
        was about. ``None`` when the message does not refer back to a question, or is itself a question."""
        if self.in_intake() or not self.refers_back(text):
            return None
        act = self.act_of(text, "after_answer")  # it follows the answer that set the topic
        if act.act in ("question", "place_question", "status", "handover", "off_topic") and act.confidence >= 0.6:
            return None
        if act.act not in ("new_request", "yes", "addition") and not re.search(r"\b(?:demande|deposer|dossier)\b",
                                                                               normalize(text)):
            return None
        return await self.start_from_topic(text)

    async def start_from_topic(self, text: str = "") -> list[Reply]:
        topic = self.st.get("topic") or {}
        name = self.programme_name(topic.get("programme"))
        obj = topic.get("object")
        facts: dict[str, Any] = {}
        said_need = None
        if text:
            read = self.reader.read(text, None, {}, is_question=False)
            facts = {k: val for k, val in read.values.items() if k not in ("help_add", "need")}
            said_need = read.values.get("need")
        self.new_draft()
        if name:
            self.draft["context_programme"] = name
        said = distill_need(said_need) if said_need else ""
        if said_need and len(v.meaningful_words(said)) >= 2:
            facts["need"] = said_need  # « une demande pour ça : transformer l'ancienne école… »: the project said now
            if obj and not set(v.meaningful_words(obj)) & set(v.meaningful_words(said)):
                # « une demande pour ça, on a 62 points lumineux à changer » after a question about the LED
                # lighting: « ça » is what the question was about, the words said now add to it
                facts["need"] = f"{obj}, {said}"
        elif obj:
            facts["need"] = T.request_from_question(obj, name)
        if "commune" not in facts and topic.get("place"):
            place = self.topic_place(str(topic["place"]))
            if place is not None:
                facts["commune"] = place
        self.st.pop("topic", None)
        facts = self.with_person(facts)
        if facts:
            return await self.fill(facts, asked=None, text=text or obj or "")
        return await self.ask_next()

    def topic_place(self, code: str) -> dict[str, Any] | None:
        """The collectivité a question was about, for the request that follows it: not when the person is known
        with another one (theirs is asked about through the identity step)."""
        known = (self.person or {}).get("commune_code")
        if known and known != code:
            return None
        c = self.reader.candidate(code)
        return c if c and not c.get("outside") else None

    def need_with_programme(self, need: str) -> str:
        """The need written with the programme the request followed from, when it does not name it already."""
        name = self.draft.get("context_programme")
        if not name or normalize(name) in normalize(need):
            return need
        return f"{need} (programme : {name})"
