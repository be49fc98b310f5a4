"""Issue 19 (part B) data: who serves another département (the ANCT delegates' directory, sourced and dated), the
off-topic pointers and the no-fit reasons (knowledge/data/redirects.yaml, with sources)."""

from __future__ import annotations

import json
import re

import pytest

from knowledge import elsewhere
from knowledge.redirect import PATH as REDIRECTS, Redirects


@pytest.fixture(scope="module")
def territory():
    from knowledge.territory import Territory

    return Territory.load("90")


def test_directory_is_sourced_dated_and_compact() -> None:
    raw = elsewhere.PATH.read_bytes()
    assert len(raw) < 100_000
    data = json.loads(raw)
    src = data["source"]
    assert src["repository"].startswith("https://github.com/anct-carto/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", src["date"]) and len(src["commit"]) == 40
    deps = data["departements"]
    assert len(deps) >= 95 and {"25", "70", "90", "2A", "971"} <= set(deps)
    for dep, entry in deps.items():
        for c in entry["contacts"]:
            assert c["service"]
            assert set(c) <= {"service", "function", "city", "phone", "email", "page", "updated"}  # no names
        if "site" in entry:
            assert re.fullmatch(r"https://www\.[a-z0-9-]+\.gouv\.fr", entry["site"]), entry["site"]


def test_build_keeps_institutional_contacts_only() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from build_anct_contacts import build

    rows = [{"insee_dep": "25", "lib_dep": "Doubs", "fiche_lib_admin": "Préfecture du Doubs",
             "interlocuteur_nom": "DURAND", "interlocuteur_prenom": "Anne", "interlocuteur_fonction": "Secrétaire générale",
             "interlocuteur_mel": "anne.durand@doubs.gouv.fr", "fiche_mel": "anne.durand@doubs.gouv.fr",
             "fiche_telephone": "03.81.25.10.00", "site_web": "https://www.doubs.gouv.fr/ANCT",
             "Date mise à jour": "7/6/2024", "interlocuteur_ville": "BESANCON"},
            {"insee_dep": "25", "lib_dep": "Doubs", "fiche_lib_admin": "Direction départementale des territoires",
             "interlocuteur_nom": "MARTIN", "interlocuteur_prenom": "Paul", "fiche_mel": "ddt@doubs.gouv.fr",
             "interlocuteur_mel": "paul.martin@doubs.gouv.fr", "fiche_telephone": "0381656262"}]
    out = build(rows, "0" * 40, "2025-05-20")
    contacts = out["departements"]["25"]["contacts"]
    assert contacts[0] == {"service": "Préfecture du Doubs", "function": "Secrétaire générale", "city": "Besancon",
                           "phone": "03 81 25 10 00", "page": "https://www.doubs.gouv.fr/ANCT", "updated": "2024-06-07"}
    assert contacts[1]["email"] == "ddt@doubs.gouv.fr"
    assert "DURAND" not in json.dumps(out) and "durand" not in json.dumps(out)
    assert out["departements"]["25"]["site"] == "https://www.doubs.gouv.fr"


def test_serving_doubs(territory) -> None:
    s = elsewhere.serving("25", territory)
    assert s.name == "Doubs" and s.prefecture_town == "Besançon"
    assert s.site == "https://www.doubs.gouv.fr"
    assert s.from_directory and any("Doubs" in c.service for c in s.contacts)
    assert s.source_date and s.source


def test_serving_without_directory_line_names_the_prefecture(territory) -> None:
    s = elsewhere.serving("75", territory)
    assert s.name == "Paris" and s.prefecture_town == "Paris" and not s.from_directory


def test_serving_unknown_departement_never_raises() -> None:
    s = elsewhere.serving("zz")
    assert s.contacts == () and s.site is None


def test_redirect_pointers_have_sources_and_choose_the_service() -> None:
    r = Redirects.load()
    assert "collectivités" in r.guichet or "communes" in r.guichet
    cases = {
        "je dois refaire mon passeport": "ants.gouv.fr",
        "ma carte d'identité est périmée": "ants.gouv.fr",
        "comment changer l'adresse de ma carte grise": "ants.gouv.fr",
        "j'ai perdu des points sur mon permis de conduire": "ants.gouv.fr",
        "je ne comprends pas ma taxe foncière": "impots.gouv.fr",
        "mon voisin a une haie trop haute": "conciliateur",
        "je cherche un emploi dans la région": "France Travail",
        "quand puis-je partir à la retraite": "info-retraite.fr",
        "il fait beau aujourd'hui": "France services",
        "comment je fais une procuration pour voter ?": "maprocuration.gouv.fr",
        "quelles aides pour changer la chaudière de ma maison ?": "France Rénov'",
        "j'ai reçu une amende alors que j'avais payé, je peux la contester ?": "antai.gouv.fr",
    }
    for text, want in cases.items():
        assert want in r.pointer(text).text, text
    data = __import__("yaml").safe_load(REDIRECTS.read_text(encoding="utf-8"))
    for p in data["pointers"] + [data["default"]]:
        assert p["sources"] and all(s.startswith("https://") for s in p["sources"]), p["id"]


def test_no_fit_reasons_only_where_the_guichet_can_tell() -> None:
    r = Redirects.load()
    assert r.why_no_fit("payer le feu d'artifice de la fête du village").id == "evenement"
    assert r.why_no_fit("les frais de fonctionnement de la cantine").id == "fonctionnement"
    assert r.why_no_fit("verser une subvention à une association sportive").id == "association"
    assert r.why_no_fit("le salaire de la secrétaire de mairie").id == "salaires"
    # investments are not « no-fit »
    for need in ("rénover la salle des fêtes", "construire un gymnase pour le club", "isoler l'école"):
        assert r.why_no_fit(need) is None or r.why_no_fit(need).id == "association", need
    assert r.why_no_fit("rénover la salle des fêtes") is None
