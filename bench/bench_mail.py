"""The e-mail channel on a full mailbox (issue 20): 1,000 mails in a real Dovecot on loopback (delivered into its
Maildir), read over IMAP, each through the engine, answered through the outbox and a real SMTP server (aiosmtpd) on
loopback; SQLite and PostgreSQL.

    .venv/bin/python bench/bench_mail.py                      # 1,000 mails, SQLite and PostgreSQL
    .venv/bin/python bench/bench_mail.py --mails 200 --db sqlite --no-write        # quick look

The mix: 60 % first mails of a request (a need from tests/data/dev/needs.yaml, a collectivité, a signature with a
name and a phone), 30 % questions (tests/data/dev/faq.yaml), 10 % auto-replies, bounces and list mail (no answer).
Each from its own address. Timed: ``guichet mail --once``'s work in-process (``MailChannel.process_mailbox``: fetch,
parse, engine turn, answer queued, all committed, mail marked read) and the sending of the answers (SMTP), then both.
Goal (issue 20): >= 20 mails per second on this machine, SQLite and PostgreSQL. The bench's 600 requests draw from
307 dev needs: the encoder's memo is cut to the mails in flight (``--memo 64``) and emptied before each database's
run, so a repeated need costs what a new one would. At the end the database is read:
every mail handled once, every answerable mail answered once.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (add_output_args, load_faq_questions, load_needs, machine, pg_reachable,  # noqa: E402
                          pg_temp_database, table, write_results)
from tests.mail.dovecot import DOVECOT, Dovecot  # noqa: E402
from tests.webchat.smtp import SmtpServer  # noqa: E402

COMMUNES = ["Valdoie", "Giromagny", "Offemont", "Danjoutin", "Bavilliers", "Lepuix", "Chaux", "Beaucourt",
            "Delle", "Rougemont-le-Château", "Étueffont", "Grandvillars"]
NAMES = ["Marie Dupont", "Jean Martin", "Claire Petit", "Luc Moreau", "Nathalie Roy", "Paul Lefèvre"]
ROLES = ["Secrétaire de mairie", "Maire", "Adjointe au maire", "DGS"]


def mails(n: int, seed: int = 20) -> list[tuple[bytes, bool]]:
    """(raw mail, expects an answer)."""
    rng = random.Random(seed)
    needs = [x["text"] for x in load_needs(("dev",))] or ["rénover l'école"]
    questions = load_faq_questions(("dev",)) or ["Le Fonds vert finance-t-il l'éclairage public ?"]
    out: list[tuple[bytes, bool]] = []
    for i in range(n):
        msg = EmailMessage()
        sender = f"mairie{i}@commune{i % 97}.test"
        msg["To"] = "guichet@prefecture.test"
        msg["Message-ID"] = f"<bench.{i}.{seed}@commune{i % 97}.test>"
        msg["Date"] = "Mon, 7 Dec 2026 10:00:00 +0100"
        roll = rng.random()
        answer = True
        if roll < 0.6:
            name, role, commune = rng.choice(NAMES), rng.choice(ROLES), rng.choice(COMMUNES)
            msg["From"] = f"{name} <{sender}>"
            msg["Subject"] = "Demande d'accompagnement"
            msg.set_content(f"Bonjour,\n\nPour la commune de {commune} : {rng.choice(needs)}\n\nCordialement,\n\n"
                            f"{name}\n{role}\nMairie de {commune}\nTél : 03 84 {rng.randint(10, 99)} "
                            f"{rng.randint(10, 99)} {rng.randint(10, 99)}\n")
        elif roll < 0.9:
            msg["From"] = sender
            msg["Subject"] = "Question"
            msg.set_content(f"Bonjour,\n\n{rng.choice(questions)}\n\nMerci.\n")
        else:
            answer = False
            msg["From"] = sender
            msg["Subject"] = "Réponse automatique : votre message"
            msg["Auto-Submitted"] = "auto-replied"
            msg.set_content("Je suis absent(e) jusqu'au 4 janvier.\n")
        out.append((msg.as_bytes(), answer))
    return out


async def run_one(db_url: str, n: int, kb: Any) -> dict[str, Any]:
    from bot.channels.mail.channel import MailChannel
    from bot.channels.mail.imap import Mailbox
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    from intents import encoder

    encoder.clear_memo()  # each database's run from a cold memo (the same mails are read in each run)
    batch = mails(n)
    with tempfile.TemporaryDirectory() as tmp, Dovecot(Path(tmp)) as dovecot, SmtpServer() as smtp:
        for raw, _ in batch:
            dovecot.deliver(raw)
        settings = load_settings(departement="90", database_url=db_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                 mail_from="guichet@prefecture.test", secret_key="bench", attachments_dir=tmp + "/att",
                                 flood_max_messages=100_000, **dovecot.settings())
        store = await Store.open(db_url, departement="90", timezone_name="Europe/Paris")
        try:
            channel = MailChannel(Engine(kb=kb, store=store, settings=settings), store, settings)
            box = Mailbox(settings)
            t0, c0 = time.perf_counter(), time.process_time()
            await box.open()
            stats = await channel.process_mailbox(box)
            await box.close()
            t1, c1 = time.perf_counter(), time.process_time()
            await channel.flush(passes=10_000)
            t2 = time.perf_counter()
            async with store.unit(readonly=True) as uow:
                import sqlalchemy as sa

                handled = (await uow.conn.execute(sa.text("SELECT count(*) FROM mail_message"))).scalar()
                queued = (await uow.conn.execute(sa.text(
                    "SELECT count(*) FROM outbox WHERE channel = 'email'"))).scalar()
        finally:
            await store.close()
        expected = sum(1 for _, a in batch if a)
        sent = len(smtp.mailbox.messages)
    return {
        "mails": n, "read": stats.read, "handled": handled, "answers_expected": expected, "answers_queued": queued,
        "answers_sent": sent, "silent": stats.silent,
        "process_s": round(t1 - t0, 2), "send_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
        "process_per_s": round(n / (t1 - t0), 1), "end_to_end_per_s": round(n / (t2 - t0), 1),
        # this process's CPU (every thread: event loop, encoder, parsing, SQLite) while reading and answering: on a
        # shared machine the steadier figure (the wall clock waits for a core); PostgreSQL's own CPU is not in it
        "process_cpu_s": round(c1 - c0, 2), "cpu_ms_per_mail": round(1000 * (c1 - c0) / n, 1),
        "ok": handled == n and queued == expected and sent == expected,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--memo", type=int, default=64,
                        help="query vectors kept in memory (GUICHET_ENCODER_MEMO) during the run; the default 64 holds "
                             "the mails in flight only, so that a need drawn twice from the dev set is encoded twice, "
                             "as two different mails would be (the guichet's own default is 2,048)")
    add_output_args(parser, "bench_mail")
    args = parser.parse_args()
    import os

    os.environ["GUICHET_ENCODER_MEMO"] = str(args.memo)
    from intents import encoder

    encoder.configure()
    if DOVECOT is None:
        print("dovecot is not installed (apt-get install dovecot-imapd)")
        return 2
    before = machine()
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load("90")
    results: dict[str, Any] = {}
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = asyncio.run(run_one(f"sqlite:///{tmp}/bench.db", args.mails, kb))
    if args.db in ("postgresql", "both"):
        ok, why = pg_reachable()
        if ok:
            with pg_temp_database() as url:
                results["postgresql"] = asyncio.run(run_one(url, args.mails, kb))
        else:
            print(why)
    rows = [[db, r["mails"], r["process_s"], r["process_per_s"], r["cpu_ms_per_mail"], r["send_s"],
             r["end_to_end_per_s"],
             f"{r['answers_sent']}/{r['answers_expected']}", "ok" if r["ok"] else "MISMATCH"]
            for db, r in results.items()]
    print(table(["database", "mails", "read+answer (s)", "mails/s", "CPU ms/mail", "SMTP send (s)",
                 "end to end mails/s",
                 "answers", "check"], rows))
    write_results(args, "bench_mail", " ".join(["bench/bench_mail.py"] + sys.argv[1:]), results, before)
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
