"""The inbox: scope per role, filters, search, saved views with counts, paging, names not codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import WebEnv, text_of


async def test_inbox_lists_with_names(web: WebEnv, login_as) -> None:
    r1 = await web.new_request(commune_code="90052", commune_name="Giromagny", epci_code="200069060",
                               themes=["sante"])
    c = await login_as("prefecture")
    page = await c.get("/console/")
    body = text_of(page)
    assert page.status_code == 200 and r1.reference in body
    assert "Giromagny" in body and "CC des Vosges du Sud" in body and "Santé" in body
    assert '<input class="fr-input" type="search"' in page.text
    assert "Aucun filtre" in body


async def test_search_folds_accents_and_needs_every_word(web: WebEnv, login_as) -> None:
    a = await web.new_request(commune_name="Évette-Salbert", description="Rénovation de l'école maternelle")
    b = await web.new_request(commune_name="Giromagny", description="Maison de santé")
    c = await login_as("prefecture")
    for q, present, absent in [("evette", a, b), ("ÉCOLE", a, b), ("sante giromagny", b, a),
                               (b.reference, b, a), ("ecole giromagny", None, a)]:
        body = text_of(await c.get("/console/", params={"q": q}))
        if present is not None:
            assert present.reference in body, q
        assert absent.reference not in body, q
        assert "Filtres actifs" in body and f"« {q} »" in body
    # hostile input never breaks the page
    for q in ("%", "_", "\\", "'; drop table request; --", "a" * 500, "\x00"):
        assert (await c.get("/console/", params={"q": q})).status_code == 200


async def test_filters(web: WebEnv, login_as) -> None:
    a = await web.new_request(commune_code="90052", commune_name="Giromagny", epci_code="200069060",
                              themes=["sante"])
    b = await web.new_request(commune_code="90010", commune_name="Belfort", epci_code="200069052",
                              themes=["mobilite"])
    svc = web.guichet.staff
    await svc.route(b.reference, "ademe", "test", "Test")
    c = await login_as("prefecture")

    async def refs(**params: str) -> set[str]:
        body = text_of(await c.get("/console/", params=params))
        return {r for r in (a.reference, b.reference) if r in body}

    assert await refs() == {a.reference, b.reference}
    assert await refs(statut="nouvelle") == {a.reference}
    assert await refs(statut="orientee") == {b.reference}
    assert await refs(statut="ouvertes") == {a.reference, b.reference}
    assert await refs(statut="closes") == set()
    assert await refs(theme="sante") == {a.reference}
    assert await refs(epci="200069052") == {b.reference}
    assert await refs(commune="90052") == {a.reference}
    assert await refs(operateur="ademe") == {b.reference}
    assert await refs(suivi="personne") == {a.reference, b.reference}
    # age and inactivity: b was acted on (routed) now; a is 10 days old, untouched
    from bot.store.tables import request_t, utcnow

    async with web.guichet.store.unit() as uow:
        await uow.conn.execute(request_t.update().where(request_t.c.reference == a.reference)
                               .values(created_at=utcnow() - timedelta(days=14)))  # late even across holidays
    assert await refs(age="7") == {a.reference}
    assert await refs(age="30") == set()
    assert await refs(inactif="7") == {a.reference}
    assert await refs(inactif="3", statut="orientee") == set()
    # unknown values are ignored, not errors
    assert await refs(statut="zzz", operateur="nasa", suivi="x", tri="?", page="-4", age="5",
                      inactif="-1") == {a.reference, b.reference}


async def test_saved_views_and_counts(web: WebEnv) -> None:
    from bot.store.tables import request_t, utcnow

    me = await web.new_agent("prefecture", name="Moi Même")
    other = await web.new_agent("prefecture", name="Autre Agent")
    mine = await web.new_request(commune_name="Giromagny")
    theirs = await web.new_request(commune_name="Belfort")
    free = await web.new_request(commune_name="Danjoutin")
    late = await web.new_request(commune_name="Delle")
    svc = web.guichet.staff
    await svc.take_charge(mine.reference, f"console:{me.id}", me.name, agent_id=me.id)
    await svc.take_charge(theirs.reference, f"console:{other.id}", other.name, agent_id=other.id)
    async with web.guichet.store.unit() as uow:
        await uow.conn.execute(request_t.update().where(request_t.c.reference == late.reference)
                               .values(created_at=utcnow() - timedelta(days=14)))  # late even across holidays
    c = await web.login(me)
    page = text_of(await c.get("/console/"))
    assert "Non assignées (2)" in page and "Mes demandes (1)" in page and "En retard (1)" in page
    assert "Orientées vers mon opérateur" not in page  # a préfecture agent has no operator

    # an htmx refresh of the results: the same rows, without recounting the views (not swapped in)
    partial = text_of(await c.get("/console/", params={"vue": "mes-demandes"}, headers={"HX-Request": "true"}))
    assert 'id="resultats"' in partial and mine.reference in partial and "Mes demandes (" not in partial

    async def view(v: str) -> set[str]:
        body = text_of(await c.get("/console/", params={"vue": v}))
        assert "Vue : " in body
        return {r.reference for r in (mine, theirs, free, late) if r.reference in body}

    assert await view("non-assignees") == {free.reference, late.reference}
    assert await view("mes-demandes") == {mine.reference}
    assert await view("en-retard") == {late.reference}


async def test_operator_sees_only_routed_requests(web: WebEnv, login_as) -> None:
    a = await web.new_request(commune_name="Giromagny")
    b = await web.new_request(commune_name="Belfort")
    await web.guichet.staff.route(a.reference, "ademe", "test", "Test")
    await web.guichet.staff.route(b.reference, "anah", "test", "Test")
    c = await login_as("operateur", "ademe")
    body = text_of(await c.get("/console/"))
    assert a.reference in body and b.reference not in body
    assert "Orientées vers mon opérateur (1)" in body
    # filters cannot widen the scope
    body = text_of(await c.get("/console/", params={"operateur": "anah"}))
    assert b.reference not in body and "0 demandes" in body
    body = text_of(await c.get("/console/", params={"q": b.reference}))
    assert b.reference not in body.split("Filtres actifs")[1].split("«")[0] and "0 demandes" in body


async def test_paging(web: WebEnv, login_as) -> None:
    from bot.console.queries import PAGE_SIZE

    refs = [(await web.new_request(commune_name=f"Commune {i}")).reference for i in range(PAGE_SIZE + 3)]
    c = await login_as("prefecture")
    first = text_of(await c.get("/console/"))
    assert refs[-1] in first and refs[0] not in first and "Page 1 sur 2" in first
    second = text_of(await c.get("/console/", params={"page": "2"}))
    assert refs[0] in second and refs[-1] not in second and "Page 2 sur 2" in second
    beyond = text_of(await c.get("/console/", params={"page": "99"}))
    assert "Page 2 sur 2" in beyond


@pytest.mark.parametrize("role", ["comite"])
async def test_roles_without_inbox(web: WebEnv, login_as, role: str) -> None:
    c = await login_as(role)
    assert (await c.get("/console/")).status_code == 303


async def test_sqlite_planner_statistics_refreshed(sqlite_url: str) -> None:
    import sqlalchemy as sa

    from bot.console.maintenance import MIN_ROWS, refresh_planner_stats
    from bot.store.repository import Store
    from bot.store.tables import request_t, utcnow

    store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris")
    try:
        assert not await refresh_planner_stats(store)  # too few requests to matter
        now = utcnow()
        async with store.unit() as uow:
            await uow.conn.execute(sa.insert(request_t), [dict(
                reference=f"90-2026-{i:05d}", status="nouvelle", created_at=now, updated_at=now, channel="t",
                user_id="1", chat_id="1", description="", themes=[], help_kinds=[], matches=[])
                for i in range(MIN_ROWS + 10)])
        assert await refresh_planner_stats(store)
        assert not await refresh_planner_stats(store)  # fresh statistics: nothing to do
        async with store.unit(readonly=True) as uow:
            assert (await uow.conn.execute(sa.text("SELECT count(*) FROM sqlite_stat1"))).scalar() > 0
    finally:
        await store.close()
