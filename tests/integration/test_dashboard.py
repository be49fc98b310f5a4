"""The comité's dashboard data, its exports and the staff search, on SQLite and PostgreSQL, with known dates."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from bot.staff import dashboard as D
from bot.staff.search import search_requests
from bot.staff.service import StaffService
from bot.store.models import RequestDraft
from bot.store.repository import Store, working_days_between
from bot.store.tables import event_t, request_t

UTC = dt.timezone.utc
# Monday 2026-03-02 ... ; 2026-03-06 is a Friday, 2026-03-07 a Saturday
MON = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
GIRO, BELFORT, ROUGEMONT = ("90052", "Giromagny", "200069060"), ("90010", "Belfort", "200069052"), \
    ("90089", "Rougemont-le-Château", "200069060")


async def _file(store: Store, place: tuple[str, str, str], created: dt.datetime, themes: list[str],
                need: str = "Créer une maison de santé", user: str = "1") -> str:
    async with store.unit() as uow:
        rec = await uow.create_request(RequestDraft(
            channel="telegram", user_id=user, chat_id=user, commune_code=place[0], commune_name=place[1],
            epci_code=place[2], description=need, themes=themes, matches=["dsil", "acces-aux-soins"],
            contact_name="Jeanne Secret", phone="+33611111111", email="jeanne@example.org", role="maire"))
        await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == rec.reference)
                               .values(created_at=created))
        await uow.conn.execute(sa.update(event_t).where(event_t.c.reference == rec.reference)
                               .values(at=created))
    return rec.reference


async def _at(store: Store, ref: str, when: dt.datetime) -> None:
    """Date the events of ``ref`` written after its creation (and its closure) at ``when``."""
    async with store.unit() as uow:
        await uow.conn.execute(sa.update(event_t).where(event_t.c.reference == ref, event_t.c.kind != "created",
                                                        event_t.c.at > MON - dt.timedelta(days=365 * 5),
                                                        event_t.c.at > dt.datetime(2026, 11, 1))
                               .values(at=when))
        await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == ref,
                                                          request_t.c.closed_at.is_not(None))
                               .values(closed_at=when))
        # the times the repository keeps from the events, as they would have been written then
        hist = await uow.history(ref)
        acts = [e.at for e in hist if e.kind in ("status", "question", "relay_to_mayor")]
        routed = [e.at for e in hist if e.kind == "status" and e.data.get("to") == "orientee"]
        created = (await uow.get_request(ref)).created_at
        await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == ref).values(
            first_action_at=min(acts) if acts else None, routed_at=min(routed) if routed else None,
            first_action_wd=working_days_between(created, min(acts)) if acts else None))


async def _world(store: Store) -> dict[str, str]:
    svc = StaffService(store)
    refs = {}
    # a: Monday, taken in charge 1 day later, routed to Ademe 3 days after filing, closed 10 days after
    refs["a"] = await _file(store, GIRO, MON, ["sante", "logement"])
    await svc.take_charge(refs["a"], "telegram:7", "Agent A")
    await _at(store, refs["a"], MON + dt.timedelta(days=1))
    await svc.route(refs["a"], "ademe", "telegram:7", "Agent A")
    await _at(store, refs["a"], MON + dt.timedelta(days=3))
    await svc.close(refs["a"], "t", "telegram:7", None, "Agent A")
    await _at(store, refs["a"], MON + dt.timedelta(days=10))
    # b: Friday; first action the Friday after (5 working days): on time
    fri = MON + dt.timedelta(days=4)
    refs["b"] = await _file(store, GIRO, fri, ["sante"], need="Rénover l'école du village")
    await svc.take_charge(refs["b"], "telegram:7", "Agent A")
    await _at(store, refs["b"], fri + dt.timedelta(days=7))
    # c: Saturday (counts from Monday); first action (a question) on Tuesday after next: 6 working days, late
    sat = MON + dt.timedelta(days=5)
    refs["c"] = await _file(store, BELFORT, sat, ["energie-batiments"], user="2")
    await svc.ask_details(refs["c"], "Quel budget ?", "telegram:7", "Agent B")
    await _at(store, refs["c"], sat + dt.timedelta(days=10))
    # d: April, never answered, still waiting at NOW: late
    refs["d"] = await _file(store, ROUGEMONT, dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC), ["eau"], user="3")
    # e: April, answered the same day, routed to Ademe then closed "sans suite"
    refs["e"] = await _file(store, BELFORT, dt.datetime(2026, 4, 20, 8, 0, tzinfo=UTC), ["sante"], user="4")
    await svc.close(refs["e"], "s", "telegram:7", "Hors champ.", "Agent B")
    await _at(store, refs["e"], dt.datetime(2026, 4, 20, 14, 0, tzinfo=UTC))
    # f: outside the period (2025)
    refs["f"] = await _file(store, GIRO, dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC), ["sante"], user="5")
    return refs


PERIOD = D.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))


async def test_counts_delays_and_commitment(store: Store) -> None:
    refs = await _world(store)
    async with store.unit(readonly=True) as uow:
        d = await D.compute(uow, PERIOD, response_days=5, now=NOW)
    assert d.total == 5  # f is outside the period
    status = {c.key: c.count for c in d.by_status}
    assert status == {"nouvelle": 1, "en_cours": 1, "orientee": 0, "en_attente": 1, "traitee": 1,
                      "close_sans_suite": 1}
    assert d.open_count == 3 and d.closed_count == 2
    themes = {c.label: c.count for c in d.by_theme}
    assert themes["Santé et accès aux soins"] == 3 and themes["Logement et habitat"] == 1
    assert d.by_theme[0].key == "sante"
    epcis = {c.label: c.count for c in d.by_epci}
    assert epcis == {"CC des Vosges du Sud": 3, "CA Grand Belfort": 2}
    assert {c.label: c.count for c in d.by_commune} == {"Giromagny": 2, "Belfort": 2, "Rougemont-le-Château": 1}
    assert d.communes_total == 3
    assert [(c.key, c.label, c.count) for c in d.by_operator] == [("ademe", "Ademe", 1)]
    assert d.routed_total == 1 and d.not_routed == 4
    assert [(c.key, c.label, c.count) for c in d.by_month] == [("2026-03", "mars 2026", 3),
                                                               ("2026-04", "avril 2026", 2)]
    # First staff action: a 1 d, b 7 d, c 10 d, e 0.25 d -> median (1 + 7) / 2 = 4 d; d never
    assert d.first_contact.count == 4 and d.first_contact.median_days == 4.0
    assert d.orientation.count == 1 and d.orientation.median_days == 3.0
    # Closure: a 10 d, e 0.25 d -> median 5.1 (rounded to a tenth)
    assert d.closure.count == 2 and d.closure.median_days == 5.1
    # Past the commitment (5 working days): c answered after 6, d still waiting; b took exactly 5
    assert d.past_commitment == 2 and d.past_commitment_waiting == 1
    assert [(x.reference, x.waiting) for x in d.late] == [(refs["d"], True), (refs["c"], False)]
    assert d.late[1].working_days == 6 and d.late[1].commune == "Belfort"


async def test_filters_and_operator_scope(store: Store) -> None:
    refs = await _world(store)
    svc = StaffService(store)  # c routed to two operators (each with its route row)
    assert (await svc.route(refs["c"], "cerema", "telegram:7", "Agent B")).ok
    assert (await svc.route(refs["c"], "ademe", "telegram:7", "Agent B")).ok
    async with store.unit(readonly=True) as uow:
        d = await D.compute(uow, PERIOD, now=NOW)
        cerema = await D.compute(uow, PERIOD, D.scoped_filters(D.Filters(), "cerema"), now=NOW)
        assert [(c.key, c.count) for c in d.by_operator] == [("ademe", 2), ("cerema", 1)]
        assert d.routed_total == 2 and d.not_routed == 3 and cerema.total == 1
        ademe = await D.compute(uow, PERIOD, D.scoped_filters(D.Filters(epci="200069052"), "ademe"), now=NOW)
        belfort = await D.compute(uow, PERIOD, D.Filters(epci="200069052"), now=NOW)
        sante = await D.compute(uow, PERIOD, D.Filters(theme="sante", status="traitee"), now=NOW)
        bad = await D.compute(uow, PERIOD, D.Filters(status="n'importe quoi' OR 1=1 --", theme="x' OR '1'='1"),
                              now=NOW)
        rows = [r async for r in D.export_rows(uow, PERIOD, D.scoped_filters(D.Filters(), "ademe"), now=NOW)]
    assert ademe.total == 1  # the operator scope is added to the filters: c, in Belfort
    assert belfort.total == 2 and sante.total == 1
    assert bad.total == 0  # an unknown status is dropped, a strange theme matches nothing; nothing breaks
    assert [r[0] for r in rows[1:]] == [refs["a"], refs["c"]]


async def test_export_rows_csv_and_xlsx(store: Store) -> None:
    refs = await _world(store)
    await _file(store, GIRO, MON, ["sante"], need="=HYPERLINK(\"http://evil\")\x01 et\ttab", user="9")
    out = io.StringIO()
    async with store.unit(readonly=True) as uow:
        n = await D.write_csv(uow, out, PERIOD, response_days=5, now=NOW)
        buf = io.BytesIO()
        m = await D.write_xlsx(uow, buf, PERIOD, response_days=5, now=NOW)
    assert n == m == 6
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][0] == "Référence" and len(rows) == 7 and refs["f"] not in text
    by_ref = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    a = by_ref[refs["a"]]
    assert a["Collectivité"] == "Giromagny" and a["Intercommunalité"] == "CC des Vosges du Sud"
    assert a["Thèmes"] == "Santé et accès aux soins, Logement et habitat"
    assert "Dotation de soutien à l'investissement local" in a["Dispositifs proposés"]
    assert a["Statut"] == "Traitée" and a["Opérateur"] == "Ademe" and a["Fonction du demandeur"] == "Maire"
    assert a["Première action le"] == "2026-03-03" and a["Orientée le"] == "2026-03-05"
    assert a["Close le"] == "2026-03-12" and a["Hors délai d'engagement"] == "non"
    assert a["Fiche"].endswith(f"/console/demandes/{refs['a']}")
    assert by_ref[refs["c"]]["Hors délai d'engagement"] == "oui"
    assert by_ref[refs["c"]]["Jours ouvrés avant la première action"] == "6"
    assert by_ref[refs["d"]]["Hors délai d'engagement"] == "oui"
    # No contact details in the comité's export; a formula stays text
    assert "Jeanne Secret" not in text and "+33611111111" not in text and "jeanne@example.org" not in text
    assert any(r[18].startswith("'=HYPERLINK") for r in rows[1:])

    import openpyxl

    buf.seek(0)
    wb = openpyxl.load_workbook(buf, read_only=True)
    sheet = wb.active
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0] == rows[0]
    assert len(got) == 7
    xa = dict(zip(got[0], next(r for r in got if r[0] == refs["a"])))
    import datetime as dt

    # issue 26: real dates in the XLSX (a date cell, not text)
    assert xa["Thèmes"] == a["Thèmes"] and xa["Close le"] == dt.datetime(2026, 3, 12)
    assert next(r for r in got if r[0] == refs["c"])[14] == 6  # a number, not text
    assert any(str(r[18]).startswith("=HYPERLINK") and "\x01" not in str(r[18]) for r in got[1:])
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row if hasattr(cell, "data_type"))


async def test_search_by_commune_reference_and_words(store: Store) -> None:
    refs = await _world(store)
    async with store.unit(readonly=True) as uow:
        giro = await search_requests(uow, "giromagny")
        ecole = await search_requests(uow, "ecole")  # unaccented word, « école » in the need
        both = await search_requests(uow, "giromagny ecole")
        rouge = await search_requests(uow, "rougemont")
        by_ref = await search_requests(uow, refs["c"])
        by_num = await search_requests(uow, refs["c"].rsplit("-", 1)[1])
        nothing = await search_requests(uow, "piscine olympique")
        hostile = await search_requests(uow, "%' OR 1=1 -- _")
        only_open = await search_requests(uow, "giromagny", statuses=["nouvelle", "en_cours"])
    assert {r.reference for r in giro.records} == {refs["a"], refs["b"], refs["f"]} and giro.total == 3
    assert [r.reference for r in ecole.records] == [refs["b"]]
    assert [r.reference for r in both.records] == [refs["b"]]
    assert [r.reference for r in rouge.records] == [refs["d"]]
    assert [r.reference for r in by_ref.records] == [refs["c"]]
    assert refs["c"] in [r.reference for r in by_num.records]
    assert nothing.total == 0 and hostile.total == 0
    assert [r.reference for r in only_open.records] == [refs["b"], refs["f"]]  # newest first


def test_period_parsing_never_fails() -> None:
    default = D.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert D.Period.parse("2026-02-01", "2026-02-28", default) == D.Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert D.Period.parse("2026-02-28", "2026-02-01", default) == D.Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    for bad in ("", None, "2026-13-01", "hier", "9" * 5000, "0001-01-01", "2026-02-30"):
        assert D.Period.parse(bad, bad, default) == default
    assert D.Period.semester(dt.date(2026, 11, 30)) == D.Period(dt.date(2026, 7, 1), dt.date(2026, 11, 30))
    assert D.Period.last_months(12, dt.date(2026, 11, 30)).start == dt.date(2025, 12, 1)


async def test_repository_keeps_first_action_and_routing_times(store: Store) -> None:
    ref = await _file(store, GIRO, MON, ["sante"])
    svc = StaffService(store)

    async def times() -> tuple:
        async with store.unit(readonly=True) as uow:
            row = (await uow.conn.execute(sa.select(request_t.c.first_action_at, request_t.c.routed_at)
                                          .where(request_t.c.reference == ref))).one()
        return tuple(row)

    assert await times() == (None, None)
    await svc.ask_details(ref, "Quel budget ?", "telegram:7", "Agent A")
    first, routed = await times()
    assert first is not None and routed is None
    await svc.route(ref, "ademe", "telegram:7", "Agent A")
    again, routed = await times()
    assert again == first and routed is not None and routed >= first  # the first action stays the first
    await svc.route(ref, "cerema", "telegram:7", "Agent A")
    assert await times() == (first, routed)  # re-routing keeps the first routing time


def test_working_days_and_cutoff() -> None:
    from bot.store.repository import working_day_index

    fri, sat, sun, mon = (dt.date(2026, 3, d) for d in (6, 7, 8, 9))
    assert working_days_between(fri, fri) == 0 and working_days_between(fri, mon) == 1
    assert working_day_index(sat) == working_day_index(sun) == working_day_index(mon)
    assert working_days_between(mon, dt.date(2026, 3, 16)) == 5
    # On Monday 2026-03-16, with 5 working days: still waiting and filed by Friday 2026-03-06 is late; filed on the
    # Saturday counts from Monday 9 (5 working days: not yet late)
    assert D.late_cutoff(dt.datetime(2026, 3, 16, 12, tzinfo=UTC), 5) == dt.datetime(2026, 3, 7, tzinfo=UTC)
    assert D.late_cutoff(dt.datetime(2026, 3, 15, 12, tzinfo=UTC), 5) == dt.datetime(2026, 3, 7, tzinfo=UTC)
    assert D.late_cutoff(dt.datetime(2026, 3, 17, 8, tzinfo=UTC), 5) == dt.datetime(2026, 3, 10, tzinfo=UTC)


async def test_migration_0006_backfills_from_the_history(database_url: str) -> None:
    """A database with requests and their history at 0005 gets first action, first routing and working days."""
    from bot.store import db

    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine, "0005_console")
        fri = dt.datetime(2026, 3, 6, 9, 0)
        async with engine.begin() as conn:
            for ref in ("90-2026-0001", "90-2026-0002"):
                await conn.execute(sa.insert(request_t).values(
                    reference=ref, status="orientee", created_at=fri, updated_at=fri, channel="telegram",
                    user_id="1", chat_id="1", description="x", themes=[], help_kinds=[], matches=[]))
            events = [
                ("90-2026-0001", fri, "created", {}),
                ("90-2026-0001", fri + dt.timedelta(days=7), "question", {"text": "?"}),  # Friday: 5 working days
                ("90-2026-0001", fri + dt.timedelta(days=10), "status", {"from": "en_attente", "to": "orientee"}),
                ("90-2026-0001", fri + dt.timedelta(days=12), "status", {"from": "orientee", "to": "orientee"}),
                ("90-2026-0002", fri, "created", {}),
            ]
            for ref, at, kind, data in events:
                await conn.execute(sa.insert(event_t).values(at=at, reference=ref, actor="x", kind=kind, data=data))
        await db.upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT reference, first_action_at, routed_at, first_action_wd FROM request ORDER BY reference")))\
                .all()
    finally:
        await engine.dispose()
    first, second = rows
    assert str(first[1]).startswith("2026-03-13 09:00") and str(first[2]).startswith("2026-03-16 09:00")
    assert first[3] == 5
    assert second[1:] == (None, None, None)
