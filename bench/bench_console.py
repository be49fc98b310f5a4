"""The staff console at 100,000 requests: inbox, search and the comité's dashboard, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_console.py                        # SQLite and PostgreSQL, 100,000 requests
    .venv/bin/python bench/bench_console.py --db sqlite --requests 20000 --runs 10

A database is filled with ``--requests`` requests (default 100,000) spread as a real département's would be: the
communes of the Territoire de Belfort weighted by population, 1 to 3 themes, 24 months of filing, statuses by age
(older requests are mostly closed), and their events (first staff action after a few working days, routing,
questions, closure) and operator routes. PostgreSQL runs in a throwaway database (created, then dropped) on
``GUICHET_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``).

Then each page is requested ``--runs`` times through the console's ASGI app (``bot.web.app.create_app``, httpx's
ASGI transport: server time, no network), logged in as a préfecture agent (an operator agent for the scoped inbox),
after one warm-up request; the figures are p50/p95 of the wall time of each request. The data layer
(``bot.staff.dashboard.compute``) is timed alone too, and one full CSV export.

Goals (issue 12): inbox and search p95 <= 150 ms; dashboard p95 <= 500 ms, on SQLite and PostgreSQL. Issue 26: the
inbox with its new columns, unread markers (one open request in 30 has news, half of them read by the agent) and
« nouveau » counts per view, the unread view and a search by a person's name, p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Stopwatch,
    add_output_args,
    machine,
    percentile,
    pg_reachable,
    pg_temp_database,
    table,
    verdict,
    write_results,
)

GOAL_INBOX_MS = 150.0
AGENT_NAMES = ["Paule Martin", "Karim Benali", "Sophie Roux", "Luc Girard"]
GOAL_DASHBOARD_MS = 500.0
CHUNK = 5000
BASE_URL = "https://guichet.bench"

NEEDS = [
    "Créer une maison de santé pluriprofessionnelle dans le centre bourg pour garder nos médecins",
    "Rénovation énergétique de l'école primaire et changement de la chaudière au fioul",
    "Réhabiliter une friche industrielle en logements et commerces",
    "Mettre aux normes la station d'épuration et le réseau d'assainissement",
    "Ouvrir un espace France services dans l'ancienne poste",
    "Revitaliser le centre-ville : commerces vacants, place du marché, stationnement",
    "Installer des panneaux photovoltaïques sur le gymnase communal",
    "Créer une voie verte entre le village et la gare",
    "Améliorer la couverture mobile dans les hameaux, zones blanches",
    "Protéger le village des inondations de la Savoureuse, étude hydraulique",
    "Construire une crèche intercommunale de vingt places",
    "Restaurer l'église classée et aménager ses abords",
]
THEMES_BY_NEED = [
    ["sante"], ["energie-batiments", "education-jeunesse"], ["nature-climat", "logement"], ["eau"],
    ["services-publics"], ["revitalisation", "commerce-artisanat"], ["energie-batiments"], ["mobilite"],
    ["numerique"], ["risques-naturels", "eau"], ["education-jeunesse"], ["equipements-culture-sport"],
]
OPERATORS = ["ddt", "ademe", "anah", "anru", "bdt", "cerema"]


def _working_days_later(start: dt.datetime, days: float) -> dt.datetime:
    """``start`` plus ``days`` working days (fractions kept), skipping weekends."""
    whole, frac = int(days), days - int(days)
    t = start
    while whole > 0:
        t += dt.timedelta(days=1)
        if t.weekday() < 5:
            whole -= 1
    t += dt.timedelta(days=frac)
    while t.weekday() >= 5:
        t += dt.timedelta(days=1)
    return t


def generate(n: int, communes: list[Any], now: dt.datetime, seed: int = 12) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``request``, ``event`` and ``request_route`` for ``n`` requests filed over the last 24 months."""
    from bot.store.repository import working_days_between
    from bot.store.search import search_text
    from bot.texts.staff import OPERATORS as LABELS

    rng = random.Random(seed)
    weights = [max(50, p.population) ** 0.8 for p in communes]
    requests, events, routes, themes_rows = [], [], [], []
    year = now.year
    for i in range(1, n + 1):
        place = rng.choices(communes, weights)[0]
        age_days = rng.uniform(0.1, 730)
        created = now - dt.timedelta(days=age_days)
        k = rng.randrange(len(NEEDS))
        need = f"{NEEDS[k]} (projet {i})"
        themes = list(THEMES_BY_NEED[k])
        # what happened to it, by age: recent ones are mostly new or in progress
        if age_days < 3:
            fate = rng.choices(["nouvelle", "en_cours"], [70, 30])[0]
        elif age_days < 60:
            fate = rng.choices(["nouvelle", "en_cours", "orientee", "en_attente", "traitee", "close_sans_suite"],
                               [8, 25, 30, 10, 20, 7])[0]
        else:
            fate = rng.choices(["nouvelle", "en_cours", "orientee", "en_attente", "traitee", "close_sans_suite"],
                               [1, 4, 10, 2, 65, 18])[0]
        ref = f"90-{year}-{i:06d}"
        user = f"u{i % (n // 2 + 1)}"
        ev = [{"at": created, "reference": ref, "actor": f"telegram:{user}", "kind": "created",
               "data": {"status": "nouvelle", "channel": "telegram"}}]
        operator = None
        first_at = routed_at = None
        assigned = None
        closed_at = None
        last_action = None
        status = "nouvelle"
        if fate != "nouvelle":
            t = _working_days_later(created, min(30.0, rng.lognormvariate(0.7, 0.8)))
            t = min(t, now)
            assigned = rng.choice(AGENT_NAMES)
            ev.append({"at": t, "reference": ref, "actor": "telegram:111", "kind": "status",
                       "data": {"from": "nouvelle", "to": "en_cours", "assigned_to": assigned, "by": assigned}})
            status, last_action, first_at = "en_cours", t, t
            if fate in ("orientee", "traitee", "close_sans_suite") and rng.random() < 0.7:
                t = min(now, t + dt.timedelta(days=rng.uniform(0.5, 12)))
                key = rng.choice(OPERATORS)
                operator = LABELS[key]
                ev.append({"at": t, "reference": ref, "actor": "telegram:111", "kind": "status",
                           "data": {"from": status, "to": "orientee", "operator": operator, "by": assigned}})
                routes.append({"reference": ref, "operator": key, "status": "transmise", "created_at": t,
                               "updated_at": t})
                status, last_action, routed_at = "orientee", t, t
            if fate == "en_attente":
                t = min(now, t + dt.timedelta(days=rng.uniform(0.2, 5)))
                ev.append({"at": t, "reference": ref, "actor": "telegram:111", "kind": "question",
                           "data": {"text": "Quel est le budget ?", "by": assigned}})
                ev.append({"at": t, "reference": ref, "actor": "telegram:111", "kind": "status",
                           "data": {"from": status, "to": "en_attente", "by": assigned}})
                status, last_action = "en_attente", t
            if fate in ("traitee", "close_sans_suite"):
                t = min(now, t + dt.timedelta(days=rng.uniform(2, 90)))
                ev.append({"at": t, "reference": ref, "actor": "telegram:111", "kind": "status",
                           "data": {"from": status, "to": fate, "by": assigned}})
                status, last_action, closed_at = fate, t, t
        events += ev
        themes_rows += [{"reference": ref, "theme": t} for t in themes]
        requests.append({
            "reference": ref, "status": status, "created_at": created, "updated_at": last_action or created,
            "channel": "telegram", "user_id": user, "chat_id": user, "commune_code": place.code,
            "commune_name": place.name, "epci_code": place.epci_code, "role": rng.choice(["maire", "adjoint", "dgs"]),
            "contact_name": f"Personne {i}", "phone": None, "email": f"contact{i}@example.fr", "description": need,
            "themes": themes, "stage": rng.choice(["idee", "etude", "defini", "pret"]),
            "help_kinds": ["financement", "ingenierie"][: rng.randint(1, 2)], "budget": None, "timing": None,
            "matches": ["dsil", "fonds-vert", "detr"][: rng.randint(1, 3)], "assigned_to": assigned,
            # console agents follow what they took (ids past the bench's own logins: 1 and 2)
            "assigned_agent_id": 100 + AGENT_NAMES.index(assigned) if assigned else None,
            "operator": operator, "staff_message_id": None, "consent_at": created, "anonymised_at": None,
            "closed_at": closed_at, "staff_action_at": last_action, "first_action_at": first_at,
            "routed_at": routed_at, "first_action_wd": working_days_between(created, first_at) if first_at else None,
            "search_text": search_text(ref, place.name, need, f"Personne {i}", f"contact{i}@example.fr"),
            # issue 26: one open request in 30 has a person's message staff have not all read (unread markers)
            "news_at": (last_action or created) + dt.timedelta(hours=1)
            if status not in ("traitee", "close_sans_suite") and i % 30 == 0 else None,
            "news_kind": "appended" if status not in ("traitee", "close_sans_suite") and i % 30 == 0 else None,
        })
    return {"request": requests, "event": events, "request_route": routes, "request_theme": themes_rows}


async def fill(store: Any, rows: dict[str, list[dict[str, Any]]]) -> float:
    import sqlalchemy as sa

    from bot.store.tables import counter_t, event_t, request_route_t, request_t, request_theme_t

    t0 = time.perf_counter()
    async with store.engine.begin() as conn:
        for tbl, key in ((request_t, "request"), (event_t, "event"), (request_route_t, "request_route"),
                         (request_theme_t, "request_theme")):
            data = rows[key]
            for i in range(0, len(data), CHUNK):
                await conn.execute(sa.insert(tbl), data[i : i + CHUNK])
        year = dt.datetime.now(dt.timezone.utc).year
        await conn.execute(sa.insert(counter_t), [{"scope": f"90-{year}", "value": len(rows["request"])}])
    if store.dialect == "postgresql":  # as autovacuum would have: statistics and the visibility map
        async with store.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        async with store.engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    return time.perf_counter() - t0


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login(app: Any, guichet: Any, role: str, operator: str | None = None) -> Any:
    import httpx

    from bot.console.auth import create_login_link

    async with guichet.store.unit() as uow:
        agent, _ = await uow.save_agent(f"{role}-{operator or 'x'}@bench.gouv.fr", f"Bench {role}", role, operator)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5000)),
                               base_url=BASE_URL, follow_redirects=False, timeout=120)
    url = (await create_login_link(guichet.store, BASE_URL, agent)).removeprefix(BASE_URL)
    page = await client.get(url)
    token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
    done = await client.post(url, data={"csrf_token": token})
    assert done.status_code == 303, done.text
    return client


async def timed_get(client: Any, path: str, runs: int, must: str | None = None, cold: bool = False
                    ) -> dict[str, Any]:
    """p50/p95 of ``runs`` GETs of ``path`` after a warm-up; ``cold``: the dashboard's cache is emptied before each
    (every request computes the figures)."""
    from bot.staff.dashboard import CACHE

    sw = Stopwatch()
    first = await client.get(path)  # warm-up (and check)
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    if must:
        assert must in first.text, (path, must)
    for _ in range(runs):
        if cold:
            CACHE.clear()
        with sw:
            r = await client.get(path)
        assert r.status_code == 200, path
    return _p95(sw)


def _p95(sw: Stopwatch) -> dict[str, Any]:
    out = sw.summary()
    out["p95_ms"] = round(percentile(sorted(s * 1000 for s in sw.samples), 95), 3)
    return out


async def run_case(db: str, url: str, n: int, runs: int, kb: Any, reuse: bool = False) -> dict[str, Any]:
    from bot.app import App
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.staff import dashboard as D
    from bot.staff import names
    from bot.staff.service import StaffService
    from bot.store.repository import Store
    from bot.web.app import create_app

    settings = load_settings(departement="90", database_url=url, secret_key="b" * 48, public_url=BASE_URL)
    store = await Store.open(url, departement="90", timezone_name="Europe/Paris")
    names.configure(kb=kb, public_url=BASE_URL)
    now = dt.datetime.now(dt.timezone.utc)
    if reuse:
        rows = {"request": [None] * n, "event": [], "request_route": []}
        fill_s = 0.0
        print(f"  {db}: reusing {url}", flush=True)
    else:
        t0 = time.perf_counter()
        rows = generate(n, kb.territory.communes_of("90"), now)
        gen_s = time.perf_counter() - t0
        fill_s = await fill(store, rows)
        print(f"  {db}: {n} requests, {len(rows['event'])} events, {len(rows['request_route'])} routes "
              f"(generated in {gen_s:.1f} s, stored in {fill_s:.1f} s)", flush=True)
    guichet = App(settings=settings, kb=kb, store=store, engine=Engine(kb=kb, store=store, settings=settings),
                  staff=StaffService(store))
    app = create_app(guichet)
    out: dict[str, Any] = {"requests": n, "events": len(rows["event"]), "routes": len(rows["request_route"]),
                           "fill_s": round(fill_s, 1)}
    del rows
    pref = await login(app, guichet, "prefecture")
    oper = await login(app, guichet, "operateur", "ademe")
    if not reuse:  # issue 26: the préfecture agent has read half of the requests with news
        import sqlalchemy as sa

        from bot.store.tables import agent_seen_t, request_t

        async with store.engine.begin() as conn:
            agent_id = (await conn.execute(sa.text("SELECT min(id) FROM agent"))).scalar_one()
            refs = (await conn.execute(sa.select(request_t.c.reference).where(request_t.c.news_at.is_not(None))
                                       .order_by(request_t.c.id))).scalars().all()
            seen = [{"agent_id": agent_id, "reference": r, "seen_at": now} for r in refs[::2]]
            for i in range(0, len(seen), CHUNK):
                await conn.execute(sa.insert(agent_seen_t), seen[i: i + CHUNK])
        out["unread_requests"] = len(refs) - len(seen)
    probe = min(4242, n - 1)  # a person and a reference that exist at every size (the smoke test uses 400)
    try:
        pages = {
            "inbox": ("/console/", None),
            "inbox, 2nd filter (open, one EPCI)": ("/console/?statut=ouvertes&epci=200069052", None),
            "inbox, operator agent (scoped)": (None, None),
            "inbox, one theme": ("/console/?theme=sante", None),
            "inbox, unread view (issue 26)": ("/console/?vue=nouveaux", "nouveau"),
            "inbox, my requests (issue 26)": ("/console/?vue=mes-demandes", None),
            "search: a person's name (issue 26)": (f"/console/?q=Personne+{probe}", "90-"),
            "search: commune": ("/console/?q=giromagny", "Giromagny"),
            "search: words of the need": ("/console/?q=ecole+chaudiere", None),
            "search: reference": (f"/console/?q=90-{now.year}-{probe:06d}", f"90-{now.year}-{probe:06d}"),
            "dashboard (12 months)": ("/console/tableau-de-bord", "demandes reçues"),
            "dashboard (12 months), unchanged data (cached)": ("/console/tableau-de-bord", "demandes reçues"),
            "dashboard (24 months, one theme)": (
                f"/console/tableau-de-bord?du={(now - dt.timedelta(days=731)).date()}&au={now.date()}&theme=sante",
                "demandes reçues"),
            "report (6 months)": (f"/console/rapport?du={(now - dt.timedelta(days=182)).date()}&au={now.date()}",
                                  "Rapport"),
        }
        results: dict[str, Any] = {}
        for name, (path, must) in pages.items():
            if name.startswith("inbox, operator"):
                results[name] = await timed_get(oper, "/console/", runs)
            else:
                cold = name.startswith(("dashboard", "report")) and "cached" not in name
                results[name] = await timed_get(pref, path, runs if "report" not in name else max(3, runs // 3),
                                                must, cold=cold)
            print(f"    {name}: p95 {results[name]['p95_ms']:.1f} ms", flush=True)
        # the data layer alone
        sw = Stopwatch()
        for _ in range(max(3, runs // 2)):
            with sw:
                async with store.unit(readonly=True) as uow:
                    board = await D.compute(uow, D.Period.last_months(12), response_days=5)
        results["dashboard data layer (12 months)"] = _p95(sw)
        out["dashboard_total_12_months"] = board.total
        # one full CSV export (all 24 months)
        t = time.perf_counter()
        r = await pref.get(f"/console/export.csv?du={(now - dt.timedelta(days=800)).date()}&au={now.date()}")
        out["export_csv_all_s"] = round(time.perf_counter() - t, 2)
        out["export_csv_rows"] = r.text.count("\r\n") - 1
        print(f"    export CSV: {out['export_csv_rows']} rows in {out['export_csv_all_s']} s", flush=True)
        out["pages"] = results
    finally:
        await pref.aclose()
        await oper.aclose()
        await store.close()
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load("90")
    results: dict[str, Any] = {}
    for db in args.db:
        if db == "sqlite" and args.keep:
            reuse = args.keep.exists()
            results[db] = await run_case(db, f"sqlite:///{args.keep}", args.requests, args.runs, kb, reuse)
        elif db == "sqlite":
            import tempfile

            with tempfile.TemporaryDirectory(prefix="guichet-bench-console-") as tmp:
                results[db] = await run_case(db, f"sqlite:///{tmp}/bench.db", args.requests, args.runs, kb)
        else:
            ok, why = pg_reachable()
            if not ok:
                print(f"  postgresql skipped: {why}")
                results[db] = {"skipped": why}
                continue
            with pg_temp_database(prefix="guichet_bench_console") as url:
                results[db] = await run_case(db, url, args.requests, args.runs, kb)
    return results


def print_table(results: dict[str, Any]) -> None:
    rows = []
    for db, r in results.items():
        for name, s in (r.get("pages") or {}).items():
            goal = GOAL_DASHBOARD_MS if "dashboard" in name else (GOAL_INBOX_MS if name.startswith(("inbox", "search"))
                                                                   else None)
            rows.append([db, name, s["p50_ms"], s["p95_ms"], s.get("cpu_p50_ms"),
                         f"≤ {goal:.0f} ms: {verdict(s['p95_ms'], goal)}" if goal else "no goal"])
    print()
    print(table(["database", "request", "p50 ms", "p95 ms", "CPU p50 ms (this process)", "goal"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (after one warm-up)")
    parser.add_argument("--keep", type=Path, help="SQLite only: build (or reuse) the database at this path")
    add_output_args(parser, "bench_console")
    args = parser.parse_args()
    before = machine()
    results = asyncio.run(main_async(args))
    print_table(results)
    command = ".venv/bin/python bench/bench_console.py " + " ".join(sys.argv[1:])
    write_results(args, "bench_console", command.strip(), results, before)


if __name__ == "__main__":
    main()
