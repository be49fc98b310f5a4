#!/usr/bin/env python3
"""Build ``knowledge/data/territory/anct_delegates.json`` from the ANCT's directory of its local delegates.

Source: the public repository ``anct-carto/annuaire_delegues_anct`` (the ANCT's own map « Annuaire des délégués
territoriaux de l'ANCT »), file ``data/data_contacts.csv``. Only the data file is used, never code.

    python scripts/build_anct_contacts.py /path/to/data_contacts.csv --commit <sha> --date 2025-05-20

Kept per département: the services to contact (« Préfecture du Doubs », « Direction départementale des
territoires… »), the function of the interlocutor, the service's phone, the service's mailbox, the public page and
the date of each line. Personal names and personal mailboxes are not kept (institutional contacts only: they last
longer and the person need not be named). ``site`` is ``https://www.<domain>`` where ``<domain>`` is the
département's ``<name>.gouv.fr`` mail domain: on every line of the directory that gives both a public page and a
mailbox, the page's host is that mail domain (47 of 47 lines in the 2025-05-20 version; the build counts it again
and stores the count in ``source.site_rule``).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "knowledge" / "data" / "territory" / "anct_delegates.json"
REPO = "https://github.com/anct-carto/annuaire_delegues_anct"


def _clean(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip())


def _phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10:
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return _clean(value)


def _date(value: str) -> str | None:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", _clean(value))
    return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else None


def _mail(value: str) -> str | None:
    value = _clean(value)
    return value if re.fullmatch(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", value) else None


def _fold(value: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()


def _personal(mail: str, row: dict[str, str]) -> bool:
    """A mailbox naming the interlocutor (their surname or first name in its local part), or theirs."""
    local = _fold(mail.split("@", 1)[0])
    if mail.lower() == _clean(row.get("interlocuteur_mel")).lower():
        return True
    names = [_fold(_clean(row.get(k))) for k in ("interlocuteur_nom", "interlocuteur_prenom")]
    parts = {p for n in names for p in re.split(r"[\s'-]+", n) if len(p) >= 3 and p not in ("attente", "nomination")}
    return any(p in local for p in parts)


def build(rows: list[dict[str, str]], commit: str, date: str) -> dict:
    by_dep: dict[str, dict] = {}
    domains: dict[str, Counter] = {}
    pages: dict[str, set[str]] = {}
    for row in rows:
        dep = _clean(row.get("insee_dep")).upper()
        if not dep:
            continue
        entry = by_dep.setdefault(dep, {"name": _clean(row.get("lib_dep")), "contacts": []})
        service = _clean(row.get("fiche_lib_admin"))
        mail = _mail(row.get("fiche_mel", ""))
        if mail and _personal(mail, row):
            mail = None  # the service's column holds a person's own mailbox: not kept
        page = _clean(row.get("site_web")) or None
        contact = {"service": service, "function": _clean(row.get("interlocuteur_fonction")) or None,
                   "city": _clean(row.get("interlocuteur_ville")).title() or None,
                   "phone": _phone(row.get("fiche_telephone", "")) or None, "email": mail, "page": page,
                   "updated": _date(row.get("Date mise à jour", ""))}
        entry["contacts"].append({k: v for k, v in contact.items() if v})
        for m in (mail, _mail(row.get("interlocuteur_mel", ""))):
            if m and m.endswith(".gouv.fr"):
                domains.setdefault(dep, Counter())[m.split("@", 1)[1].lower()] += 1
        if page:
            host = re.match(r"https?://(?:www\.)?([^/]+)", page)
            if host:
                pages.setdefault(dep, set()).add(host.group(1).lower())
    for dep, entry in by_dep.items():
        # the préfecture first, then the DDT, then the others (sub-préfectures…), in the directory's order
        entry["contacts"].sort(key=lambda c: (0 if c["service"].lower().startswith("préfecture") else
                                              1 if "territoires" in c["service"].lower() else 2))
        common = [d for d, _ in domains.get(dep, Counter()).most_common() if re.fullmatch(r"[a-z0-9-]+\.gouv\.fr", d)]
        if common:
            entry["site"] = f"https://www.{common[0]}"
    checked = sum(1 for dep, hosts in pages.items() for h in hosts if h in domains.get(dep, {}))
    return {"source": {"name": "Annuaire des délégués territoriaux de l'ANCT", "repository": REPO,
                       "file": "data/data_contacts.csv", "commit": commit, "date": date,
                       "note": "institutional contacts only (no personal names or mailboxes)",
                       "site_rule": f"site = https://www.<mail domain>; the public page's host is the mail domain "
                                    f"on {checked} of {sum(len(h) for h in pages.values())} départements giving one"},
            "departements": dict(sorted(by_dep.items()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date", required=True, help="date of the source commit (ISO)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with args.csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    data = build(rows, args.commit, args.date)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                        encoding="utf-8")
    sites = sum(1 for e in data["departements"].values() if e.get("site"))
    print(f"{len(data['departements'])} départements, {sites} with a verified site -> {args.out}")


if __name__ == "__main__":
    main()
