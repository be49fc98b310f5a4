"""Everything around the intake: welcome, menu, listening outside an intake, questions, my requests, my data,
cancel and erase confirmations."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.common import fmt_date, log_exc, render_personal_data
from bot.dialogue.events import Button, Reply
from bot.dialogue.followup import FollowupMixin
from bot.dialogue.slots import AGENT_DATA
from bot.store import retention
from bot.texts import dialogue as T
from bot.dialogue.understand import _PROJECT_CUE as PROJECT_CUE
from intents.classify import classify
from intents.distill import distill_need
from intents.normalize import normalize
from intents.project_said import only_about_oneself, project_clauses, some_project


#: the person says there is no project yet, only a question (exact)
_NO_PROJECT = re.compile(r"\b(?:pas (?:encore )?(?:de|d) projets?|aucun projet|(?:veux|voudrais|souhaite|cherche) "
                         r"(?:juste|seulement|simplement) (?:comprendre|savoir|me renseigner)|simple question|"
                         r"juste une question)\b")


class FlowsMixin(FollowupMixin):
    # --- welcome and menu -----------------------------------------------------------------------------------------
    def welcome_line(self) -> str:
        name = (self.person or {}).get("name")
        if name:
            return T.welcome_back(name)
        return T.welcome(self.settings.controller) if self.first_contact else T.GREETING_AGAIN

    def welcome(self) -> list[Reply]:
        """Greeting (by name when known) and the menu; an unfinished intake is recalled instead."""
        if self.has_draft():
            return [Reply(self.welcome_line() + "\n\n" + T.UNFINISHED)] + self.resume_buttons()
        return [Reply(self.welcome_line())] + self.menu()

    def resume_buttons(self) -> list[Reply]:
        self.goto("menu")
        rows = self.set_buttons([[Button(T.RESUME_BUTTON, "m:file")], [Button(T.MENU_QUESTION, "m:question")],
                                 [Button(T.MENU_TRACK, "m:track")]])
        return [Reply(T.MENU_PROMPT, rows)]

    def menu(self, text: str = T.MENU_PROMPT) -> list[Reply]:
        self.goto("menu")
        buttons = self.set_buttons([[Button(T.MENU_FILE, "m:file")], [Button(T.MENU_QUESTION, "m:question")],
                                    [Button(T.MENU_TRACK, "m:track")]])
        return [Reply(text, buttons)]

    def prompt_start(self) -> list[Reply]:
        return self.menu()

    def prompt_menu(self) -> list[Reply]:
        if self.has_draft():
            return self.resume_buttons()
        return self.menu()

    def privacy_full(self) -> str:
        s = self.settings
        return T.privacy_full(s.controller, s.controller_contact, s.privacy_url, s.retention_closed_months,
                              s.retention_unfinished_days)

    async def menu_choice(self, what: str) -> list[Reply]:
        if what == "file":
            return await self.start_or_resume_intake()
        if what == "question":
            return self.question_mode()
        if what == "track":
            return await self.my_requests()
        return self.menu()

    async def listen(self, text: str, norm: str) -> list[Reply]:
        """A message outside an intake: a project starts one with what it says; a question is answered."""
        if self.is_greeting(text):
            return self.welcome()
        outside = self.outside_place(text)  # issue 19: a collectivité of another département is told who serves it
        if outside is not None:
            return self.outside_reply(outside, text)
        question = self.is_question(text)
        facts = self.reader.read(text, None, {}, is_question=question)
        intake_facts = {k: val for k, val in facts.values.items() if k != "help_add"}
        introduced = bool({"role", "commune"} & set(intake_facts))
        # who one is said, then only context and the question (« nouveau maire de Leval. C'est quoi la différence
        # entre la DETR et la DSIL ? »): no clause is read as a project (the need distiller's labels), so no need;
        # said without a question, only who one is and the place (« maire de Bretagne. Pas la région : le village
        # de 320 habitants »), not a project said as its stage or the help asked (« les travaux du clocher ont
        # démarré, on a besoin d'aide »)
        told = introduced and (not some_project(text) if question
                               else "need" in intake_facts and only_about_oneself(text))
        if told:
            intake_facts.pop("need", None)
        if question and introduced and not told and self.reader.is_need(text):
            intake_facts["need"] = v.truncate(text, v.NEED_MAX_CHARS)[0]  # « maire de Chaux, comment financer… ? »
        # the figures of a project (its stage, its budget) are said to make a request, not to ask a question
        # (the idea's stage is no figure: « je n'ai pas encore de projet précis, je veux juste comprendre »)
        figures = "budget" in intake_facts or intake_facts.get("stage") not in (None, "idee")
        # « je n'ai pas encore de projet précis, je veux juste comprendre »: said in so many words, a question only
        no_project = bool(_NO_PROJECT.search(normalize(text[:2000]))) and not figures
        if question and ("role" not in intake_facts or no_project or (self.asks_of_programme(text) and not figures)) \
                and self.names_programme(text) and self.faq(text) is not None:
            # « est-ce que le Fonds vert finance encore l'éclairage public ? C'est pour Banvillars »: a question about
            # a programme, by nobody saying who they are, is answered (its topic and place kept for « une demande
            # pour ça »); a mayor who says so and describes a project is making a request, unless the project is
            # only what the question asks of the programme (« adjointe à Vézelois. Simple question : est-ce que le
            # Fonds vert peut financer le passage de l'éclairage public en LED ? »), or tells its stage or budget
            # (« DGS de la CCST. … bus France services itinérant — est-ce labellisable ? Stade de l'idée, 180 000 € »)
            self.keep_person(intake_facts)
            return await self.answer_question(text, reprompt=True)
        # a question is answered, unless it describes a project and says more (« maire de Chaux, comment financer… ? »)
        if intake_facts and (not question or ("need" in intake_facts and len(intake_facts) >= 2)):
            if self.has_draft():
                return [Reply(self.resume_line())] + await self.fill(intake_facts, asked=None, text=text)
            replies = await self.start_intake(intake_facts, text)
            early = self.no_fit_early(text)  # issue 19: a need the programmes do not fund, said at once
            return self.programme_asked(text) + (replies[:-1] + early if early else replies)
        if question and not self.has_draft() and self.no_fit_stands(text, distill_need(text)) is not None:
            # « y a-t-il une aide pour payer le déneigement chaque année ? »: a question about what no programme
            # funds is told why, what was said kept for a request if the person goes on
            replies = await self.start_intake(dict(intake_facts, need=v.truncate(text, v.NEED_MAX_CHARS)[0]), text)
            early = self.no_fit_early(text)
            return replies[:-1] + early if early else replies
        if question:
            self.keep_person(intake_facts)  # « DGS du Grand Belfort. Est-ce ouvert aux EPCI ? »: for what follows
            return await self.answer_question(text, reprompt=True)
        if re.search(r"\b(mes demandes|ma demande|suivi|suivre|ou en est)\b", norm):
            return await self.my_requests()
        if re.search(r"\b(deposer|demande|projet|besoin|aide|accompagnement)\b", norm):
            need = distill_need(text)  # « besoin d'aides pr renover le gymnase »: a project after the help asked
            if not self.has_draft() and need != text.strip() and len(v.meaningful_words(need)) >= 2 \
                    and PROJECT_CUE.search(normalize(need)):
                return await self.start_intake({"need": v.truncate(text, v.NEED_MAX_CHARS)[0]}, text)
            return await self.start_or_resume_intake()
        intent = classify(text, self.engine._vocabulary)
        if intent.name in ("yes", "no") and self.has_draft():
            return [Reply(self.resume_line())] + await self.ask_next()
        if self.faq(text) is not None:  # issue 10: « qui contacter à la préfecture » is not phrased as a question
            # (« cloches eglise en panne »: answered about churches, and kept as the need of a request that follows)
            self.keep_unclear(text)
            return await self.answer_question(text, reprompt=True)
        return await self.unclear(text)  # issue 19: a project in few words, or one short question

    def programme_asked(self, text: str) -> list[Reply]:
        """A question about a programme asked inside a request (« … Le programme Avenir montagnes pourrait-il nous
        concerner ? Nous n'en sommes qu'à l'idée. »): answered first, then the request goes on."""
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text[:3000]):
            if sentence.rstrip().endswith("?") and self.names_programme(sentence):
                ans = self.faq(sentence)
                if ans is not None and getattr(ans, "programme", None):
                    self.remember_topic(sentence, getattr(ans, "programme", None), place=getattr(ans, "place", None))
                    return [Reply(T.faq_answer(ans.text, str(ans.source)))]
        return []

    def asks_of_programme(self, text: str) -> bool:
        """Every clause of ``text`` read as the project (the need distiller's labels) is asked of a programme it
        names (« est-ce que le Fonds vert peut financer le passage de l'éclairage public en LED ? »): a question
        about what the programme funds, not a project described (« Nous voulons rénover l'église. La DETR peut-elle
        aider ? »)."""
        parts = project_clauses(text)
        return bool(parts) and all(asked and self.names_programme(words) for words, asked in parts)

    # --- questions --------------------------------------------------------------------------------------------------
    def question_mode(self) -> list[Reply]:
        self.goto("question")
        return self.prompt()

    def prompt_question(self, again: bool = False) -> list[Reply]:
        file_label = T.RESUME_BUTTON if self.has_draft() else T.MENU_FILE
        rows = self.set_buttons([[Button(file_label, "m:file")], [Button(T.MENU_TRACK, "m:track")],
                                 [Button(T.MENU_BACK, "m:menu")]])
        return [Reply(T.QUESTION_MODE_NEXT if again else T.QUESTION_MODE_PROMPT, rows)]

    def faq(self, text: str) -> Any:
        try:
            code = (self.st.get("draft") or {}).get("commune_code") or (self.person or {}).get("commune_code")
            return self.kb.answer(text[:1000], commune_code=code)  # issue 10: answers about the person's place
        except Exception:  # noqa: BLE001
            log_exc("kb.answer failed")
            return None

    async def answer_question(self, text: str, reprompt: bool) -> list[Reply]:
        ans = self.faq_in_context(text)
        if ans is not None or self.is_question(text):
            self.st["last_text"] = v.truncate(text, 1000)[0]  # for a handover that follows
        if ans is None:
            out = self.unanswered(text)  # issue 19: the programmes that may fit, or one short question
            if out[-1].buttons and out[-1].text != T.FAQ_UNSURE:
                return out  # its own buttons (file a request for it, or which kind of message this is)
        else:
            self.remember_topic(text, getattr(ans, "programme", None),  # issue 19: context for what follows
                                place=getattr(ans, "place", None))
            out = [Reply(T.faq_answer(ans.text, str(ans.source)))]
        if reprompt:
            out += self.prompt(again=True) if self.step == "question" else self.prompt()
        return out

    # --- cancel and erase -----------------------------------------------------------------------------------------
    def ask_cancel(self) -> list[Reply]:
        if not self.has_draft():
            return [Reply(T.NOTHING_TO_CANCEL)] + self.prompt()
        if self.step not in ("cancel_confirm", "erase_confirm"):
            self.st["prev_step"] = self.step
        self.goto("cancel_confirm")
        return self.prompt()

    def prompt_cancel_confirm(self) -> list[Reply]:
        rows = self.set_buttons([[Button(T.CANCEL_YES, "x:yes"), Button(T.CANCEL_NO, "x:no")]])
        return [Reply(T.CANCEL_CONFIRM, rows)]

    def prompt_erase_confirm(self) -> list[Reply]:
        rows = self.set_buttons([[Button(T.ERASE_YES, "x:yes"), Button(T.ERASE_NO, "x:no")]])
        return [Reply(T.ERASE_CONFIRM, rows)]

    async def confirm_choice(self, data: str) -> list[Reply]:
        self.remember_done(data)
        prev = self.st.pop("prev_step", None) or "menu"
        if self.step == "erase_confirm":
            if data != "x:yes":
                self.goto(prev)
                return [Reply(T.ERASE_KEPT)] + self.prompt()
            await self.erase()
            await self.drop_kept_files()  # issue 20: files not yet with a request go with the person's data
            self.st.clear()
            self.person = None
            return self.menu(T.ERASED + "\n\n" + T.MENU_PROMPT)
        if data == "x:yes":
            self.drop_draft()
            await self.drop_kept_files()  # issue 20: the cancelled intake's files are not kept for another one
            return self.menu(T.CANCELLED + "\n\n" + T.MENU_PROMPT)
        self.goto(prev)
        return self.prompt()

    # --- my requests and my data --------------------------------------------------------------------------------
    async def my_requests(self) -> list[Reply]:
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id))
        self.goto("menu")
        if not records:
            return self.prompt_menu_with(T.MY_REQUESTS_NONE)
        lines = [T.MY_REQUESTS_TITLE]
        for r in sorted(records, key=lambda r: r.created_at, reverse=True)[:20]:
            lines.append(T.my_request_line(r.reference, fmt_date(r.created_at, self.settings.timezone),
                                           r.commune_name, T.status_words(r.status, getattr(r, "operator", None))))
        return [Reply("\n".join(lines))] + self.prompt_menu()

    def prompt_menu_with(self, text: str) -> list[Reply]:
        replies = self.prompt_menu()
        replies[0].text = text + "\n\n" + replies[0].text
        return replies

    async def my_data(self) -> list[Reply]:
        data = await retention.personal_data(self.uow, self.ev.channel, str(self.ev.user_id))
        has_any = any(data.get(k) for k in ("requests", "conversations", "events", "person"))
        text = render_personal_data(data) if has_any else ""
        if not text:
            return [Reply(T.MY_DATA_NONE)] + self.prompt()
        text, _ = v.truncate(text, 3800)
        return [Reply(T.MY_DATA_TITLE + "\n\n" + text)] + self.prompt()

    async def erase(self) -> None:
        await retention.erase_personal_data(self.uow, self.ev.channel, str(self.ev.user_id))
        await self.uow.log_event(None, self.actor, "personal_data_erased", {"channel": self.ev.channel})
