"""The need → offers matcher and the KnowledgeBase facade, on the shipped data and the dev set."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.base import KnowledgeBase
from knowledge.schema import ThemeId
from knowledge.search import Match, Matcher

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "data" / "dev"

BELFORT, GIROMAGNY, DELLE, BERMONT, EVETTE = "90010", "90052", "90033", "90011", "90042"
GRAND_BELFORT = "200069052"


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_quality", ROOT / "scripts" / "eval_quality.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["eval_quality"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load("90")


def ids(results: list[Match]) -> list[str]:
    return [m.id for m in results]


# --- the facade ----------------------------------------------------------------------------------------------------
def test_facade_attributes(kb: KnowledgeBase) -> None:
    assert kb.departement == "90"
    assert len(kb.offers) >= 30 and "petites-villes-de-demain" in kb.offers
    assert kb.faq and kb.themes and ThemeId.SANTE in kb.themes
    assert {"PVD", "ACV", "DETR", "Fonds vert"} <= kb.vocabulary
    assert kb.place(GIROMAGNY).name == "Giromagny"
    assert kb.place("nope") is None
    assert kb.resolve("Giromagny").resolved == GIROMAGNY


def test_other_departement_is_one_setting_away() -> None:
    kb = KnowledgeBase.load("25")
    assert kb.departement == "25"
    results = kb.match("maison de santé", commune_code="25056")  # Besançon
    assert results and results[0].id == "acces-aux-soins"
    # A closed list known only for the 90 is not held against a commune of the 25: a warning, not an exclusion
    pvd = next(m for m in kb.match("petites villes de demain revitalisation centre bourg", commune_code="25388") if m.id == "petites-villes-de-demain")
    assert pvd.eligible is not False or any("habitants" in w for w in pvd.warnings)


# --- ranking -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, commune, first",
    [
        ("on a plus de médecin, on voudrait une maison de santé", GIROMAGNY, "acces-aux-soins"),
        ("MSP", None, "acces-aux-soins"),
        ("zone blanche, ça capte pas", None, "couverture-mobile"),
        ("la fibre arrive quand ?", None, "france-tres-haut-debit"),
        ("inondations, la rivière déborde", None, "papi"),
        ("station d'épuration à refaire", None, "agence-de-l-eau"),
        ("chaufferie bois et réseau de chaleur", None, "fonds-chaleur"),
        ("bus à hydrogène", None, "hydrogene-ademe"),
        ("cantine bio et circuits courts", None, "projet-alimentaire-territorial"),
        ("tiers-lieu avec coworking", None, "fabriques-de-territoire"),
        ("centre-bourg à revitaliser, chef de projet", GIROMAGNY, "petites-villes-de-demain"),
        ("centre-ville, vitrines vides", BELFORT, "action-coeur-de-ville"),
        ("NPNRU", None, "anru-npnru"),
        ("renovasion energetik de l'ecol", EVETTE, None),  # typos: checked below for top-3
    ],
)
def test_expected_first(kb: KnowledgeBase, text: str, commune: str | None, first: str | None) -> None:
    results = kb.match(text, commune_code=commune)
    assert results
    if first:
        assert results[0].id == first, ids(results)[:5]


def test_typos_are_tolerated(kb: KnowledgeBase) -> None:
    top3 = ids(kb.match("renovasion energetik de l'ecol", commune_code=EVETTE))[:3]
    assert {"fonds-vert", "detr", "dsil"} & set(top3), top3
    assert ids(kb.match("medcin"))[0] == "acces-aux-soins"


def test_scores_in_unit_interval_and_sorted(kb: KnowledgeBase) -> None:
    results = kb.match("rénovation énergétique de l'école communale et de la mairie", commune_code=EVETTE)
    assert len(results) >= 5
    scores = [m.score for m in results]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_limit(kb: KnowledgeBase) -> None:
    assert len(kb.match("financement de projets communaux", limit=3)) == 3
    assert kb.match("financement", limit=0) == []


# --- reasons and warnings ------------------------------------------------------------------------------------------
def test_reasons_name_the_words_and_the_theme(kb: KnowledgeBase) -> None:
    best = kb.match("je voudrais une maison de santé", commune_code=GIROMAGNY)[0]
    assert best.id == "acces-aux-soins"
    words = next(r for r in best.reasons if r.startswith("mots reconnus"))
    assert "santé" in words  # shown as typed, with its accent
    assert any(r.startswith("thème : santé") for r in best.reasons)


def test_laureate_reason(kb: KnowledgeBase) -> None:
    pvd = next(m for m in kb.match("revitaliser le centre-bourg", commune_code=GIROMAGNY) if m.id == "petites-villes-de-demain")
    assert pvd.eligible is True
    assert "Giromagny est lauréate Petites villes de demain" in pvd.reasons


def test_ineligible_is_demoted_with_a_warning_not_dropped(kb: KnowledgeBase) -> None:
    text = "petite commune rurale, on voudrait un chef de projet villages d'avenir pour nous accompagner"
    small = kb.match(text, commune_code=BERMONT)
    big = kb.match(text, commune_code=BELFORT)
    vda_small = next(m for m in small if m.id == "villages-d-avenir")
    vda_big = next(m for m in big if m.id == "villages-d-avenir")
    assert vda_big.eligible is False
    assert vda_big.score < vda_small.score
    assert any("moins de 3 500 habitants (Belfort en compte" in w for w in vda_big.warnings), vda_big.warnings
    assert ids(small)[0] == "villages-d-avenir"


def test_population_warning_wording(kb: KnowledgeBase) -> None:
    pvd = next(m for m in kb.match("petites villes de demain", commune_code=BELFORT) if m.id == "petites-villes-de-demain")
    assert pvd.eligible is False
    assert any(w.startswith("Réservé aux communes de moins de 20 000 habitants (Belfort en compte") for w in pvd.warnings)


def test_requires_membership(kb: KnowledgeBase) -> None:
    # Cités éducatives need a QPV: Belfort has some, Giromagny none
    cite_b = next(m for m in kb.match("cité éducative", commune_code=BELFORT) if m.id == "cites-educatives")
    cite_g = next(m for m in kb.match("cité éducative", commune_code=GIROMAGNY) if m.id == "cites-educatives")
    assert cite_b.eligible is True and any("quartier prioritaire" in r for r in cite_b.reasons)
    assert cite_g.eligible is False and any("Giromagny n'en fait pas partie" in w for w in cite_g.warnings)


def test_epci_only_offer_for_a_commune_warns(kb: KnowledgeBase) -> None:
    ti = next(m for m in kb.match("territoires d'industrie, réindustrialisation", commune_code=DELLE) if m.id == "territoires-d-industrie")
    assert any("intercommunalité" in w for w in ti.warnings)
    ti_epci = next(
        m for m in kb.match("territoires d'industrie, réindustrialisation", commune_code=GRAND_BELFORT) if m.id == "territoires-d-industrie"
    )
    assert ti_epci.eligible is not False


def test_missing_or_incomplete_list_never_concludes_not_a_member(kb: KnowledgeBase) -> None:
    # no list of mountain communes for the 90: "to be checked", not "not a member"
    am = next(m for m in kb.match("tourisme 4 saisons en montagne", commune_code="90065") if m.id == "avenir-montagnes")
    assert am.eligible is None
    assert any("à vérifier" in w for w in am.warnings)
    assert not any("n'en fait pas partie" in w for w in am.warnings)
    # the Villages d'avenir list of the 90 lacks the 2025 additions: a commune not on it is never told "no"
    vda = next(m for m in kb.match("villages d'avenir chef de projet", commune_code="90065") if m.id == "villages-d-avenir")
    assert not any("n'en fait pas partie" in w for w in vda.warnings)
    # the PVD list is the ANCT's complete national list since issue 21: a commune not on it is not a laureate
    pvd = next(m for m in kb.match("petites villes de demain", commune_code="90039") if m.id == "petites-villes-de-demain")
    assert pvd.eligible is False and any("n'en fait pas partie" in w for w in pvd.warnings)


def test_rural_is_an_approximation_and_says_so(kb: KnowledgeBase) -> None:
    vda = next(m for m in kb.match("villages d'avenir", commune_code=BERMONT) if m.id == "villages-d-avenir")
    assert any("estimation" in w for w in vda.warnings)


def test_without_commune_rules_are_warnings(kb: KnowledgeBase) -> None:
    vda = next(m for m in kb.match("villages d'avenir") if m.id == "villages-d-avenir")
    assert vda.eligible is None
    assert any("3 500" in w for w in vda.warnings)


def test_unknown_commune_code_is_ignored(kb: KnowledgeBase) -> None:
    assert ids(kb.match("maison de santé", commune_code="99999"))[0] == "acces-aux-soins"


# --- themes --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, theme",
    [
        ("rénover l'école et isoler la mairie", ThemeId.ENERGIE),
        ("plus de médecin", ThemeId.SANTE),
        ("crues et inondations", ThemeId.RISQUES),
        ("la fibre et la 4G", ThemeId.NUMERIQUE),
        ("commerces fermés en centre-bourg", ThemeId.REVITALISATION),
        ("la salle polyvalente est chauffée au fioul, on veut passer aux granulés", ThemeId.ENERGIE),
    ],
)
def test_detect_themes(kb: KnowledgeBase, text: str, theme: ThemeId) -> None:
    assert theme in kb.detect_themes(text)[:3]


def test_detect_themes_nothing(kb: KnowledgeBase) -> None:
    assert kb.detect_themes("") == []
    assert kb.detect_themes("bonjour") == []


# --- bad input -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🎉🚀", "\x00\x01\x02\x1b[31m", "\u200b\u200e\u202e", "x" * 10_000, "مرحبا بكم في البلدية", "你好世界",
     "I would like to renovate the school please", "Wir möchten die Schule renovieren und brauchen Hilfe"],
)
def test_bad_input_gives_clean_empty_result(kb: KnowledgeBase, text: str) -> None:
    assert kb.match(text) == []
    assert kb.detect_themes(text) == []


def test_long_input_does_not_crash(kb: KnowledgeBase) -> None:
    text = "rénovation de l'école " * 1000  # 22 kB
    results = kb.match(text)
    assert results and all(0 <= m.score <= 1 for m in results)
    assert kb.match(None) == []  # type: ignore[arg-type]


@given(st.text(max_size=500))
@settings(max_examples=150, deadline=None)
def test_match_never_raises(text: str) -> None:
    kb = _shared_kb()
    for m in kb.match(text, commune_code=GIROMAGNY):
        assert 0.0 <= m.score <= 1.0
    kb.detect_themes(text)


_KB: list[KnowledgeBase] = []


def _shared_kb() -> KnowledgeBase:
    if not _KB:
        _KB.append(KnowledgeBase.load("90"))
    return _KB[0]


def test_matcher_without_territory() -> None:
    kb = _shared_kb()
    matcher = Matcher(kb.offers, kb.themes)
    results = matcher.match("maison de santé", commune_code=GIROMAGNY)
    assert results[0].id == "acces-aux-soins" and results[0].eligible is None


# --- quality on the dev set (fails if a change makes it drop below the targets) -------------------------------------
def test_dev_needs_quality(kb: KnowledgeBase) -> None:
    ev = _eval_module()
    items = ev._load(DEV / "needs.yaml")
    assert len(items) >= 80
    errors: list[str] = []
    top1, top3, n = ev.eval_needs(kb, items, errors)
    assert top3 >= 0.95, (top3, errors)
    assert top1 >= 0.75, (top1, errors)


def test_dev_set_labels_are_valid(kb: KnowledgeBase) -> None:
    ev = _eval_module()
    for item in ev._load(DEV / "needs.yaml"):
        assert set(item["best"]) <= set(item["acceptable"]) <= set(kb.offers), item
        if item["commune"]:
            assert kb.place(str(item["commune"])) is not None, item


def test_knowledge_base_from_another_data_directory(tmp_path: Path) -> None:
    """The facade reads whatever data directory it is given: the matcher knows nothing hard-coded about offers."""
    import shutil

    import yaml

    src = ROOT / "knowledge" / "data"
    (tmp_path / "offers").mkdir()
    shutil.copy(src / "themes.yaml", tmp_path / "themes.yaml")
    offer = yaml.safe_load((src / "offers" / "acces-aux-soins.yaml").read_text(encoding="utf-8"))
    offer["id"] = "centre-de-sante-test"
    offer["name"] = "Centre de santé de test"
    (tmp_path / "offers" / "centre-de-sante-test.yaml").write_text(yaml.safe_dump(offer, allow_unicode=True), encoding="utf-8")
    faq = [
        {
            "id": "centre-sante-quoi",
            "programme": "centre-de-sante-test",
            "questions": ["c'est quoi le centre de santé de test", "à quoi sert le centre de santé", "centre de santé aide"],
            "answer": "Une réponse de test.",
            "source": "https://example.org/",
        }
    ]
    (tmp_path / "faq.yaml").write_text(yaml.safe_dump(faq, allow_unicode=True), encoding="utf-8")
    kb = KnowledgeBase.load("90", data_dir=tmp_path, territory=_shared_kb().territory)
    assert list(kb.offers) == ["centre-de-sante-test"]
    assert ids(kb.match("on n'a plus de médecin"))[:1] == ["centre-de-sante-test"]
    answer = kb.answer("c'est quoi le centre de santé de test ?")
    assert answer is not None and answer.id == "centre-sante-quoi"


def test_epci_is_judged_on_the_epci_bound_not_the_commune_bound(kb: KnowledgeBase) -> None:
    # DETR: communes up to 20 000 inhabitants; EPCI excluded only above 75 000 inhabitants with a centre commune above
    # 20 000 and a density of 150/km² or more (issue 10: no machine bound, the old 50 000 one is gone). CC du Sud
    # Territoire (~23 500) and the CA Grand Belfort (~100 000) are not excluded; Belfort (commune, ~46 000) is.
    sud = kb.resolve("CC du Sud Territoire").resolved
    grand_belfort = kb.resolve("Grand Belfort").resolved
    assert sud and grand_belfort
    detr = {m.id: m for m in kb.match("construire une salle polyvalente", sud)}["detr"]
    assert not any("habitants" in w for w in detr.warnings)
    detr = {m.id: m for m in kb.match("construire une salle polyvalente", grand_belfort)}["detr"]
    assert not any("50 000" in w for w in detr.warnings) and detr.eligible is not False
    detr = {m.id: m for m in kb.match("construire une salle polyvalente", "90010")}["detr"]
    assert any("communes de 20 000 habitants au plus" in w for w in detr.warnings)


# --- issue 11: needs as councils write them, unsure, themes, reasons ------------------------------------------------
REAL = ROOT / "tests" / "data" / "real"


def test_real_dev_set_stays_above_its_floor(kb: KnowledgeBase) -> None:
    """The real-text dev set (tuned on) stays above a floor under the measured figures (docs/quality.md)."""
    module = _eval_module()
    fig = module.eval_real(kb, "real dev", module.load_real(REAL / "dev.yaml"))
    assert fig.fit_n >= 40 and fig.nofit_n >= 5
    assert fig.top1 >= 0.78, fig.errors
    assert fig.top3 >= 0.92, fig.errors
    assert fig.nofit_unsure >= 0.6, fig.errors
    assert fig.fit_unsure <= 0.06, fig.errors
    assert fig.empty == 0


def test_real_sets_are_well_formed(kb: KnowledgeBase) -> None:
    module = _eval_module()
    dev, held = module.load_real(REAL / "dev.yaml"), module.load_real(REAL / "heldout.yaml")
    assert len(dev) + len(held) >= 80 and len(held) >= 30
    assert not {i["text"] for i in dev} & {i["text"] for i in held}
    for item in dev + held:
        assert item["source"].startswith("http"), item
        assert item.get("nofit") or item.get("acceptable"), item
        assert set(item.get("best") or []) <= set(item.get("acceptable") or []), item


def test_unknown_label_ids_are_ignored_not_fatal(kb: KnowledgeBase) -> None:
    module = _eval_module()
    items = [
        {"text": "Réfection de la toiture de la mairie", "acceptable": ["detr", "dsil", "offre-pas-encore-fusionnee"],
         "best": ["detr", "dsil"]},
        {"text": "Aires de jeux", "acceptable": ["offre-inconnue"]},  # nothing known: skipped
    ]
    fig = module.eval_real(kb, "t", items)
    assert fig.fit_n == 1 and fig.skipped == 1 and fig.top1 == 1.0


@pytest.mark.parametrize(
    "text",
    ["réfection de la toiture de la chapelle", "création d'un city stade près de l'école",
     "aménagement de la traversée du village", "installation de citernes pour la défense incendie des hameaux",
     "rénovation du camping municipal", "extension de la médiathèque", "réaménagement du square derrière la mairie",
     "construction d'une micro-crèche", "vidéosurveillance", "sentier piétonnier"],
)
def test_ordinary_municipal_investment_falls_back_on_the_investment_grants(kb: KnowledgeBase, text: str) -> None:
    result = kb.match_with_confidence(text, commune_code=GIROMAGNY)
    assert set(ids(result.results)[:2]) & {"detr", "dsil"}, ids(result.results)
    assert not result.unsure


def test_a_village_bar_taken_over_by_the_commune_favours_the_rural_programmes(kb: KnowledgeBase) -> None:
    text = "la commune a racheté les murs de l'auberge fermée pour y installer un gérant"
    top = ids(kb.match(text))[:2]
    assert set(top) & {"france-ruralites", "villages-d-avenir"}, top
    assert "revitalisation-commerciale" not in top[:1]


def test_context_words_do_not_outweigh_the_project(kb: KnowledgeBase) -> None:
    # « logements » and « rénovation » are context here: the project is the castle's roof and the gymnasium
    assert ids(kb.match("rénovation du château communal qui abritait autrefois des logements"))[0] != "anru-npnru"
    assert ids(kb.match("réhabilitation du gymnase"))[0] in {"detr", "dsil"}


def test_unknown_collectivite_demotes_programmes_for_members_only(kb: KnowledgeBase) -> None:
    # without a commune, a programme for QPV or laureates only weighs less unless it is named
    from knowledge.search import FEATURES

    plain = Matcher(kb.offers, kb.themes, territory=kb.territory, departement="90",
                    features=[f for f in FEATURES if f != "restricted"])
    text = "les logements de la résidence sont très dégradés"
    score = {m.id: m.score for m in kb.match(text)}["anru-npnru"]
    assert score < {m.id: m.score for m in plain.match(text)}["anru-npnru"]
    assert ids(kb.match("NPNRU démolition de logements"))[0] == "anru-npnru"
    assert ids(kb.match(text, commune_code=BELFORT))[:3]  # with a commune, eligibility decides as before


@pytest.mark.parametrize(
    "text",
    ["vote des tarifs de la cantine et de la garderie", "désignation d'un délégué au syndicat des eaux",
     "subvention à l'association des anciens combattants", "indemnités des élus", "nids de guêpes dans le préau"],
)
def test_running_matters_are_said_unsure(kb: KnowledgeBase, text: str) -> None:
    assert kb.match_with_confidence(text, commune_code=GIROMAGNY).unsure


def test_short_real_needs_are_never_empty(kb: KnowledgeBase) -> None:
    for text in ("Vidéoprotection", "Chemin piétonnier", "aire de jeux", "lavoir"):
        result = kb.match_with_confidence(text)
        assert result.results, text
    assert kb.match_with_confidence("Subventions aux manifestations").unsure


def test_match_keeps_its_return_type_and_agrees_with_match_with_confidence(kb: KnowledgeBase) -> None:
    text = "rénovation énergétique de l'école"
    plain = kb.match(text, commune_code=GIROMAGNY)
    rich = kb.match_with_confidence(text, commune_code=GIROMAGNY)
    assert isinstance(plain, list) and all(isinstance(m, Match) for m in plain)
    assert ids(plain) == ids(rich.results) and rich.unsure is False and 0 < rich.confidence <= 1


def test_confirmed_themes_re_rank_and_corrected_themes_drop(kb: KnowledgeBase) -> None:
    need = "projet pour le bourg : maison médicale et commerces"
    assert ids(kb.match(need, GIROMAGNY, themes=["sante"]))[0] == "acces-aux-soins"
    assert ids(kb.match(need, GIROMAGNY, themes=[ThemeId("commerce-artisanat")]))[0] != "acces-aux-soins"
    # unknown theme values are ignored; an empty list means "none of the themes you guessed"
    assert ids(kb.match(need, GIROMAGNY, themes=["pas-un-theme"])) == ids(kb.match(need, GIROMAGNY, themes=[]))
    # bad theme values never crash; a single value is read as a list of one
    assert kb.match(need, GIROMAGNY, themes=[None, 3, "", "sante"])  # type: ignore[list-item]
    assert ids(kb.match(need, GIROMAGNY, themes="sante"))[0] == "acces-aux-soins"  # type: ignore[arg-type]


def test_reasons_name_the_project_words_never_fillers(kb: KnowledgeBase) -> None:
    text = "ben finalement on voudrait accueillir deux vélos en libre-service et rénover le lavoir"
    results = kb.match(text, commune_code=GIROMAGNY)
    shown = " ".join(r for m in results[:3] for r in m.reasons).lower()
    assert "vélos" in shown or "lavoir" in shown
    for filler in ("ben", "finalement", "accueillir", "deux", "voudrait"):
        assert filler not in shown.replace("mots reconnus", ""), shown


def test_each_part_of_the_reading_can_be_turned_off(kb: KnowledgeBase) -> None:
    from knowledge.search import FEATURES

    bare = Matcher(kb.offers, kb.themes, territory=kb.territory, departement="90", features=())
    full = Matcher(kb.offers, kb.themes, territory=kb.territory, departement="90", features=FEATURES)
    text = "Aires de jeux"
    assert ids(full.match(text))[0] in {"detr", "dsil"}
    assert ids(bare.match(text))[:1] != ids(full.match(text))[:1]


@pytest.mark.parametrize(
    ("text", "first"),
    [("géothermie pour la piscine", "fonds-chaleur"),
     ("un emprunt à taux bas pour le nouveau groupe scolaire", "banque-des-territoires")],
)
def test_the_object_before_pour_is_the_project_the_asset_after_it_what_it_serves(
    kb: KnowledgeBase, text: str, first: str
) -> None:
    from knowledge.search import FEATURES

    without = Matcher(kb.offers, kb.themes, territory=kb.territory, departement="90",
                      features=[f for f in FEATURES if f != "purpose"])
    assert ids(kb.match(text, commune_code=GIROMAGNY))[0] == first
    assert ids(without.match(text, commune_code=GIROMAGNY))[0] in {"detr", "dsil"}  # what the rule changes
    # works, request and filler words before « pour » are not an object: the asset is the project
    for plain in ("travaux pour l'école", "une aide pour la mairie", "subvention pour rénover le gymnase"):
        assert ids(kb.match(plain, commune_code=GIROMAGNY))[0] in {"detr", "dsil"}, plain


def test_an_asset_a_specific_offer_names_is_that_offers_business(kb: KnowledgeBase) -> None:
    # « crèche » is one of the CAF offer's own keywords: the general grants stand beside it, not before it
    assert ids(kb.match("creche"))[0] == "caf-equipements-petite-enfance"
    assert set(ids(kb.match("creche"))[:3]) & {"detr", "dsil"}
    # an asset no specific offer names still falls back on the grants first
    assert ids(kb.match("réfection de la toiture de la mairie"))[0] in {"detr", "dsil"}


@pytest.mark.parametrize(
    ("text", "commune", "first"),
    [("copro des annees 70 en difficulte, charges impayees, le syndic est depasse", "90008", "anah-opah"),
     ("reno complexe sportif, salle omnisports qui fuit de partout", "90009", {"detr", "dsil"}),
     ("dans le haut du village ca capte pas, les appels coupent", None, "couverture-mobile"),
     ("transport a la demande pour nos anciens", "90003", {"france-ruralites", "villages-d-avenir"})],
)
def test_mayors_words_reach_the_right_offer(kb: KnowledgeBase, text: str, commune: str | None, first: object) -> None:
    top = ids(kb.match(text, commune_code=commune))[0]
    assert top in first if isinstance(first, set) else top == first, ids(kb.match(text, commune_code=commune))[:3]


def test_a_former_factory_is_a_friche_for_the_fonds_vert(kb: KnowledgeBase) -> None:
    assert "fonds-vert" in ids(kb.match("ancienne usine abandonnee qu'on voudrait transformer en logements"))[:2]


def test_amounts_and_dates_are_never_quoted_as_project_words(kb: KnowledgeBase) -> None:
    text = "rénovation de la salle des fêtes, budget 400 000 euros HT, travaux en mars 2027"
    shown = " ".join(r for m in kb.match(text, commune_code=GIROMAGNY)[:3] for r in m.reasons).lower()
    assert "salle des fêtes" in shown or "salle" in shown, shown
    for word in ("budget", "euros", "ht", "mars"):
        assert f" {word}" not in shown.replace("mots reconnus :", ""), shown
