"""Issue 18: hybrid matching (learned fusion), reasons, the FAQ by meaning and follow-ups."""

from __future__ import annotations

import pytest

from intents import encoder
from intents.followup import followup_object
from knowledge.base import KnowledgeBase
from knowledge.hybrid import NEAR_WORDING, load_fusion
from knowledge.search import REASON_NEVER


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load("90")


@pytest.fixture(scope="module")
def lexical_kb():
    return KnowledgeBase.load("90", semantic=False)


def test_the_fusion_is_learned_for_the_shipped_encoder(kb):
    assert kb.hybrid is not None and kb.hybrid.fused, encoder.status()
    model = load_fusion()["models"][kb.hybrid.encoder.model_id]
    assert model["by"] == "scripts/fit_fusion.py"
    assert len(model["weights"]) == len(model["features"])
    assert "threshold" in model["unsure"]
    assert kb.faq_index.semantic is not None and kb.faq_index.semantic.fitted


def test_hybrid_ranks_and_says_unsure(kb):
    r = kb.match_with_confidence("rénovation énergétique de l'école communale", commune_code="90052")
    assert not r.unsure
    assert r.results[0].id in {"detr", "dsil", "fonds-vert"}
    assert all(0.0 <= m.score <= 1.0 for m in r.results)
    assert [m.score for m in r.results] == sorted((m.score for m in r.results), reverse=True)
    assert kb.match_with_confidence("augmenter le tarif de la cantine et payer les heures du personnel").unsure


def test_without_an_encoder_the_lexical_path_answers(lexical_kb):
    assert lexical_kb.hybrid is None
    assert lexical_kb.match("maison de santé")[0].id == "acces-aux-soins"
    assert lexical_kb.faq_index.semantic is None
    assert lexical_kb.answer("c'est quoi PVD") is not None


@pytest.mark.parametrize(
    "need",
    [
        "secrétaire de mairie pendant les travaux entre les deux écoles",
        "projet intercommunale entre les communes, études en cours",
        "le maire et son adjoint veulent refaire la salle polyvalente pendant l'été",
    ],
)
def test_reasons_never_quote_function_words_or_roles(kb, need):
    for m in kb.match(need, limit=5):
        for reason in m.reasons:
            if reason.startswith("mots reconnus"):
                quoted = reason.split(":", 1)[1]
                words = {w.strip(" ,'’").lower() for w in quoted.replace(",", " ").split()}
                from intents.normalize import normalize

                assert not ({normalize(w) for w in words} & REASON_NEVER), (m.id, reason)
                assert "secretaire de mairie" not in normalize(quoted)
            if reason.startswith("proche de"):
                assert "secr" not in reason.lower()


def test_an_offer_up_by_meaning_says_its_closest_phrase(kb):
    results = kb.match("inclusion numérique des habitants éloignés des outils", limit=10)
    near = [r for m in results for r in m.reasons if r.startswith(NEAR_WORDING.split("{")[0])]
    assert near, [(m.id, m.reasons) for m in results]


def test_faq_by_meaning_answers_and_refuses(kb):
    a = kb.answer("le fonds vert, ça finance quoi au juste ?")
    assert a is not None and a.programme == "fonds-vert"
    assert kb.answer("comment renouveler mon passeport ?") is None
    assert kb.answer("quel temps fera-t-il demain à Belfort ?") is None


def test_followup_object():
    assert followup_object("et ça marche pour une salle des fêtes ?") == "une salle des fêtes"
    assert followup_object("Est-ce que ça marche aussi pour un city stade") == "un city stade"
    assert followup_object("et avec une chaufferie bois ?") == "une chaufferie bois"
    assert followup_object("c'est quoi la DETR") is None
    assert followup_object(None) is None


def test_a_followup_is_answered_about_that_programme_and_that_object(kb):
    a = kb.follow_up("et ça marche pour une salle des fêtes ?", "detr")
    assert a is not None and a.programme == "detr"
    assert "salle des fêtes" in a.text and "Dotation d'équipement des territoires ruraux" in a.text
    first = kb.answer("c'est quoi la DETR ?")
    assert first is not None and a.text != first.text
    b = kb.follow_up("et pour la rénovation d'un logement privé ?", "detr")
    assert b is not None and "n'est pas le plus indiqué" in b.text
    c = kb.follow_up("et le fonds vert c'est quoi ?", "detr")  # names another programme: answered as usual
    assert c is not None and c.programme == "fonds-vert"
    kb.follow_up("et pour une salle des fêtes ?", "no-such-offer")  # unknown programme: answered as usual, no error


async def test_prepare_encodes_off_the_loop_and_memoises(kb):
    text = "on voudrait couvrir le terrain de pétanque du village"
    await kb.prepare(text)
    assert (kb.hybrid.encoder.model_id, text) in encoder._query_memo
    assert kb.match(text)


def test_the_votes_of_labelled_examples_are_shipped_and_used(kb):
    from knowledge import hybrid

    model = load_fusion()["models"][kb.hybrid.encoder.model_id]
    if set(model["features"]) & set(hybrid.EXAMPLE_FEATURES):
        assert kb.hybrid._ex is not None and len(kb.hybrid._ex) == len(hybrid.load_examples())
    faq = load_fusion()["faq"][kb.hybrid.encoder.model_id]
    if faq.get("decision"):
        assert kb.faq_index.semantic._ex is not None
        assert len(faq["decision"]["weights"]) == len(faq["decision"]["features"])


def test_example_votes_leave_one_out():
    import numpy as np

    from knowledge.hybrid import example_votes, label_matrices

    ids = ["a", "b", "c"]
    best, acc = label_matrices([{"best": ["a"], "acceptable": ["a", "b"]}, {"best": ["c"], "acceptable": ["c"]}], ids)
    cos = np.array([0.95, 0.80])
    v = example_votes(cos, best, acc, k=2)
    assert v[0, 0] == 0.0 and v[2, 0] < 0.0  # « a » is the nearest example's best
    assert v[0, 2] > v[1, 2] > 0.0 and v[2, 2] > 0.0
    left = example_votes(cos, best, acc, k=2, mask=np.array([False, True]))  # the need itself left out
    assert left[2, 0] == 0.0 and left[0, 2] == 0.0


def test_without_the_labelled_examples_matching_and_faq_fall_back(monkeypatch, tmp_path):
    from knowledge import faq_semantic, hybrid

    monkeypatch.setattr(hybrid, "EXAMPLES_FILE", tmp_path / "none.yaml")
    monkeypatch.setattr(faq_semantic, "EXAMPLES_FILE", tmp_path / "none.yaml")
    kb2 = KnowledgeBase.load("90")
    model = load_fusion()["models"][kb2.hybrid.encoder.model_id]
    if set(model["features"]) & set(hybrid.EXAMPLE_FEATURES):
        assert not kb2.hybrid.fused
    assert kb2.match("maison de santé")[0].id == "acces-aux-soins"
    assert kb2.answer("comment renouveler mon passeport ?") is None
    assert kb2.answer("c'est quoi PVD") is not None


def test_a_long_message_is_encoded_on_its_first_tokens(monkeypatch):
    import numpy as np

    enc = encoder.get_encoder()
    assert enc is not None
    long_text = "nous voudrions rénover la salle des fêtes et agrandir la cantine de l'école communale " * 8
    clipped = enc.clip(long_text, 64)
    assert long_text.startswith(clipped) and enc._model.token_count(clipped, True) <= 64
    assert enc.clip("rénover la mairie", 64) == "rénover la mairie"
    assert enc.clip(long_text, 0) == long_text
    monkeypatch.setenv("GUICHET_ENCODER_MAX_TOKENS", "64")
    encoder.configure()
    try:
        assert encoder.status()["max_tokens"] == 64
        v = encoder.encode_query(long_text)
        assert np.allclose(v, encoder.get_encoder().encode([clipped], kind="query")[0], atol=1e-5)
    finally:
        monkeypatch.delenv("GUICHET_ENCODER_MAX_TOKENS")
        encoder.configure()
