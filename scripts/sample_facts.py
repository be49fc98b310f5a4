#!/usr/bin/env python3
"""Draw facts of the knowledge base at random, for a review against their sources (docs/knowledge-base.md).

Usage::

    PYTHONPATH=$PWD .venv/bin/python scripts/sample_facts.py                  # 20 facts, a fresh seed (printed)
    PYTHONPATH=$PWD .venv/bin/python scripts/sample_facts.py --n 20 --seed 20261206
    PYTHONPATH=$PWD .venv/bin/python scripts/sample_facts.py --json           # the same rows as JSON

A fact is one sourced statement a person can be shown:

* ``offer``   — an offer and one of its sources (the offer's text that the source backs: summary, eligibility,
  how to apply), dated by the offer's ``last_verified``;
* ``local``   — an offer's local block for the deployment (``local.<dep>``) and one of its sources;
* ``faq``     — a FAQ answer and its source, dated by ``verified``;
* ``list``    — a membership list of the deployment (members, completeness) and one of its sources, dated by the date
  of its data (``as_of``);
* ``contact`` — a contact of the deployment and its public record, dated by the record's date.

The output is a Markdown table with an empty « result » column for the reviewer, who reads each source and writes
« correct », « correctly hedged », « inaccurate » or « unsupported ». The draw is reproducible with ``--seed``; the
seed is printed with the table. Read-only: nothing is written.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _short(text: str | None, limit: int = 220) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def facts(departement: str = "90") -> list[dict[str, Any]]:
    """Every reviewable (statement, source) pair, in a stable order."""
    from knowledge.loader import data_dir, load_deployment, load_faq, load_offers
    from knowledge.territory import load_memberships

    rows: list[dict[str, Any]] = []
    offers = load_offers()
    for oid in sorted(offers):
        o = offers[oid]
        statement = f"{o.summary} | Qui : {o.eligibility.text}"
        for s in o.sources:
            rows.append({"kind": "offer", "id": oid, "statement": statement, "source": str(s.url),
                         "source_title": s.title or "", "date": o.last_verified.isoformat()})
        local = o.local.get(departement)
        if local is not None and local.text:
            for s in local.sources:
                rows.append({"kind": "local", "id": f"{oid}:{departement}", "statement": local.text,
                             "source": str(s.url), "source_title": s.title or "", "date": o.last_verified.isoformat()})
    for e in load_faq():
        rows.append({"kind": "faq", "id": e.id, "statement": e.answer, "source": str(e.source),
                     "source_title": "", "date": e.verified.isoformat() if e.verified else ""})
    for ml in load_memberships(Path(data_dir()) / "territory" / "memberships.yaml"):
        if ml.departement != departement:
            continue
        names = ", ".join(m.name for m in ml.members) or "(aucun membre listé)"
        statement = (f"{ml.programme} : {names} — liste {'complète' if ml.complete else 'incomplète'}"
                     + (f" ({ml.data_name})" if ml.data_name else ""))
        for s in ml.sources:
            rows.append({"kind": "list", "id": f"{ml.programme}:{ml.departement}", "statement": statement,
                         "source": str(s.url), "source_title": s.title or "",
                         "date": ml.as_of.isoformat() if ml.as_of else ""})
    dep = load_deployment(departement)
    if dep is not None:
        for c in ([dep.service] if dep.service else []) + list(dep.contacts):
            statement = " — ".join(x for x in (c.name, c.role, c.address, c.phone, c.email) if x)
            rows.append({"kind": "contact", "id": c.name, "statement": statement, "source": str(c.source),
                         "source_title": "", "date": c.as_of.isoformat() if c.as_of else ""})
    return rows


def sample(n: int = 20, seed: int | None = None, departement: str = "90") -> tuple[int, list[dict[str, Any]]]:
    seed = int(time.time()) if seed is None else seed
    everything = facts(departement)
    rng = random.Random(seed)
    picked = rng.sample(everything, min(n, len(everything)))
    return seed, picked


def markdown(seed: int, rows: list[dict[str, Any]], total: int) -> str:
    out = [f"Random sample of {len(rows)} facts out of {total} (seed {seed}; "
           f"`scripts/sample_facts.py --n {len(rows)} --seed {seed}` draws the same ones).", "",
           "| # | kind | id | statement (as shown) | source | date | result |", "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        src = r["source"] + (f" ({_short(r['source_title'], 80)})" if r["source_title"] else "")
        cells = [str(i), r["kind"], r["id"], _short(r["statement"], 400), src, r["date"], ""]
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="how many facts (default 20)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the draw (default: the current time, printed)")
    ap.add_argument("--departement", default="90")
    ap.add_argument("--json", action="store_true", help="JSON instead of a Markdown table")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    total = len(facts(args.departement))
    seed, rows = sample(args.n, args.seed, args.departement)
    if args.json:
        print(json.dumps({"seed": seed, "total": total, "facts": rows}, ensure_ascii=False, indent=2))
    else:
        print(markdown(seed, rows, total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
