"""Knowledge at scale: the real matcher and FAQ index on generated catalogues of 1,000 and 10,000 offers.

    .venv/bin/python bench/bench_catalogue.py                 # shipped KB + 1,000 + 10,000 offers
    .venv/bin/python bench/bench_catalogue.py --sizes 200 --rounds 1 --no-write   # quick look

Synthetic offers are derived from the shipped ones (deterministic seed): each takes a shipped offer as its base, gets
a new name built from the real themes' vocabulary, keywords drawn from its themes' keywords and from the base, and
varied eligibility rules (population bounds, commune/EPCI, memberships, closed lists of laureates of the 90, rural,
uncertain) and statuses. Every one is validated against ``knowledge.schema.Offer``. They live in memory (they are also
written as YAML files to a temporary directory to time ``KnowledgeBase.load`` on them, unless ``--no-yaml``); nothing is committed.

Measured per catalogue: generation+validation, index build (``Matcher`` and ``FaqIndex``), and p50/p99 per query of
``match`` without and with a commune, ``detect_themes`` and the FAQ ``answer``, over the labelled needs and FAQ
questions of ``tests/data/{dev,heldout}``. "cold": the typo-correction caches are emptied before every query (each
query pays its own fuzzy look-ups, the realistic case for new users' typos); "warm": the same queries again with the
caches kept. The goal (issue 6) is p99 <= 20 ms at 10,000 offers.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Stopwatch,
    add_output_args,
    clear_caches,
    load_faq_questions,
    load_needs,
    machine,
    table,
    verdict,
    write_results,
)

GOAL_P99_MS = 20.0
DEFAULT_COMMUNE = "90052"  # Giromagny, for needs labelled without a commune

PREFIXES = [
    "Aide à", "Appel à projets", "Fonds pour", "Programme", "Subvention pour", "Accompagnement", "Prêt pour",
    "Dispositif", "Soutien à", "Ingénierie pour", "Plan", "Contrat",
]
SCOPES = [
    "Région Bourgogne-Franche-Comté", "Département", "Ademe", "Anah", "Banque des Territoires", "Cerema", "ANCT",
    "Agence de l'eau Rhône Méditerranée Corse", "DREAL", "DRAC", "ARS", "Europe (Feder)", "Leader", "CAF",
]
STATUSES = ["permanent"] * 6 + ["ouvert"] * 3 + ["ferme", "incertain", "liste-fermee"]
MEMBERSHIPS = ["acv", "pvd", "villages-d-avenir", "qpv", "france-services", "montagne", "ti"]


def _slug(text: str) -> str:
    from intents.normalize import normalize

    return re.sub(r"[^a-z0-9]+", "-", normalize(text)).strip("-")[:40] or "offre"


def generate_offers(n: int, base_offers: dict[str, Any], themes: dict[Any, Any], commune_codes: list[str],
                    epci_codes: list[str], seed: int = 42) -> dict[str, Any]:
    """``n`` valid ``Offer`` objects derived from the shipped ones (deterministic for a seed)."""
    from knowledge.schema import Offer

    rng = random.Random(seed)
    bases = [o.model_dump(mode="json") for o in sorted(base_offers.values(), key=lambda o: o.id)]
    theme_ids = sorted(themes, key=lambda t: t.value)
    vocab = {t: list(themes[t].keywords) for t in theme_ids}
    out: dict[str, Any] = {}
    for i in range(n):
        base = dict(bases[i % len(bases)])
        primary = rng.choice(theme_ids) if rng.random() < 0.5 else type(theme_ids[0])(base["themes"][0])
        others = rng.sample(theme_ids, k=rng.randint(0, 2))
        offer_themes = [primary] + [t for t in others if t != primary]
        topic = rng.choice(vocab[primary] or [themes[primary].label])
        name = f"{rng.choice(PREFIXES)} {topic} ({rng.choice(SCOPES)})"
        drawn = (
            rng.sample(vocab[primary], k=min(len(vocab[primary]), rng.randint(3, 8)))
            + [kw for t in offer_themes[1:] for kw in rng.sample(vocab[t], k=min(len(vocab[t]), 2))]
            + rng.sample(base["keywords"], k=min(len(base["keywords"]), rng.randint(1, 4)))
        )
        keywords = list({kw.strip().lower(): kw for kw in reversed(drawn)}.values())[::-1]  # no duplicates (loader)
        summary = f"{name} : {base['summary']}"
        if len(summary) > 600:
            summary = summary[:597].rsplit(" ", 1)[0] + "…"
        elig: dict[str, Any] = {"text": base["eligibility"]["text"], "sources": base["eligibility"].get("sources", [])}
        rule = rng.random()
        local: dict[str, Any] = {}
        if rule < 0.15:
            elig["population_max"] = rng.choice([1999, 3499, 9999, 20000])
        elif rule < 0.25:
            elig["population_min"] = rng.choice([1000, 3500, 10000])
        elif rule < 0.35:
            elig["kinds"] = rng.choice([["commune"], ["epci"], ["commune", "epci"]])
        elif rule < 0.45:
            elig["requires_any"] = rng.sample(MEMBERSHIPS, k=rng.randint(1, 2))
        elif rule < 0.52:
            elig["rural_only"] = True
        elif rule < 0.62:
            elig["laureates_only"] = True
            laureates = rng.sample(commune_codes, k=min(len(commune_codes), rng.randint(1, 12)))
            if epci_codes and rng.random() < 0.3:
                laureates.append(rng.choice(epci_codes))
            local["90"] = {"laureates": laureates, "text": f"Lauréats locaux de « {name} » (données générées).",
                           "uncertain": rng.random() < 0.2}
        elif rule < 0.67:
            elig["departements"] = rng.sample(["90", "25", "70", "39", "68"], k=2)
        if rng.random() < 0.1:
            elig["uncertain"] = True
        data = {
            **base,
            "id": f"syn-{i:05d}-{_slug(topic)}",
            "name": name,
            "acronym": None,
            "summary": summary,
            "themes": [t.value for t in offer_themes],
            "keywords": keywords,
            "eligibility": elig,
            "status": rng.choice(STATUSES),
            "local": local,
        }
        offer = Offer.model_validate(data)
        out[offer.id] = offer
    return out


def write_yaml_catalogue(root: Path, offers: dict[str, Any]) -> None:
    """Offers as YAML files under ``root/offers`` plus the shipped FAQ and themes (for ``KnowledgeBase.load``)."""
    import shutil

    import yaml

    from knowledge.loader import data_dir

    (root / "offers").mkdir(parents=True)
    for offer in offers.values():
        text = yaml.safe_dump(offer.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)
        (root / "offers" / f"{offer.id}.yaml").write_text(text, encoding="utf-8")
    for name in ("faq.yaml", "themes.yaml"):
        shutil.copy(data_dir() / name, root / name)


def _time_queries(fn: Any, queries: list[tuple[Any, ...]], rounds: int, caches: list[Any], cold: bool) -> dict[str, Any]:
    sw = Stopwatch()
    results = 0
    for _ in range(rounds):
        for args in queries:
            if cold:
                clear_caches(*caches)
            with sw:
                r = fn(*args)
            results += 1 if r else 0
    return {**sw.summary(), "non_empty": results}


def measure(label: str, offers: dict[str, Any], kb: Any, needs: list[dict[str, Any]], faq_questions: list[str],
            rounds: int) -> dict[str, Any]:
    """Build the real indexes on ``offers`` and time the queries."""
    from knowledge.faq import FaqIndex
    from knowledge.search import Matcher

    t0 = time.perf_counter()
    matcher = Matcher(offers, kb.themes, territory=kb.territory, departement=kb.departement)
    t1 = time.perf_counter()
    faq_index = FaqIndex(kb.faq, offers)
    t2 = time.perf_counter()
    caches = [matcher, faq_index]
    no_commune = [(n["text"], None) for n in needs]
    with_commune = [(n["text"], n.get("commune") or DEFAULT_COMMUNE) for n in needs]
    res: dict[str, Any] = {
        "label": label,
        "offers": len(offers),
        "matcher_build_s": round(t1 - t0, 3),
        "faq_index_build_s": round(t2 - t1, 3),
        "queries": len(needs),
        "rounds": rounds,
    }
    for mode in ("cold", "warm"):
        cold = mode == "cold"
        if not cold:  # warm-up round: fill the caches
            for text, code in with_commune:
                matcher.match(text, code)
        res[f"match_no_commune_{mode}"] = _time_queries(lambda t, c: matcher.match(t, c), no_commune, rounds, caches, cold)
        res[f"match_commune_{mode}"] = _time_queries(lambda t, c: matcher.match(t, c), with_commune, rounds, caches, cold)
        res[f"detect_themes_{mode}"] = _time_queries(lambda t: matcher.detect_themes(t), [(n["text"],) for n in needs],
                                                   rounds, caches, cold)
        res[f"faq_{mode}"] = _time_queries(lambda q: faq_index.answer(q), [(q,) for q in faq_questions], rounds,
                                           caches, cold)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="catalogue sizes (default 1000 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query list per measure (default 3)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-yaml", dest="yaml", action="store_false",
                        help="skip timing KnowledgeBase.load from the catalogue written as YAML files in a temp dir")
    parser.add_argument("--limit-queries", type=int, default=0, help="use only the first N needs (smoke tests)")
    add_output_args(parser, "catalogue")
    args = parser.parse_args(argv)
    before = machine()

    from knowledge.base import KnowledgeBase

    t0 = time.perf_counter()
    kb = KnowledgeBase.load("90")
    shipped_load = time.perf_counter() - t0
    needs = load_needs()
    faq_questions = load_faq_questions()
    if args.limit_queries:
        needs, faq_questions = needs[: args.limit_queries], faq_questions[: args.limit_queries]
    communes = [p.code for p in kb.territory.communes_of("90")]
    epcis = [p.code for p in kb.territory.epcis_of("90")]

    runs: list[dict[str, Any]] = []
    shipped = measure("shipped", kb.offers, kb, needs, faq_questions, args.rounds)
    shipped["kb_load_s"] = round(shipped_load, 3)
    runs.append(shipped)
    for size in args.sizes:
        t0 = time.perf_counter()
        offers = generate_offers(size, kb.offers, kb.themes, communes, epcis, seed=args.seed)
        gen = time.perf_counter() - t0
        run = measure(f"generated-{size}", offers, kb, needs, faq_questions, args.rounds)
        run["generate_validate_s"] = round(gen, 3)
        if args.yaml:
            with tempfile.TemporaryDirectory(prefix="guichet-cat-") as tmp:
                write_yaml_catalogue(Path(tmp), offers)
                t0 = time.perf_counter()
                loaded = KnowledgeBase.load("90", data_dir=tmp, territory=kb.territory)
                run["kb_load_yaml_s"] = round(time.perf_counter() - t0, 3)
                assert len(loaded.offers) == size, (len(loaded.offers), size)
        runs.append(run)
        del offers

    rows = []
    for r in runs:
        for key in ("match_no_commune", "match_commune", "detect_themes", "faq"):
            cold, warm = r[f"{key}_cold"], r[f"{key}_warm"]
            rows.append([r["label"], key, cold["n"], cold["p50_ms"], cold["p99_ms"], cold.get("cpu_p99_ms"),
                         warm["p50_ms"], warm["p99_ms"], warm.get("cpu_p99_ms")])
    print(table(["catalogue", "query", "n", "p50 cold (ms)", "p99 cold (ms)", "CPU p99 cold (ms)", "p50 warm (ms)",
                 "p99 warm (ms)", "CPU p99 warm (ms)"], rows))
    print()
    print(table(["catalogue", "offers", "generate+validate (s)", "matcher build (s)", "FAQ index build (s)", "YAML load (s)"],
                [[r["label"], r["offers"], r.get("generate_validate_s", r.get("kb_load_s")), r["matcher_build_s"],
                  r["faq_index_build_s"], r.get("kb_load_yaml_s", r.get("kb_load_s"))] for r in runs]))
    biggest = max(runs, key=lambda r: r["offers"])
    worst = max(biggest["match_commune_cold"]["p99_ms"], biggest["match_no_commune_cold"]["p99_ms"])
    worst_cpu = max(biggest["match_commune_cold"].get("cpu_p99_ms", 0), biggest["match_no_commune_cold"].get("cpu_p99_ms", 0))
    goal = {"what": f"match p99 at {biggest['offers']} offers (cold caches, with or without a commune)",
            "goal_ms": GOAL_P99_MS, "value_ms": worst, "verdict": verdict(worst, GOAL_P99_MS),
            "cpu_value_ms": worst_cpu, "cpu_verdict": verdict(worst_cpu, GOAL_P99_MS)}
    print(f"\ngoal: {goal['what']} <= {GOAL_P99_MS} ms: wall {worst} ms -> {goal['verdict']}; "
          f"CPU {worst_cpu} ms -> {goal['cpu_verdict']}")
    command = " ".join([".venv/bin/python bench/bench_catalogue.py", *(sys.argv[1:] if argv is None else argv)])
    write_results(args, "catalogue", command, {"goal": goal, "runs": runs, "seed": args.seed}, before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
