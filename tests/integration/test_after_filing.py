"""Issue 19 (part B) through the real engine and store: an addition with several open requests asks which one
(buttons) and is recorded there only; a request filed for another département carries an ``outside_area`` event;
a status question answers in every idle step, and mid-intake too, then the question again."""

from __future__ import annotations

import pytest

from bot.dialogue.stories import CHANNEL, StoryRunner


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture
def engine(kb, store):
    from bot.config import load_settings
    from bot.dialogue.engine import Engine

    return Engine(kb=kb, store=store, settings=load_settings(departement="90", flood_max_messages=10_000,
                                                                staff_chat_id=-1001))


def _file(commune: str, need: str, first: bool) -> list[dict]:
    steps = [{"command": "/demande"}]
    steps += [{"press": "Oui, c'est moi"}] if not first else []
    steps += [{"say": commune}] + ([{"press": "Maire"}] if first else [])
    steps += [{"say": need}, {"press": "Idée"}, {"press": "Financement"}, {"press": "Valider"},
              {"press": "Passer"}, {"press": "Passer"}]
    steps += [{"say": "Jean Morel"}, {"say": "0612345678"}] if first else []
    steps += [{"press": "Envoyer la demande", "expect": ["Votre référence"]}]
    return steps


async def test_addition_with_several_requests_asks_which_one(engine, store) -> None:
    story = {"name": "two requests", "user": "maire-delle", "steps": (
        _file("Delle", "Nous voulons rénover la toiture de l'église du village", True)
        + _file("Delle", "Nous voulons créer une maison de santé dans l'ancienne poste", False)
        + [{"say": "j'ai oublié de préciser que la toiture est classée monument historique",
            "expect": ["À quelle demande"], "expect_requests": 2},
           {"press": "90-2026-0001", "expect": ["C'est ajouté à la demande 90-2026-0001"], "expect_requests": 2}])}
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise
    async with store.unit() as uow:
        first = [e.kind for e in await uow.history("90-2026-0001")]
        second = [e.kind for e in await uow.history("90-2026-0002")]
    assert first.count("appended") == 1 and "appended" not in second


async def test_status_mid_intake_then_the_question_again(engine, store) -> None:
    story = {"name": "status mid-intake", "user": "maire-chaux", "steps": (
        _file("Chaux", "Nous voulons rénover l'école et isoler la salle des fêtes", True)
        + [{"command": "/demande"}, {"press": "Oui, c'est moi"}, {"say": "Chaux"},
           {"say": "où en est ma demande ?", "expect": ["Vos demandes, où elles en sont", "90-2026-0001"],
            "expect_step": "need", "expect_requests": 1}])}
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise


async def test_outside_request_is_flagged_for_staff(engine, store) -> None:
    story = {"name": "outside", "user": "maire-pontarlier", "steps": [
        {"say": "Je suis maire de Pontarlier (25), on veut rénover la salle des fêtes",
         "expect": ["hors du périmètre"], "expect_requests": 0},
        {"press": "Déposer ici quand même"}, {"press": "Étude"}, {"press": "Financement"}, {"press": "Valider"},
        {"press": "Passer"}, {"press": "Passer"}, {"say": "Jean Morel"}, {"say": "0612345678"},
        {"press": "Envoyer la demande", "expect": ["Votre référence"], "expect_requests": 1}]}
    runner = StoryRunner(engine, store)
    await runner.run(story)
    async with store.unit() as uow:
        records = await uow.list_requests(channel=CHANNEL, user_id="maire-pontarlier")
        events = await uow.history(records[0].reference)
    flagged = [e for e in events if e.kind == "outside_area"]
    assert flagged and flagged[0].data["departement"] == "25" and flagged[0].data["commune"] == "Pontarlier"


async def test_addition_offers_the_request_it_is_about_first(engine, store) -> None:
    """Several open requests: the one whose need is closest in meaning to the addition comes first (here the older
    one), and each button names its project, not only the commune both share."""
    story = {"name": "two requests, the older one named", "user": "maire-delle-2", "steps": (
        _file("Delle", "Nous voulons rénover la toiture de l'église du village", True)
        + _file("Delle", "Nous voulons créer une maison de santé dans l'ancienne poste", False)
        + [{"say": "pour l'église, j'ai oublié de préciser que la toiture est classée monument historique",
            "expect": ["À quelle demande"], "expect_requests": 2}])}
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise
    buttons = [b for r in runner.last["maire-delle-2"] for row in r.buttons for b in row]
    assert [b.data for b in buttons][:2] == ["ar:90-2026-0001", "ar:90-2026-0002"]
    assert "toiture" in buttons[0].label.lower() and "maison" in buttons[1].label.lower()


async def test_addition_typed_at_a_new_requests_first_question_goes_to_the_filed_one(engine, store) -> None:
    """« 1 » tapped twice after filing opens a new request; « je voudrais ajouter que … » typed at its first question
    is an addition to the filed request, not the new one's need; « ajouter une aire de jeux » is a project."""
    story = {"name": "addition in a fresh draft", "user": "maire-meziere", "steps": (
        _file("Méziré", "Nous voulons rénover la salle polyvalente", True)
        + [{"command": "/demande", "expect": ["Toujours Jean Morel"]},
           {"say": "je voudrais ajouter que le conseil municipal a voté le projet",
            "expect": ["C'est ajouté à la demande 90-2026-0001"], "expect_requests": 1},
           {"command": "/demande"},
           {"say": "je voudrais ajouter une aire de jeux à côté de l'école",
            "expect": ["aire de jeux"], "expect_requests": 1}])}
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise
    async with store.unit() as uow:
        events = await uow.history("90-2026-0001")
        conv = await uow.get_conversation(CHANNEL, "maire-meziere")
    appended = [e for e in events if e.kind == "appended"]
    assert len(appended) == 1 and "conseil municipal a voté" in str(appended[0].data)
    assert "aire de jeux" in (conv.data.get("draft") or {}).get("need", "")


async def test_a_letter_asking_how_a_request_stands_and_a_personal_tax_mid_request(engine, store) -> None:
    """« me renseigner sur l'avancement de notre demande » in a polite letter gives the status; « ma taxe foncière »
    typed at the need's question is pointed to impots.gouv.fr, nothing filed, the question again."""
    story = {"name": "letter and tax", "user": "agent-bessoncourt", "steps": (
        _file("Bessoncourt", "Nous voulons créer un columbarium au cimetière communal", True)
        + [{"say": "Bonjour Madame, Monsieur, Monsieur le Maire me charge de me renseigner sur l'avancement de notre "
                   "demande concernant le columbarium. Je vous remercie par avance. Bien cordialement.",
            "expect": ["Vos demandes, où elles en sont", "90-2026-0001"], "expect_requests": 1},
           {"command": "/demande"}, {"press": "Oui, c'est moi"}, {"say": "Bessoncourt"},
           {"say": "c'est perso, pas pour la commune : ma taxe foncière a pris 40 % cette année, à qui je dois "
                   "m'adresser ?",
            "expect": ["impots.gouv.fr", "Décrivez votre projet"], "expect_step": "need", "expect_requests": 1}])}
    runner = StoryRunner(engine, store)
    try:
        await runner.run(story)
    except AssertionError:
        print("\n".join(runner.transcript))
        raise
