"""The engine, in process: one update through ``Engine.handle`` (state read, understanding, state written), p50/p99.

    .venv/bin/python bench/bench_engine.py                      # SQLite and PostgreSQL, 0 and 100,000 requests
    .venv/bin/python bench/bench_engine.py --users 5 --prefill 0 1000 --export-reps 1 --no-write   # quick look

For each backend (a fresh SQLite file in a temporary directory; a fresh PostgreSQL database on the server of
``GUICHET_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``, skipped with a message when it
does not answer) and each number of stored requests (bulk-inserted through the repository's tables with
``executemany``: requests spread over two years and the 101 communes of the 90, all statuses, one to three history
events each, a conversation per past user and a handled-update mark per request), ``--users`` scripted mayors go
through a whole intake, interleaved: greeting, "Déposer une demande", commune typed (with a typo for some), role,
need (a labelled need of ``tests/data``), themes confirmed, stage, help, budget, timing, name, phone, e-mail, offers,
recap, consent (and "Déposer une nouvelle demande" when the duplicate guard fires), then "Suivre mes demandes".
Each ``Engine.handle`` call is timed; the driver reads the stored step between calls (not timed) to choose the next
action. Flood control is set out of reach (``flood_max_messages``) since every scripted mayor types fast.

Then ``guichet export`` (JSON and CSV) of the database with 100,000 requests runs through the real CLI in a
subprocess (``GUICHET_DATABASE_URL`` set), output to a file; wall time, median of ``--export-reps``.

Goals (issue 6): engine p99 <= 10 ms; export of 100,000 requests <= 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    Stopwatch,
    add_output_args,
    load_needs,
    machine,
    median,
    pg_reachable,
    pg_temp_database,
    table,
    verdict,
    write_results,
)

GOAL_P99_MS = 10.0
GOAL_EXPORT_S = 5.0
CHANNEL = "bench"
CHUNK = 5000

# --- bulk prefill -------------------------------------------------------------------------------------------------


def _prefill_rows(n: int, communes: list[Any], offer_ids: list[str], theme_ids: list[str], seed: int = 7
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    from bot.store.models import STATUSES

    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    year = now.year
    requests, events, conversations, handled = [], [], [], []
    users = max(1, n // 2)
    for i in range(1, n + 1):
        place = rng.choice(communes)
        created = now - dt.timedelta(seconds=rng.randint(3600, 730 * 86400))
        status = rng.choices(STATUSES, weights=[10, 15, 20, 10, 35, 10])[0]
        user = f"past-{i % users}"
        ref = f"90-{year}-{i:04d}"
        themes = rng.sample(theme_ids, k=rng.randint(1, 3))
        requests.append({
            "reference": ref, "status": status, "created_at": created, "updated_at": created + dt.timedelta(days=2),
            "channel": "telegram", "user_id": user, "chat_id": user, "commune_code": place.code,
            "commune_name": place.name, "epci_code": place.epci_code, "role": rng.choice(["maire", "adjoint", "agent"]),
            "contact_name": f"Personne {i}", "phone": f"+336{rng.randint(10000000, 99999999)}",
            "email": f"contact{i}@example.fr",
            "description": "Projet communal : rénovation énergétique de l'école et de la salle des fêtes, "
                           f"demande numéro {i}, avec un besoin de financement et d'ingénierie.",
            "themes": themes, "stage": rng.choice(["idee", "etude", "defini", "pret"]),
            "help_kinds": rng.sample(["financement", "ingenierie", "mise-en-relation", "information"], k=2),
            "budget": f"{rng.randint(10, 900)} 000 €", "timing": "travaux en 2027",
            "matches": rng.sample(offer_ids, k=3), "assigned_to": None if status == "nouvelle" else "Agent ANCT",
            "operator": None, "staff_message_id": str(100000 + i), "consent_at": created,
            "anonymised_at": None, "closed_at": created + dt.timedelta(days=30) if status in ("traitee", "close_sans_suite") else None,
        })
        events.append({"at": created, "reference": ref, "actor": f"telegram:{user}", "kind": "created",
                       "data": {"status": "nouvelle", "channel": "telegram", "themes": themes}})
        for k in range(rng.randint(0, 2)):
            events.append({"at": created + dt.timedelta(days=k + 1), "reference": ref, "actor": "staff:1",
                           "kind": "status", "data": {"from": "nouvelle", "to": status, "note": "suivi"}})
        handled.append({"key": f"telegram:update:{i}", "at": created})
    for u in range(users):
        conversations.append({"channel": "telegram", "chat_id": f"past-{u}", "user_id": f"past-{u}", "step": "menu",
                              "data": {"buttons": ["menu:new", "menu:question", "menu:mine"]}, "created_at": now,
                              "updated_at": now, "reminder_sent_at": None, "version": 1})
    return requests, events, conversations, handled


async def prefill(store: Any, n: int, kb: Any) -> float:
    """Bulk-insert ``n`` requests (and their events, conversations, update marks); returns seconds."""
    if n <= 0:
        return 0.0
    import sqlalchemy as sa

    from bot.store.tables import conversation_t, counter_t, event_t, handled_update_t, request_t

    communes = kb.territory.communes_of("90")
    theme_ids = sorted(t.value for t in kb.themes)
    t0 = time.perf_counter()
    requests, events, conversations, handled = _prefill_rows(n, communes, sorted(kb.offers), theme_ids)
    year = dt.datetime.now(dt.timezone.utc).year
    async with store.engine.begin() as conn:
        for table_, rows in ((request_t, requests), (event_t, events), (conversation_t, conversations),
                             (handled_update_t, handled)):
            for i in range(0, len(rows), CHUNK):
                await conn.execute(sa.insert(table_), rows[i : i + CHUNK])
        await conn.execute(sa.insert(counter_t), [{"scope": f"90-{year}", "value": n}])
    if store.dialect == "postgresql":
        async with store.engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    return time.perf_counter() - t0


# --- scripted intake ------------------------------------------------------------------------------------------------


class Mayor:
    """One scripted person; ``next_event`` chooses the action from the stored step and the last replies."""

    def __init__(self, idx: int, place: Any, need: str, typo: bool) -> None:
        self.user = f"mayor-{idx}"
        self.place = place
        self.need = need
        self.typo = typo
        self.replies: list[Any] = []
        self.filed = False
        self.checked = False
        self.need_tries = 0
        self.events = 0
        self.off_script: list[str] = []
        self.help_pressed = False
        self.theme_picked = False

    def _buttons(self) -> list[Any]:
        return [b for r in self.replies for row in r.buttons for b in row]

    def _press(self, *labels: str) -> str | None:
        buttons = self._buttons()
        for label in labels:
            for b in buttons:
                if b.label.lower().lstrip("✅ ").startswith(label.lower()):
                    return b.data
        return None

    def next_event(self, step: str, n: int) -> Any:
        from bot.dialogue.events import Event

        def ev(kind: str, **kw: Any) -> Event:
            return Event(channel=CHANNEL, user_id=self.user, chat_id=self.user, kind=kind,
                         update_key=f"{CHANNEL}:{self.user}:{n}", user_name="Bench", **kw)

        def text(t: str) -> Event:
            return ev("text", text=t)

        def press(*labels: str) -> Event | None:
            data = self._press(*labels)
            return ev("button", data=data) if data is not None else None

        if step in ("start",) and not self.replies:
            return text("bonjour")
        if step in ("start", "menu"):
            if self.filed:
                if self.checked:
                    return None
                self.checked = True
                return press("Suivre mes demandes") or ev("command", command="mesdemandes")
            return press("Déposer une demande") or ev("command", command="demande")
        if step == "commune":
            name = self.place.name
            return text(name[:-1] + ("i" if name[-1] == "y" else name[-1]) if self.typo and len(name) > 5 else name)
        if step == "commune_confirm":
            return press("Oui")
        if step == "commune_pick":
            buttons = self._buttons()
            return ev("button", data=buttons[0].data) if buttons else text(self.place.code)
        if step == "role":
            return press("Maire")
        if step == "need":
            self.need_tries += 1
            if self.need_tries == 1:
                return text(self.need)
            self.off_script.append("need:more")
            return text(self.need + " : rénovation énergétique de l'école communale et de la mairie")
        if step == "themes_confirm":
            return press("Oui")
        if step == "themes_edit":  # no theme understood: pick one, then validate
            if not self.theme_picked:
                self.theme_picked = True
                self.off_script.append("themes_edit")
                pick = next((b for b in self._buttons() if b.data.startswith("add:th:")), None)
                if pick is not None:
                    return ev("button", data=pick.data)
            return press("Valider")
        if step == "stage":
            return press("Étude", "Etude")
        if step == "help":
            if not self.help_pressed:
                self.help_pressed = True
                return press("Financement")
            return press("Valider")
        if step == "budget":
            return text("environ 300k€")
        if step == "timing":
            return text("travaux en 2027")
        if step == "name":
            return text("Jean Dupont")
        if step == "phone":
            return text("06 12 34 56 78")
        if step == "email":
            return text(f"{self.user}@example.fr")
        if step == "offers":
            return press("Continuer")
        if step == "recap":
            return press("Envoyer la demande")
        if step == "consent":
            return press("J'accepte")
        if step == "identity":
            return press("Oui")
        if step == "conflict":
            self.off_script.append("conflict")
            return press("Non, garder")
        if step == "duplicate":
            self.off_script.append("duplicate")
            return press("Déposer une nouvelle demande")
        self.off_script.append(f"step:{step}")
        buttons = self._buttons()
        return ev("button", data=buttons[0].data) if buttons else ev("command", command="demande")


async def run_intakes(engine: Any, store: Any, kb: Any, users: int, seed: int = 11) -> dict[str, Any]:
    """Interleaved scripted intakes; returns latency figures and sanity counts."""
    rng = random.Random(seed)
    communes = kb.territory.communes_of("90")
    needs = [n["text"] for n in load_needs() if len(n["text"]) >= 25]
    mayors = [Mayor(i, rng.choice(communes), rng.choice(needs), typo=i % 3 == 0) for i in range(users)]
    sw = Stopwatch()
    per_step: dict[str, Stopwatch] = {}
    active = list(mayors)
    n = 0
    while active:
        still = []
        for m in active:
            async with store.unit(readonly=True) as uow:
                conv = await uow.get_conversation(CHANNEL, m.user)
            step = conv.step if conv else "start"
            if m.events > 60:
                m.off_script.append("gave up")
                continue
            event = m.next_event(step, n)
            if event is None:
                continue
            n += 1
            c0 = time.process_time()
            t0 = time.perf_counter()
            replies = await engine.handle(event)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            sw.add(elapsed, cpu)
            per_step.setdefault(step, Stopwatch()).add(elapsed, cpu)
            m.events += 1
            if replies:
                m.replies = replies
            if any("Votre référence" in r.text for r in replies):
                m.filed = True
            still.append(m)
        active = still
    async with store.unit(readonly=True) as uow:
        filed = 0
        for m in mayors:
            filed += len(await uow.list_requests(channel=CHANNEL, user_id=m.user))
    off: dict[str, int] = {}
    for m in mayors:
        for o in m.off_script:
            off[o] = off.get(o, 0) + 1
    return {
        "updates": len(sw.samples),
        "latency": sw.summary(),
        "per_step": {k: v.summary() for k, v in sorted(per_step.items(), key=lambda kv: -median(kv[1].cpu))},
        "users": users,
        "requests_filed": filed,
        "off_script": off,
    }


# --- export through the CLI ------------------------------------------------------------------------------------------


def guichet_command() -> list[str]:
    script = Path(sys.executable).with_name("guichet")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def time_export(url: str, fmt: str, reps: int, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "GUICHET_DATABASE_URL": url}
    import resource

    times, cpus, size, records = [], [], 0, 0
    out_path = workdir / f"export.{fmt}"
    for _ in range(reps):
        with open(out_path, "wb") as out:
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run([*guichet_command(), "export", "--format", fmt], stdout=out, stderr=subprocess.PIPE,
                                  env=env, cwd=str(workdir), timeout=600)
            times.append(time.perf_counter() - t0)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime)
        if proc.returncode != 0:
            raise RuntimeError(f"guichet export --format {fmt} failed ({proc.returncode}): {proc.stderr[-500:]!r}")
        size = out_path.stat().st_size
        data = out_path.read_bytes()
        records = data.count(b'"reference": ') if fmt == "json" else max(0, data.count(b"\n90-"))
    out_path.unlink(missing_ok=True)
    return {"format": fmt, "reps": reps, "wall_s": [round(t, 3) for t in times], "median_s": round(median(times), 3),
            "cpu_s": [round(c, 3) for c in cpus], "cpu_median_s": round(median(cpus), 3),
            "bytes": size, "records_seen": records}


# --- main ------------------------------------------------------------------------------------------------------------


async def bench_backend(backend: str, url: str, kb: Any, prefill_n: int, users: int, export_reps: int,
                        workdir: Path) -> dict[str, Any]:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    t0 = time.perf_counter()
    store = await Store.open(url, departement="90", timezone_name="Europe/Paris")
    open_s = time.perf_counter() - t0
    try:
        fill_s = await prefill(store, prefill_n, kb)
        settings = load_settings(database_url=url, flood_max_messages=10**9)
        engine = Engine(kb=kb, store=store, settings=settings)
        res = await run_intakes(engine, store, kb, users)
    finally:
        await store.close()
    res.update({"backend": backend, "stored_requests": prefill_n, "open_migrate_s": round(open_s, 3),
                "prefill_s": round(fill_s, 3)})
    if export_reps > 0 and prefill_n > 0:
        res["export"] = [time_export(url, fmt, export_reps, workdir) for fmt in ("json", "csv")]
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--prefill", type=int, nargs="*", default=[0, 100000], help="requests stored beforehand")
    parser.add_argument("--users", type=int, default=40, help="scripted mayors per run (default 40, ~20 updates each)")
    parser.add_argument("--export-reps", type=int, default=3, help="runs of each export (0: none)")
    add_output_args(parser, "engine")
    args = parser.parse_args(argv)
    before = machine()
    import logging

    logging.basicConfig(level=logging.WARNING)

    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load("90")
    runs: list[dict[str, Any]] = []
    notes: list[str] = []
    for backend in args.backends:
        if backend == "postgresql":
            ok, why = pg_reachable()
            if not ok:
                notes.append(f"postgresql skipped: {why}")
                print(notes[-1])
                continue
        for n in args.prefill:
            workdir = Path(tempfile.mkdtemp(prefix="guichet-bench-"))
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{workdir / 'guichet.db'}"
                    runs.append(asyncio.run(bench_backend(backend, url, kb, n, args.users, args.export_reps, workdir)))
                else:
                    with pg_temp_database() as url:
                        runs.append(asyncio.run(bench_backend(backend, url, kb, n, args.users, args.export_reps, workdir)))
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            r = runs[-1]
            print(f"{backend} {n:>6} stored: {r['updates']} updates, p50 {r['latency']['p50_ms']} ms, "
                  f"p99 {r['latency']['p99_ms']} ms, filed {r['requests_filed']}/{r['users']}, off-script {r['off_script']}",
                  flush=True)

    print()
    print(table(["backend", "stored requests", "updates", "p50 (ms)", "p90 (ms)", "p99 (ms)", "max (ms)", "CPU p50 (ms)",
                 "CPU p99 (ms)", "filed/users", "prefill (s)"],
                [[r["backend"], r["stored_requests"], r["updates"], r["latency"]["p50_ms"], r["latency"]["p90_ms"],
                  r["latency"]["p99_ms"], r["latency"]["max_ms"], r["latency"].get("cpu_p50_ms"),
                  r["latency"].get("cpu_p99_ms"), f"{r['requests_filed']}/{r['users']}", r["prefill_s"]]
                 for r in runs]))
    exports = [(r["backend"], r["stored_requests"], e) for r in runs for e in r.get("export", [])]
    if exports:
        print()
        print(table(["backend", "stored requests", "format", "median wall (s)", "runs (s)", "median CPU (s)", "MB",
                     "records seen"],
                    [[b, n, e["format"], e["median_s"], e["wall_s"], e["cpu_median_s"], round(e["bytes"] / 1e6, 1),
                      e["records_seen"]]
                     for b, n, e in exports]))
    slowest = max(runs, key=lambda r: r["latency"]["p99_ms"], default=None)
    goals = []
    if slowest:
        goals.append({"what": "engine update p99 (worst backend/size)", "goal_ms": GOAL_P99_MS,
                      "value_ms": slowest["latency"]["p99_ms"], "where": f"{slowest['backend']} {slowest['stored_requests']}",
                      "verdict": verdict(slowest["latency"]["p99_ms"], GOAL_P99_MS)})
    if exports:
        worst = max(exports, key=lambda x: x[2]["median_s"])
        goals.append({"what": "guichet export median (worst backend/format)", "goal_s": GOAL_EXPORT_S,
                      "value_s": worst[2]["median_s"], "where": f"{worst[0]} {worst[1]} {worst[2]['format']}",
                      "verdict": verdict(worst[2]["median_s"], GOAL_EXPORT_S)})
    for g in goals:
        print(f"goal: {g['what']}: {g.get('value_ms', g.get('value_s'))} ({g['where']}) -> {g['verdict']}")
    command = " ".join([".venv/bin/python bench/bench_engine.py", *(sys.argv[1:] if argv is None else argv)])
    write_results(args, "engine", command, {"goals": goals, "notes": notes, "runs": runs}, before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
