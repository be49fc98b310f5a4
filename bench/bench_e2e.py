"""End to end: N mayors at once through a whole intake, via the fake Bot API on loopback, with the real PTB client.

    .venv/bin/python bench/bench_e2e.py              # 200 mayors; SQLite and PostgreSQL; polling and webhook
    .venv/bin/python bench/bench_e2e.py --db sqlite --mode webhook --mayors 50 --no-write     # quick look
    .venv/bin/python bench/bench_e2e.py --db sqlite --mode polling --profile /tmp/bot.prof   # where time goes
    .venv/bin/python bench/bench_e2e.py --db postgresql --mode webhook --think 3 --out bench/results/e2e-paced.json
    .venv/bin/python bench/bench_e2e.py --db postgresql --mode webhook --workers 2 --out bench/results/e2e-workers.json

Three processes, so that nobody shares an event loop or a GIL with the bot:
  * the fake Bot API server (``python -m tests.fakebotapi``, threads, its ``/_control`` HTTP interface);
  * the bot: our ``App`` + ``TelegramChannel`` (real PTB ``Application``, our update processor, outbox sender),
    started by this script's hidden ``_bot`` subcommand, in polling mode (long-polling ``getUpdates``) or in webhook
    mode (our webhook, which answers once an update is handled); PTB's rate limiter is **off** (``rate_limiter=False``:
    it would cap sends at Telegram's 30 messages/s, which is what the benchmark must stay far from, not measure),
    flood control out of reach, jobs off; a fresh SQLite file or a fresh PostgreSQL database
    (``GUICHET_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``);
  * this driver (asyncio + httpx): N scripted mayors at once, each one going through a whole intake as fast as the
    bot answers (no think time): ``/demande``, commune, role, need (a labelled need of ``tests/data``), themes,
    stage, help, budget, timing, name, phone (contact shared), e-mail, offers, recap, consent, and "nouvelle demande"
    when the duplicate guard fires.

Reply latency of an update = from the moment the driver makes it available (polling: it starts the ``/_control``
call that queues it for ``getUpdates``; webhook: it starts the POST to the bot) to the moment the bot has handled it,
i.e. **all** its replies have reached the fake server (polling: the bot process writes ``H <update_id>`` on its stdout
once our handler finished, after the replies were sent; webhook: the webhook's answer). That is an upper bound of the
time to the first reply. Throughput = updates handled / wall time of the whole run. Staff notifications (outbox) go
to the fake server too, during the run, and are checked at the end (one per request).

``--think T``: each mayor waits a random time (uniform, mean T seconds) before each action, as a person reading and
typing would; with T = 0 (default) the 200 mayors keep the bot saturated, so by Little's law the reply time is
about 200 / throughput (p99 <= 250 ms at 200 mayors with no think time would need about 800 updates/s).
``--workers N`` (webhook mode, PostgreSQL): N bot processes, every update sent to the next one (round-robin, as a
load balancer would), so consecutive updates of a chat are handled by different processes.

Goals (issue 6): >= 200 updates/s and reply p99 <= 250 ms with 200 mayors at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    add_output_args,
    load_needs,
    machine,
    pg_reachable,
    pg_temp_database,
    summary_ms,
    table,
    verdict,
    write_results,
)

GOAL_UPDATES_PER_S = 200.0
GOAL_P99_MS = 250.0
TOKEN = "7000000001:TEST-fake-token-AAAAAAAAAAAAAAAAAAAA"
SECRET = "bench-e2e-secret_0123456789"
STAFF_CHAT = -1001234567890
STAFF_USER = 111
COMMUNES = ["Giromagny", "Delle", "Beaucourt", "Valdoie", "Offemont", "Bavilliers", "Danjoutin", "Grandvillars",
            "Rougemont-le-Château", "Étueffont", "Chèvremont", "Lepuix"]
DEFAULT_NEED = ("Nous voulons créer une maison de santé pluriprofessionnelle dans le centre bourg pour garder des "
                "médecins")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux ``/proc``), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def sum_cpu(pids: list[int]) -> float | None:
    values = [cpu_seconds(pid) for pid in pids]
    return None if any(v is None for v in values) else sum(values)  # type: ignore[misc]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the bot process ------------------------------------------------------------------------------------------------
async def serve_bot(args: argparse.Namespace) -> None:
    import logging

    from bot.app import App
    from bot.channels.telegram.runner import TelegramChannel
    from bot.config import load_settings

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(
        telegram_token=TOKEN, telegram_api_url=args.api, database_url=args.database_url, staff_chat_id=STAFF_CHAT,
        staff_user_ids=[STAFF_USER], flood_max_messages=1_000_000, departement="90", log_level="WARNING",
        webhook_secret=SECRET,
    )
    guichet = await App.start(settings)
    channel = TelegramChannel(guichet, rate_limiter=False, run_jobs=False)
    original = channel._mark_handled
    out = sys.stdout

    async def mark_handled(update_id: int) -> None:
        await original(update_id)
        out.write(f"H {update_id}\n")
        out.flush()

    channel._mark_handled = mark_handled  # type: ignore[method-assign]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if args.mode == "webhook":
        url = f"http://127.0.0.1:{args.port}/telegram"
        await channel.start_webhook("127.0.0.1", args.port, "telegram", url, SECRET)
    else:
        await channel.start_polling(poll_timeout=10)
    out.write("READY\n")
    out.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await channel.stop()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    await guichet.close()


# --- the driver -----------------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, fake_url: str, bots: list[asyncio.subprocess.Process], mode: str,
                 webhook_ports: list[int]) -> None:
        self.fake_url = fake_url
        self.fake_port = int(fake_url.rsplit(":", 1)[1])
        self.bots = bots
        self.mode = mode
        self.webhook_ports = webhook_ports
        self.handled: set[int] = set()
        self.waiters: dict[int, asyncio.Future] = {}
        self.latencies: list[float] = []
        self.updates = 0
        self.lost: list[str] = []
        self.think = 0.0
        self.rnd = random.Random(7)
        self.readers: list[asyncio.Task] = []

    async def read_bot(self, bot: asyncio.subprocess.Process) -> None:
        assert bot.stdout is not None
        while True:
            line = await bot.stdout.readline()
            if not line:
                return
            if line.startswith(b"H "):
                uid = int(line[2:])
                self.handled.add(uid)
                future = self.waiters.pop(uid, None)
                if future is not None and not future.done():
                    future.set_result(None)

    def connections(self) -> tuple[Http, list[Http]]:
        """(to the fake server, to each worker's webhook): one set per mayor."""
        return Http("127.0.0.1", self.fake_port), [Http("127.0.0.1", port) for port in self.webhook_ports]

    async def control(self, conn: Http, action: str, **payload: Any) -> Any:
        status, body = await conn.request("POST", f"/_control/{action}", payload)
        if status != 200:
            raise RuntimeError(f"control {action}: {status} {body[:200]!r}")
        return json.loads(body)["result"]

    async def messages(self, conn: Http, chat_id: int, after: int = 0) -> list[dict]:
        status, body = await conn.request("GET", f"/_control/messages?chat_id={chat_id}&after={after}")
        if status != 200:
            raise RuntimeError(f"control messages: {status}")
        return json.loads(body)["result"]

    async def act(self, conns: tuple[Http, list[Http]], action: str, **payload: Any) -> None:
        """One update: make it available, wait until the bot handled it (all replies at the fake server)."""
        loop = asyncio.get_running_loop()
        if self.think:
            # The mayor reads and types: pacing of the load (uniform, mean = think), never an assertion.
            await asyncio.sleep(self.rnd.uniform(0.5, 1.5) * self.think)
        if self.mode == "polling":
            t0 = time.perf_counter()
            update = await self.control(conns[0], action, **payload)
            uid = update["update_id"]
            if uid not in self.handled:
                future = loop.create_future()
                self.waiters[uid] = future
                await asyncio.wait_for(future, 120)
        else:
            update = await self.control(conns[0], action, **payload)
            t0 = time.perf_counter()
            # Several workers: each update of a mayor to the next worker, as a round-robin load balancer would.
            worker = conns[1][self.updates % len(conns[1])]
            status, _ = await worker.request("POST", "/telegram", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})
            if status != 200:
                raise RuntimeError(f"webhook answered {status}")
        self.latencies.append(time.perf_counter() - t0)
        self.updates += 1


class Http:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (one connection, one request at a time).

    The driver shares the machine with the bot: httpx costs several times more CPU per call, which the bot would
    then miss. JSON bodies only, ``Content-Length`` responses only (what the fake server and PTB's webhook send)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
                      ) -> tuple[int, bytes]:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(head.encode() + b"\r\n" + data)
                status_line = await self.reader.readline()  # type: ignore[union-attr]
                if not status_line:
                    raise ConnectionError("closed")
                length, close = 0, False
                while True:
                    line = await self.reader.readline()  # type: ignore[union-attr]
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                    elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                        close = True
                payload = await self.reader.readexactly(length) if length else b""  # type: ignore[union-attr]
                if close:
                    self.close()
                return int(status_line.split()[1]), payload
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _buttons(message: dict) -> list[tuple[str, str]]:
    return [(b[0], b[1]) for b in message.get("buttons") or []]


def _data(message: dict, label_part: str) -> str | None:
    for label, data in _buttons(message):
        if label_part.lower() in label.lower():
            return data
    return None


async def mayor(bench: Bench, user: int, need: str, commune: str) -> str | None:
    """Drive one whole intake; returns the request's reference (None if the script got lost)."""
    import re

    ref_re = re.compile(r"\b(\d{2}[0-9AB]?-\d{4}-\d{4,6})\b")

    conns = bench.connections()

    async def say(text: str) -> None:
        await bench.act(conns, "text", user=user, text=text)

    async def press(messages: list[dict], label_part: str) -> None:
        for m in reversed(messages):
            data = _data(m, label_part)
            if data is not None:
                await bench.act(conns, "callback", user=user, message_id=m["message_id"], data=data)
                return
        raise LookupError(label_part)

    messages: list[dict] = []
    described = 0
    await say("/demande")
    for _ in range(40):
        new = await bench.messages(conns[0], user, after=len(messages))
        if not new and messages:  # a choice edited in place: read the pressed message again
            messages[-1] = (await bench.messages(conns[0], user, after=len(messages) - 1))[0]
        messages += new
        last = new[-1] if new else messages[-1]
        text = (last.get("text") or "").lower()
        labels = [label for label, _ in _buttons(last)]
        found = ref_re.search(last.get("text") or "")
        if found and ("envoy" in text or "référence" in text):
            return found.group(1)
        if text.startswith("récapitulatif"):
            await press(messages, "Envoyer")
        elif text.startswith("avant l'envoi"):
            await press(messages, "accepte")
        elif "déjà ouverte" in text and labels:
            await press(messages, "nouvelle")
        elif "dispositifs" in text:
            await press(messages, "Continuer")
        elif "quelle collectivité" in text:
            await say(commune)
        elif "fonction" in text:
            await press(messages, "Maire")
        elif "dites-m'en plus" in text or "en dire un peu plus" in text:
            await say(DEFAULT_NEED)
        elif "décrivez" in text:
            described += 1  # a need read as a question gets an answer and the prompt again: then a plain need
            await say(need if described == 1 else DEFAULT_NEED)
        elif "compris" in text and labels:
            await press(messages, "Oui")
        elif "où en est" in text:
            await press(messages, "Idée")
        elif "thèmes de votre projet" in text and labels:
            await press([last], "Valider" if any(lbl.startswith("✅") for lbl in labels) else labels[0])
        elif "quelle aide" in text:
            await press([last], "Valider" if any(lbl.startswith("✅") for lbl in labels) else "Ingénierie")
        elif "budget" in text or "calendrier" in text:
            await press([last], "Passer")
        elif "nom et prénom" in text:
            await say("Claire Martin")
        elif "téléphone" in text:
            await bench.act(conns, "contact", user=user, phone="+33612345678")
        elif "e-mail" in text:
            await say(f"mairie{user}@example.org")
        elif "oui" in [lbl.lower() for lbl in labels]:
            await press([last], "Oui")
        elif labels:
            await press([last], labels[0])  # any other choice: the first one
        else:
            bench.lost.append(last.get("text") or "")
            return None
    bench.lost.append("(40 steps) " + " | ".join((m.get("text") or "")[:60] for m in messages[-4:]))
    return None


async def run_case(db: str, mode: str, database_url: str, mayors: int, profile: str | None,
                   think: float = 0.0, workers: int = 1) -> dict[str, Any]:
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakebotapi", "--port", str(fake_port), "--token", TOKEN],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    bots: list[asyncio.subprocess.Process] = []
    try:
        assert fake.stdout is not None
        await asyncio.to_thread(fake.stdout.readline)  # "fake Bot API on ..."
        ports = [free_port() for _ in range(workers)] if mode == "webhook" else []
        t_start = time.perf_counter()
        for i in range(workers):
            cmd = [sys.executable, str(Path(__file__).resolve()), "_bot", "--api", fake_url, "--database-url",
                   database_url, "--mode", mode, "--port", str(ports[i] if ports else 0)]
            if profile:
                cmd += ["--profile", f"{profile}.{i}" if workers > 1 else profile]
            bots.append(await asyncio.create_subprocess_exec(*cmd, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE))
        for bot in bots:
            assert bot.stdout is not None
            line = await asyncio.wait_for(bot.stdout.readline(), 120)
            if line.strip() != b"READY":
                raise RuntimeError(f"the bot did not start: {line!r}")
        startup = time.perf_counter() - t_start
        bench = Bench(fake_url, bots, mode, ports)
        bench.think = think
        bench.readers = [asyncio.create_task(bench.read_bot(bot)) for bot in bots]
        needs = [n["text"] for n in load_needs() if len(n["text"]) >= 40] or [DEFAULT_NEED]
        rnd = random.Random(6)
        users = [100_000 + i for i in range(mayors)]
        c0 = time.process_time()
        bot_c0, fake_c0 = sum_cpu([b.pid for b in bots]), cpu_seconds(fake.pid)
        load0 = os.getloadavg()
        t0 = time.perf_counter()
        refs = await asyncio.gather(*(mayor(bench, u, rnd.choice(needs), COMMUNES[i % len(COMMUNES)])
                                      for i, u in enumerate(users)), return_exceptions=True)
        wall = time.perf_counter() - t0
        driver_cpu = time.process_time() - c0
        bot_c1, fake_c1 = sum_cpu([b.pid for b in bots]), cpu_seconds(fake.pid)
        bot_cpu = bot_c1 - bot_c0 if bot_c0 is not None and bot_c1 is not None else None
        fake_cpu = fake_c1 - fake_c0 if fake_c0 is not None and fake_c1 is not None else None
        filed = [r for r in refs if isinstance(r, str)]
        failures = [repr(r)[:200] for r in refs if not isinstance(r, str)]
        # Staff notifications: one per filed request (the outbox sender delivers them during and after the run).
        status, body = await bench.connections()[0].request(
            "GET", f"/_control/wait?chat_id={STAFF_CHAT}&after=0&count={len(filed)}&timeout=60")
        staff = json.loads(body)["result"]
        notified = {ref: sum(ref in (m.get("text") or "") for m in staff) for ref in filed}
        result = {
            "db": db,
            "mode": mode,
            "workers": workers,
            "mayors": mayors,
            "think_s": think,
            "intakes_completed": len(filed),
            "failures": failures[:5],
            "lost_at": bench.lost[:5],
            "failures_count": len(failures),
            "updates": bench.updates,
            "wall_s": round(wall, 3),
            "updates_per_s": round(bench.updates / wall, 1) if wall else None,
            "reply": summary_ms(bench.latencies),
            "bot_cpu_s": round(bot_cpu, 2) if bot_cpu is not None else None,
            "bot_cpu_ms_per_update": round(bot_cpu * 1000 / bench.updates, 2) if bot_cpu and bench.updates else None,
            "bot_cpu_share_of_wall": round(bot_cpu / wall, 2) if bot_cpu is not None and wall else None,
            "fake_server_cpu_s": round(fake_cpu, 2) if fake_cpu is not None else None,
            "driver_cpu_s": round(driver_cpu, 2),
            "loadavg_1min_before": round(load0[0], 2),
            "bot_startup_s": round(startup, 2),
            "staff_notifications_per_request": sorted(set(notified.values())),
            "rate_limiter": "off (PTB AIORateLimiter not installed in the benchmark's bot)",
            "profiled": bool(profile),
        }
        return result
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        for bot in bots:
            try:
                await asyncio.wait_for(bot.wait(), 60)
            except asyncio.TimeoutError:
                bot.kill()
                await bot.wait()
        fake.terminate()
        fake.wait(10)


def rate_verdict(rate: float | None) -> str:
    if not rate:
        return "not measured"
    return "met" if rate >= GOAL_UPDATES_PER_S else f"missed: {rate / GOAL_UPDATES_PER_S:.0%} of the goal"


def print_profile(path: str, top: int = 30) -> None:
    import pstats

    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    for db in dbs:
        if db == "postgresql":
            ok, reason = pg_reachable()
            if not ok:
                print(f"PostgreSQL skipped: {reason}")
                results.append({"db": db, "skipped": reason})
                continue
        for mode in modes:
            with contextlib.ExitStack() as stack:
                if db == "sqlite":
                    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="guichet-e2e-"))
                    url = f"sqlite:///{Path(tmp) / 'guichet.db'}"
                else:
                    url = stack.enter_context(pg_temp_database(prefix="guichet_bench_e2e"))
                print(f"{db} / {mode}: {args.mayors} mayors …", flush=True)
                if args.workers > 1 and (mode != "webhook" or db != "postgresql"):
                    print(f"{db} / {mode}: several workers need webhook mode on PostgreSQL; skipped")
                    continue
                res = await run_case(db, mode, url, args.mayors, args.profile, args.think, args.workers)
                results.append(res)
                print(json.dumps(res, ensure_ascii=False), flush=True)
    return {"cases": results}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_bot":
        parser = argparse.ArgumentParser()
        parser.add_argument("_bot")
        parser.add_argument("--api", required=True)
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--mode", choices=["polling", "webhook"], required=True)
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--profile", default=None)
        asyncio.run(serve_bot(parser.parse_args()))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    parser.add_argument("--mayors", type=int, default=200)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a mayor takes before each action (0: as fast as the bot answers)")
    parser.add_argument("--workers", type=int, default=1,
                        help="bot processes (webhook mode on PostgreSQL only), updates spread round-robin")
    parser.add_argument("--profile", default=None, help="cProfile the bot process to this file (slows it down)")
    add_output_args(parser, "e2e")
    args = parser.parse_args()
    before = machine()
    out = asyncio.run(main_async(args))
    rows = []
    for c in out["cases"]:
        if "skipped" in c:
            rows.append([c["db"], "-", "-", "-", "-", "-", "-", "-", "skipped"])
            continue
        rows.append([c["db"], f"{c['mode']} ×{c['workers']}", c["think_s"],
                     f"{c['intakes_completed']}/{c['mayors']}", c["updates"],
                     c["updates_per_s"], c["reply"].get("p50_ms"), c["reply"].get("p99_ms"),
                     f"{rate_verdict(c['updates_per_s'])} / {verdict(c['reply'].get('p99_ms'), GOAL_P99_MS)}"])
    print()
    print(table(["db", "mode", "think s", "intakes", "updates", "updates/s", "reply p50 ms", "reply p99 ms",
                 "goal ≥200/s / p99 ≤250 ms"], rows))
    command = "python bench/bench_e2e.py " + " ".join(sys.argv[1:])
    if args.profile:
        print_profile(args.profile)
        args.no_write = True  # profiled figures are slowed down: never stored as results
    write_results(args, "e2e", command.strip(), {"goals": {"updates_per_s": GOAL_UPDATES_PER_S,
                                                           "reply_p99_ms": GOAL_P99_MS}, **out}, before)


if __name__ == "__main__":
    main()
