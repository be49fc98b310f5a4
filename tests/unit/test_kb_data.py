"""The shipped knowledge base is valid, and ``check_all`` reports broken data with file and field."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import loader
from knowledge.loader import (
    REQUIRED_OFFER_IDS,
    KnowledgeDataError,
    Problem,
    check_all,
    data_dir,
    export_all,
    load_faq,
    load_offers,
    load_themes,
    run_kb_check,
    run_kb_export,
)
from knowledge.schema import Confidence, ThemeId

# --- the real data --------------------------------------------------------------------------------------------------


def test_shipped_data_has_no_problem():
    problems = check_all()
    assert problems == [], "\n".join(str(p) for p in problems)


def test_required_ids_exist():
    offers = load_offers()
    missing = [offer_id for offer_id in REQUIRED_OFFER_IDS if offer_id not in offers]
    assert missing == []
    assert len(REQUIRED_OFFER_IDS) == 30


def test_every_offer_has_at_least_three_ways_of_asking():
    offers = load_offers()
    faq = load_faq()
    for offer_id in offers:
        questions = [q for e in faq if e.programme == offer_id for q in e.questions]
        assert len(questions) >= 3, offer_id


def test_faq_answers_are_short_and_sourced():
    faq = load_faq()
    assert len(faq) >= 50
    ids = [e.id for e in faq]
    assert len(ids) == len(set(ids))
    for entry in faq:
        assert len(entry.answer) <= 600, entry.id
        assert str(entry.source).startswith("http") or entry.source == "guichet", entry.id
        assert entry.verified is not None, entry.id
        assert len(entry.questions) >= 3, entry.id


def test_general_faq_entries_cover_the_guichet_and_personal_data():
    general = {e.id: e for e in load_faq() if e.programme is None}
    for needed in ("anct-quoi", "guichet-quoi", "guichet-qui-lit", "donnees-personnelles", "donnees-droits",
                   "prefet-delegue", "clct", "parler-agent"):
        assert needed in general, needed
    privacy = general["donnees-personnelles"].answer
    assert "24 mois" in privacy and "30 jours" in privacy
    assert "/mesdonnees" in general["donnees-droits"].answer and "/supprimer" in general["donnees-droits"].answer
    assert "/agent" in general["parler-agent"].answer
    assert "{commitment}" in general["guichet-qui-lit"].answer  # the setting, not "dans les meilleurs délais"
    assert "meilleurs délais" not in general["guichet-qui-lit"].answer


def test_one_theme_per_theme_id_with_label_and_keywords():
    themes = load_themes()
    assert set(themes) == set(ThemeId)
    for theme in themes.values():
        assert theme.label.strip()
        assert 10 <= len(theme.keywords) <= 25, theme.id


def test_offers_keywords_sources_and_eligibility_rules():
    offers = load_offers()
    for offer in offers.values():
        assert 15 <= len(offer.keywords) <= 40, offer.id
        assert offer.sources, offer.id
    pvd = offers["petites-villes-de-demain"].eligibility
    assert pvd.population_max == 19999 and pvd.laureates_only
    vda = offers["villages-d-avenir"].eligibility
    assert vda.population_max == 3499 and vda.rural_only
    for offer_id in ("politique-de-la-ville", "cites-educatives", "anru-npnru"):
        assert offers[offer_id].eligibility.requires_any == ["qpv"], offer_id
    # the cost rule of the ANCT engineering is not an exclusion
    assert offers["ingenierie-sur-mesure"].eligibility.population_max is None


def test_local_facts_of_the_90():
    offers = load_offers()
    assert offers["action-coeur-de-ville"].local["90"].laureates == ["90010"]
    assert set(offers["petites-villes-de-demain"].local["90"].laureates) == {"90052", "90033", "90009", "90053"}
    assert set(offers["politique-de-la-ville"].local["90"].laureates) == {"90010", "90008", "90075", "90099"}
    assert set(offers["crte"].local["90"].laureates) == {"200069052", "249000241", "200069060"}
    assert offers["villages-d-avenir"].local["90"].uncertain  # partial list


def test_uncertain_facts_are_marked():
    offers = load_offers()
    # the press-only or partial facts must not look sure
    assert offers["avenir-montagnes"].eligibility.uncertain
    assert offers["villages-d-avenir"].local["90"].uncertain
    assert offers["operation-de-revitalisation-de-territoire"].local["90"].uncertain  # only one ORT is public
    # Territoires d'industrie 2023-2027: now from the ANCT's own list (issue 21), no longer a press-only fact
    ti = offers["territoires-d-industrie"].local["90"]
    assert not ti.uncertain and any("superposeur-anct" in str(s.url) for s in ti.sources)
    weak = [s for o in offers.values() for s in o.sources if s.confidence is not Confidence.SURE]
    assert weak, "secondary and uncertain sources are tagged"


def test_no_invented_contact():
    """Every phone number or e-mail in the data is one of those given by the fact base's sources."""
    allowed_phones = {"03 84 57 00 07", "03 84 58 86 00", "0970 808 809"}
    allowed_emails = {"ddt@territoire-de-belfort.gouv.fr"}
    for offer in load_offers().values():
        contacts = list(offer.contacts) + [c for local in offer.local.values() for c in local.contacts]
        for contact in contacts:
            assert contact.phone is None or contact.phone in allowed_phones, (offer.id, contact.phone)
            assert contact.email is None or contact.email in allowed_emails, (offer.id, contact.email)


def test_export_is_json_ready():
    data = export_all()
    assert set(data) == {"offers", "faq", "themes"}
    text = json.dumps(data, ensure_ascii=False)
    back = json.loads(text)
    assert len(back["offers"]) == len(load_offers())
    assert len(back["themes"]) == len(ThemeId)
    assert {o["id"] for o in back["offers"]} >= set(REQUIRED_OFFER_IDS)


def test_run_kb_check_and_export_on_real_data(capsys):
    assert run_kb_check() == 0
    out = capsys.readouterr().out
    assert "OK" in out
    assert run_kb_export() == 0
    out = capsys.readouterr().out
    assert json.loads(out)["offers"]


def test_data_dir_is_inside_the_package():
    path = data_dir()
    assert (path / "offers").is_dir()
    assert (path / "faq.yaml").is_file()
    assert path.parent == Path(loader.__file__).parent


# --- broken data ----------------------------------------------------------------------------------------------------


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data."""
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target, ignore=shutil.ignore_patterns("territory"))
    return target


def _offer(kb: Path, offer_id: str) -> dict:
    return yaml.safe_load((kb / "offers" / f"{offer_id}.yaml").read_text(encoding="utf-8"))


def _write(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _has(problems: list[Problem], file: str, field: str, word: str = "") -> bool:
    return any(p.file == file and p.field.startswith(field) and word in p.message for p in problems)


def test_the_copy_is_clean(kb_copy: Path):
    assert check_all(kb_copy) == []


def test_bad_id(kb_copy: Path):
    data = _offer(kb_copy, "detr")
    data["id"] = "DETR Rurale"
    _write(kb_copy / "offers" / "detr.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/detr.yaml", "id", "slug")


def test_id_differs_from_file_name(kb_copy: Path):
    data = _offer(kb_copy, "dsil")
    data["id"] = "dsil-bis"
    _write(kb_copy / "offers" / "dsil.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/dsil.yaml", "id", "file name")


def test_missing_field(kb_copy: Path):
    data = _offer(kb_copy, "cerema")
    del data["summary"]
    _write(kb_copy / "offers" / "cerema.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/cerema.yaml", "summary", "missing")


def test_unknown_theme(kb_copy: Path):
    data = _offer(kb_copy, "papi")
    data["themes"] = ["risques-naturels", "meteo"]
    _write(kb_copy / "offers" / "papi.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/papi.yaml", "themes[1]", "meteo")


def test_nested_field_path(kb_copy: Path):
    data = _offer(kb_copy, "petites-villes-de-demain")
    data["eligibility"]["population_max"] = "beaucoup"
    data["local"]["90"]["laureates"].append("Giromagny")
    _write(kb_copy / "offers" / "petites-villes-de-demain.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/petites-villes-de-demain.yaml", "eligibility.population_max")


def test_bad_laureate_code(kb_copy: Path):
    data = _offer(kb_copy, "petites-villes-de-demain")
    data["local"]["90"]["laureates"].append("Giromagny")
    _write(kb_copy / "offers" / "petites-villes-de-demain.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/petites-villes-de-demain.yaml", "local.90.laureates[4]", "INSEE")


def test_duplicate_id(kb_copy: Path):
    data = _offer(kb_copy, "fonds-vert")
    _write(kb_copy / "offers" / "fonds-vert-copie.yaml", data)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/fonds-vert.yaml", "id", "duplicate") or _has(
        problems, "offers/fonds-vert-copie.yaml", "id", "duplicate"
    )


def test_yaml_syntax_error(kb_copy: Path):
    (kb_copy / "offers" / "cerema.yaml").write_text("id: cerema\nname: [unclosed\n", encoding="utf-8")
    problems = check_all(kb_copy)
    assert _has(problems, "offers/cerema.yaml", "", "YAML syntax error")


def test_dangling_faq_programme_and_offer_without_faq(kb_copy: Path):
    faq = yaml.safe_load((kb_copy / "faq.yaml").read_text(encoding="utf-8"))
    for entry in faq:
        if entry["programme"] == "cerema":
            entry["programme"] = "cerema-inconnu"
    _write(kb_copy / "faq.yaml", faq)
    problems = check_all(kb_copy)
    assert any(p.file == "faq.yaml" and p.field.endswith(".programme") and "cerema-inconnu" in p.message for p in problems)
    assert _has(problems, "offers/cerema.yaml", "faq", "no FAQ entry")


def test_faq_answer_too_long_and_duplicate_id(kb_copy: Path):
    faq = yaml.safe_load((kb_copy / "faq.yaml").read_text(encoding="utf-8"))
    faq[0]["answer"] = "Trop long. " * 80
    faq.append(dict(faq[1]))
    _write(kb_copy / "faq.yaml", faq)
    problems = check_all(kb_copy)
    assert any(p.file == "faq.yaml" and p.field.startswith("[0]") and p.field.endswith("answer") for p in problems)
    assert any(p.file == "faq.yaml" and p.field.endswith(".id") and "duplicate" in p.message for p in problems)


def test_too_few_ways_of_asking(kb_copy: Path):
    faq = yaml.safe_load((kb_copy / "faq.yaml").read_text(encoding="utf-8"))
    for entry in faq:
        if entry["programme"] == "cerema":
            entry["questions"] = entry["questions"][:1]
    _write(kb_copy / "faq.yaml", faq)
    problems = check_all(kb_copy)
    assert _has(problems, "offers/cerema.yaml", "faq", "at least 3")


def test_theme_without_label_and_missing_theme(kb_copy: Path):
    themes = yaml.safe_load((kb_copy / "themes.yaml").read_text(encoding="utf-8"))
    themes[0]["label"] = "  "
    themes = [t for t in themes if t["id"] != "sante"]
    _write(kb_copy / "themes.yaml", themes)
    problems = check_all(kb_copy)
    assert any(p.file == "themes.yaml" and p.field.endswith(".label") for p in problems)
    assert any(p.file == "themes.yaml" and "'sante'" in p.message for p in problems)


def test_required_id_missing(kb_copy: Path):
    (kb_copy / "offers" / "papi.yaml").unlink()
    faq = yaml.safe_load((kb_copy / "faq.yaml").read_text(encoding="utf-8"))
    _write(kb_copy / "faq.yaml", [e for e in faq if e["programme"] != "papi"])
    problems = check_all(kb_copy)
    assert _has(problems, "offers/papi.yaml", "id", "required")


def test_every_problem_is_reported_not_only_the_first(kb_copy: Path):
    for offer_id in ("detr", "dsil", "cerema"):
        data = _offer(kb_copy, offer_id)
        del data["url"]
        _write(kb_copy / "offers" / f"{offer_id}.yaml", data)
    problems = check_all(kb_copy)
    files = {p.file for p in problems if p.field == "url"}
    assert files == {"offers/detr.yaml", "offers/dsil.yaml", "offers/cerema.yaml"}


def test_garbage_files_do_not_crash(kb_copy: Path):
    (kb_copy / "offers" / "vide.yaml").write_text("", encoding="utf-8")
    (kb_copy / "offers" / "liste.yaml").write_text("- a\n- b\n", encoding="utf-8")
    (kb_copy / "offers" / "binaire.yaml").write_bytes(b"\xff\xfe\x00\x01")
    (kb_copy / "faq.yaml").write_text("id: pas-une-liste\n", encoding="utf-8")
    problems = check_all(kb_copy)
    files = {p.file for p in problems}
    assert {"offers/vide.yaml", "offers/liste.yaml", "offers/binaire.yaml", "faq.yaml"} <= files


def test_load_functions_raise_a_clear_error(kb_copy: Path):
    data = _offer(kb_copy, "cerema")
    del data["summary"]
    _write(kb_copy / "offers" / "cerema.yaml", data)
    with pytest.raises(KnowledgeDataError) as info:
        load_offers(kb_copy)
    assert "offers/cerema.yaml: summary" in str(info.value)
    assert info.value.problems


def test_run_kb_check_prints_file_field_message(kb_copy: Path, capsys):
    data = _offer(kb_copy, "cerema")
    del data["summary"]
    _write(kb_copy / "offers" / "cerema.yaml", data)
    assert run_kb_check(kb_copy) == 1
    out = capsys.readouterr().out.splitlines()
    assert "offers/cerema.yaml: summary: required field is missing" in out
    assert "problem" in out[-1]
    assert run_kb_export(kb_copy) == 1


# --- held-out evaluation sets (their format and references; their scores are measured elsewhere) --------------------

HELDOUT = Path(__file__).resolve().parent.parent / "data" / "heldout"


def _heldout(name: str) -> list[dict]:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def test_heldout_needs_reference_existing_offers():
    offers = load_offers()
    needs = _heldout("needs.yaml")
    assert len(needs) >= 60
    for need in needs:
        assert set(need) == {"text", "commune", "acceptable", "best"}, need
        assert need["text"].strip()
        assert need["commune"] is None or (isinstance(need["commune"], str) and need["commune"].isdigit())
        assert need["best"] and set(need["best"]) <= set(need["acceptable"]), need["text"]
        assert set(need["acceptable"]) <= set(offers), need["text"]


def test_heldout_faq_references_existing_entries():
    offers = load_offers()
    entries = {e.id: e for e in load_faq()}
    questions = _heldout("faq.yaml")
    assert len(questions) >= 50
    assert sum(q["out_of_scope"] for q in questions) >= 15
    for q in questions:
        assert set(q) == {"text", "programme", "entry", "out_of_scope"}, q
        if q["out_of_scope"]:
            assert q["entry"] is None and q["programme"] is None
        else:
            assert q["entry"] in entries, q
            assert entries[q["entry"]].programme == q["programme"], q
            assert q["programme"] is None or q["programme"] in offers


def test_heldout_communes_format():
    rows = _heldout("communes.yaml")
    assert len(rows) >= 40
    kinds = {r["kind"] for r in rows}
    assert kinds == {"commune", "epci", "ambiguous", "outside"}
    for r in rows:
        assert set(r) == {"text", "expected", "kind"}, r
        if r["kind"] == "ambiguous":
            assert r["expected"] is None
        else:
            assert isinstance(r["expected"], str) and r["expected"].isdigit(), r
        if r["kind"] == "commune":
            assert r["expected"].startswith("90") and len(r["expected"]) == 5
        if r["kind"] == "epci":
            assert len(r["expected"]) == 9
        if r["kind"] == "outside":
            assert not r["expected"].startswith("90")


# --- issue 10: dates, deployment contacts, stale ----------------------------------------------------------------------
def test_check_fails_on_a_faq_entry_without_date(kb_copy: Path):
    faq = yaml.safe_load((kb_copy / "faq.yaml").read_text(encoding="utf-8"))
    del faq[0]["verified"]
    _write(kb_copy / "faq.yaml", faq)
    problems = check_all(kb_copy)
    assert any(p.file == "faq.yaml" and p.field.endswith(".verified") for p in problems)


def test_check_fails_on_an_offer_without_source_or_date(kb_copy: Path):
    offer = yaml.safe_load((kb_copy / "offers" / "detr.yaml").read_text(encoding="utf-8"))
    del offer["last_verified"]
    offer["sources"] = []
    _write(kb_copy / "offers" / "detr.yaml", offer)
    problems = check_all(kb_copy)
    assert any(p.file == "offers/detr.yaml" and p.field == "last_verified" for p in problems)
    assert any(p.file == "offers/detr.yaml" and "source" in p.message for p in problems)


def test_deployment_contacts_are_sourced_and_not_invented():
    from knowledge.loader import load_deployment

    dep = load_deployment("90")
    assert dep is not None and dep.service is not None
    contacts = [dep.service] + list(dep.contacts)
    allowed_phones = {"03 84 57 00 07", "03 84 58 86 00"}
    allowed_emails = {"ddt@territoire-de-belfort.gouv.fr", "sgc-direction@territoire-de-belfort.gouv.fr"}
    for c in contacts:
        assert c.source and c.verified
        assert c.phone is None or c.phone in allowed_phones
        assert c.email is None or c.email in allowed_emails
    assert load_deployment("25") is None


def test_detr_no_longer_excludes_epci_by_the_old_threshold():
    offers = load_offers()
    assert offers["detr"].eligibility.epci_population_max is None
    assert "75 000" in offers["detr"].eligibility.text and "50 000" not in offers["detr"].eligibility.text
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load("90")
    eligible, _reasons, _warnings = kb.eligibility("detr", "200069052")  # Grand Belfort, ~105 000 inhabitants
    assert eligible is not False


def test_new_offers_are_listed_for_issue_11_and_partners_are_marked():
    offers = load_offers()
    for oid in ("fipd", "patrimoine-drac-fondation", "caf-equipements-petite-enfance"):
        assert oid in offers
    assert offers["patrimoine-drac-fondation"].outside_guichet and offers["caf-equipements-petite-enfance"].outside_guichet
    assert not offers["fipd"].outside_guichet
    # Villages d'avenir at its planned end (issue 21): said once, as the offer's warning, not as a generic status
    vda = offers["villages-d-avenir"]
    assert vda.status == "liste-fermee" and vda.warning and "prolongation n'est pas" in " ".join(vda.warning.split())


def test_stale_items_oldest_first(kb_copy: Path):
    import datetime as dt

    from knowledge.loader import stale_items

    items = stale_items(months=12, today=dt.date(2026, 11, 30), path=kb_copy)
    dates = [it["verified"] for it in items if it["verified"]]
    assert dates == sorted(dates) and items
    assert all(it["reason"] for it in items)
    assert not any(it["id"] == "fipd" and it["reason"].endswith("months") for it in items)
    none = stale_items(months=10_000, today=dt.date(2026, 11, 30), path=kb_copy)
    assert all(it["reason"] in ("incertain", "incomplete", "no date") for it in none)


# --- issue 21: one warning per offer, only where it changes what the mayor does -----------------------------------
def test_at_most_one_warning_per_offer() -> None:
    """Every offer, for no commune and for communes of every kind, shows at most one warning; the generic
    « Calendrier incertain » line is never shown (warning fatigue)."""
    from knowledge.base import KnowledgeBase
    from knowledge.search import WORDING

    kb = KnowledgeBase.load("90")
    needs = ("rénover l'école", "revitaliser le centre-bourg", "vidéoprotection", "fibre et antenne mobile",
             "hydrogène bus", "tiers-lieu", "commerce vacant", "station de ski tourisme 4 saisons")
    for code in (None, "90010", "90052", "90041", "90065", "200069060"):
        for oid in kb.offers:
            _, _, warnings = kb.eligibility(oid, code)
            assert len(warnings) <= 1, (oid, code, warnings)
            assert WORDING["status_incertain"] not in warnings
        for need in needs:
            for m in kb.match(need, commune_code=code, limit=10):
                assert len(m.warnings) <= 1, (need, code, m.id, m.warnings)
                assert WORDING["status_incertain"] not in m.warnings
            for m in kb.match_with_confidence(need, commune_code=code).results:
                assert len(m.warnings) <= 1


def test_the_most_important_warning_comes_first() -> None:
    """A rule that decides for this commune (go through the EPCI) outranks the offer's calendar warning; with no such
    rule the offer's own warning is the one shown."""
    from knowledge.base import KnowledgeBase
    from knowledge.warnings import ranked

    kb = KnowledgeBase.load("90")
    vda = kb.offers["villages-d-avenir"]
    assert vda.warning and "fin 2026" in vda.warning
    order = ranked(vda, ["Réservé aux communes rurales.", "Calendrier incertain : à vérifier avant de compter dessus."])
    assert order[0] == "Réservé aux communes rurales." and order[1].startswith("Le programme")
    assert kb.offer_warning("fonds-vert", "90052").startswith("En 2026")
    assert kb.offer_warning("conseillers-numeriques").startswith("L'État prévoit de cesser de financer")
    # offers with no warning of their own and nothing to say for the commune show none
    assert kb.offer_warning("dsil", "90052") is None and kb.offer_warning("france-services", "90052") is None


def test_offer_warnings_are_few_and_specific() -> None:
    """Warnings are the exception: only where the sources give something that changes what a mayor does soon."""
    offers = load_offers()
    with_warning = [o.id for o in offers.values() if o.warning]
    assert len(with_warning) <= len(offers) // 3, with_warning
    for o in offers.values():
        if o.warning:
            assert "⚠" not in o.warning and not o.warning.lower().startswith("calendrier incertain"), o.id


def test_2026_budget_facts_are_sourced() -> None:
    """Issue 21: the 2026 finance law's outcome for DETR/DSIL and the Fonds vert, the conseillers numériques' funding
    and ACV after 2026 are said with a source, never « confirmée » without one."""
    offers = load_offers()
    for oid in ("detr", "dsil"):
        o = offers[oid]
        assert o.status != "incertain" and "abandonnée" in o.eligibility.text, oid
        assert any("Amdt_II-543" in str(s.url) for s in o.sources), oid
        assert any("maire-info.com" in str(s.url) for s in o.sources), oid
    fv = offers["fonds-vert"]
    assert "650 millions" in fv.eligibility.text and "200 millions" in fv.eligibility.text
    assert "pas" in fv.eligibility.text and "confirmé" in fv.eligibility.text  # the exact amount is hedged
    cn = offers["conseillers-numeriques"]
    assert "14 millions" in cn.summary and "2027" in cn.summary
    assert any("a25-140-3" in str(s.url) for s in cn.sources)
    acv = offers["action-coeur-de-ville"]
    assert "n'est pas confirm" in acv.summary.replace("ne sont pas confirm", "n'est pas confirm")
    assert "confirmée en octobre 2025" not in acv.summary


def test_stale_is_empty_for_the_programmes_mayors_ask_most() -> None:
    from knowledge.loader import stale_items

    ids = {"detr", "dsil", "fonds-vert", "petites-villes-de-demain", "action-coeur-de-ville", "villages-d-avenir",
           "france-services"}
    faq = {e.id: e.programme for e in load_faq()}
    stale = stale_items(months=12, today=dt.date(2026, 12, 6))
    hit = [it for it in stale if it["id"] in ids or faq.get(it["id"]) in ids
           or it["id"].split(":")[0] in {"acv", "pvd", "villages-d-avenir", "france-services"}]
    assert not hit, hit


def test_the_review_sample_command_works(capsys) -> None:
    """Issue 21: the command of docs/knowledge-base.md draws 20 facts at random, reproducibly, each with a source."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "sample_facts.py"
    spec = importlib.util.spec_from_file_location("sample_facts", path)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    seed, rows = mod.sample(20, 20261206)
    assert len(rows) == 20 and mod.sample(20, 20261206)[1] == rows and seed == 20261206
    assert all(r["source"].startswith("http") or r["source"] == "guichet" for r in rows)
    kinds = {r["kind"] for r in mod.facts()}
    assert {"offer", "local", "faq", "list", "contact"} <= kinds
    assert mod.main(["--n", "20", "--seed", "7"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n| ") == 21 and "seed 7" in table  # header + 20 rows
    assert mod.main(["--json", "--n", "2", "--seed", "7"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 7
