#!/usr/bin/env python3
"""Build the compact territory referential shipped in ``knowledge/data/territory/``.

Source: the npm package ``@etalab/decoupage-administratif`` (MIT licence), files ``data/communes.json``,
``data/epci.json`` and ``data/departements.json``.

Usage::

    python scripts/build_territory.py [SOURCE_DATA_DIR] [--out DIR]

``SOURCE_DATA_DIR`` is the package's ``data`` directory (e.g. ``/tmp/etalab/package/data``). Without it the script
runs ``npm pack @etalab/decoupage-administratif@6.0.0`` in a temporary directory and reads the tarball.

Output (deterministic: same input, same bytes):

* ``communes.json.gz``: ``{"fields": [...], "rows": [[code, name, departement, population, "postal codes",
  epci_siren, key], ...], "aliases": [[name, commune_code, why, key], ...], "departements": {code: name}, "prefectures": {code: chef-lieu INSEE code}}``, where
  ``key`` is the name normalised by ``knowledge.territory.norm`` (saves the work at load; a test checks that it
  still matches the code, otherwise rerun this script). One row per
  ``commune-actuelle``; ``aliases`` holds delegated/associated communes (old names of merged communes) and the
  municipal arrondissements of Paris, Lyon and Marseille, each pointing to its current commune; ``postal`` maps
  each postal code to the communes it serves (saves building it at load).
* ``epci.json.gz``: ``{"fields": [...], "rows": [[siren, name, type, departement, population, "member codes",
  "départements of members", main_commune], ...]}``; ``departement`` is the département of most members (ties: the
  one with more inhabitants, then the lower code); ``population`` is the sum of the members'; ``main_commune`` is the most populated member (for "agglo de X").
  ``homonyms`` in communes.json.gz lists the normalised names shared by several communes.
* ``LICENCE.md``: the source's MIT notice, version and build date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from knowledge.territory import norm  # noqa: E402  (the same normalisation as at run time)
DEFAULT_OUT = ROOT / "knowledge" / "data" / "territory"


def _read_source(src: Path | None) -> tuple[list[dict], list[dict], list[dict], str]:
    """Return (communes, epci, departements, version)."""
    if src is not None:
        version = VERSION
        pkg = src.parent / "package.json"
        if pkg.exists():
            version = json.loads(pkg.read_text(encoding="utf-8")).get("version", VERSION)
        return (
            json.loads((src / "communes.json").read_text(encoding="utf-8")),
            json.loads((src / "epci.json").read_text(encoding="utf-8")),
            json.loads((src / "departements.json").read_text(encoding="utf-8")),
            version,
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}"], cwd=tmp, check=True, capture_output=True)
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            def load(name: str) -> object:
                member = tar.extractfile(f"package/{name}")
                assert member is not None, name
                return json.load(member)

            version = load("package.json")["version"]  # type: ignore[index]
            return load("data/communes.json"), load("data/epci.json"), load("data/departements.json"), version  # type: ignore[return-value]


def build(communes: list[dict], epcis: list[dict], departements: list[dict]) -> tuple[dict, dict]:
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    epci_of: dict[str, str] = {}
    for e in epcis:
        for m in e["membres"]:
            epci_of[m["code"]] = e["code"]

    rows = []
    for code in sorted(current):
        c = current[code]
        rows.append([
            code,
            c["nom"],
            c["departement"],
            int(c.get("population") or 0),
            " ".join(c.get("codesPostaux") or []),
            epci_of.get(code, ""),
            norm(c["nom"]),
        ])

    aliases: set[tuple[str, str, str, str]] = set()
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            parent = c.get("chefLieu")
            if parent in current and current[parent]["nom"] != c["nom"]:
                aliases.add((c["nom"], parent, "ancienne", norm(c["nom"])))
        elif c["type"] == "arrondissement-municipal":
            parent = c.get("commune")
            if parent in current:
                aliases.add((c["nom"], parent, "arrondissement", norm(c["nom"])))

    deps = {d["code"]: d["nom"] for d in departements}
    # the préfecture of each département is in its chef-lieu (INSEE code of a current commune)
    prefectures = {d["code"]: d["chefLieu"] for d in departements if d.get("chefLieu") in current}
    postal: defaultdict[str, list[str]] = defaultdict(list)
    for row in rows:
        for p in row[4].split():
            postal[p].append(row[0])
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_key[row[6]].append(row[0])
    communes_out = {
        "homonyms": {k: " ".join(codes) for k, codes in sorted(by_key.items()) if len(codes) > 1},
        "fields": ["code", "name", "departement", "population", "postal_codes", "epci", "key"],
        "rows": rows,
        "aliases": sorted(list(a) for a in aliases),
        "departements": dict(sorted(deps.items())),
        "prefectures": dict(sorted(prefectures.items())),
        "postal": {p: " ".join(codes) for p, codes in sorted(postal.items())},
    }

    epci_rows = []
    for e in sorted(epcis, key=lambda x: x["code"]):
        members = sorted(m["code"] for m in e["membres"])
        count: Counter[str] = Counter()
        pop: defaultdict[str, int] = defaultdict(int)
        for m in members:
            c = current.get(m)
            if c is None:
                continue
            count[c["departement"]] += 1
            pop[c["departement"]] += int(c.get("population") or 0)
        dep = min(count, key=lambda d: (-count[d], -pop[d], d)) if count else ""
        # the sum of the members' populations, so that communes and EPCI figures share one vintage (the source's
        # EPCI file carries figures of another year)
        population = sum(pop.values())
        seat = max((m for m in members if m in current), key=lambda m: (int(current[m].get("population") or 0), m), default="")
        epci_rows.append([e["code"], e["nom"], e["type"], dep, population, " ".join(members), " ".join(sorted(count)), seat])
    epci_out = {
        "fields": ["siren", "name", "type", "departement", "population", "members", "departements", "main_commune"],
        "rows": epci_rows,
    }
    return communes_out, epci_out


def _write_gz(path: Path, data: dict) -> int:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    buf = io.BytesIO()
    # mtime=0 and no file name: byte-for-byte deterministic output
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


LICENCE = """# Territory referential: licence and provenance

The files `communes.json.gz` and `epci.json.gz` in this directory are derived from the npm package
[`@etalab/decoupage-administratif`](https://github.com/etalab/decoupage-administratif) version {version}
(files `data/communes.json`, `data/epci.json`, `data/departements.json`), reduced to the fields Guichet needs by
`scripts/build_territory.py`. Built on {date}.

The source package is published under the MIT licence:

> MIT License
>
> Copyright (c) 2018-2019 Etalab
>
> Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
> documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
> rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
> permit persons to whom the Software is furnished to do so, subject to the following conditions:
>
> The above copyright notice and this permission notice shall be included in all copies or substantial portions of
> the Software.
>
> THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
> WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
> COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
> OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

The package's README states its sources (INSEE Code officiel géographique and populations légales, La Poste postal
codes via data.gouv.fr, DGCL for EPCI membership) and publishes the data under the Licence Ouverte / Open Licence
(https://www.etalab.gouv.fr/licence-ouverte-open-licence); the code is under the MIT licence quoted above.

`memberships.yaml` (programme memberships) and `aliases.yaml` (usual short names of EPCI) are written by the Guichet
project; each list carries its own source URL and confidence.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="the package's data/ directory (default: npm pack)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--date", default=None, help="build date written in LICENCE.md (default: today, UTC)")
    args = parser.parse_args(argv)

    communes, epcis, departements, version = _read_source(args.source)
    communes_out, epci_out = build(communes, epcis, departements)
    args.out.mkdir(parents=True, exist_ok=True)
    n1 = _write_gz(args.out / "communes.json.gz", communes_out)
    n2 = _write_gz(args.out / "epci.json.gz", epci_out)
    date = args.date or dt.datetime.now(dt.timezone.utc).date().isoformat()
    (args.out / "LICENCE.md").write_text(LICENCE.format(version=version, date=date), encoding="utf-8")
    print(
        f"{len(communes_out['rows'])} communes, {len(communes_out['aliases'])} aliases, {len(epci_out['rows'])} EPCI; "
        f"communes.json.gz {n1 / 1e6:.2f} MB, epci.json.gz {n2 / 1e6:.2f} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
