"""Input cleaning and one validator per intake slot. Pure functions, no I/O.

Each validator returns the cleaned value or ``None`` when the input is not a valid answer; the engine then re-asks.
"""

from __future__ import annotations

import re
import unicodedata

from intents.normalize import name_word

NEED_MAX_CHARS = 3000
FREE_TEXT_MAX_CHARS = 300  # calendar, commune query
NAME_MAX_CHARS = 80
MIN_NEED_WORDS = 5

# Characters that carry no meaning for us: controls (except newline/tab), zero-width and bidi marks, BOM.
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
}


_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|[@-Z\\\\-_])")


def clean_text(text: str | None) -> str:
    """NFC, without control/invisible characters, whitespace collapsed per line, stripped."""
    if not text or not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _ANSI.sub("", text)
    out = []
    for ch in text:
        if ch in ("\n", "\t"):
            out.append(" " if ch == "\t" else "\n")
            continue
        if ch in _INVISIBLE:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        out.append(ch)
    lines = [re.sub(r"[ \u00a0\u3000]+", " ", line).strip() for line in "".join(out).split("\n")]
    text = "\n".join(line for line in lines if line)
    return text.strip()


_LATIN_WORD = re.compile(r"[a-zà-öø-ÿœæç'’-]+", re.IGNORECASE)


def has_latin_letters(text: str) -> bool:
    return any(("a" <= c.lower() <= "z") or ("à" <= c.lower() <= "ÿ" and c.isalpha()) for c in text)


def is_meaningless(text: str) -> bool:
    """True for what cannot be an answer in French: empty, only symbols/emoji, no Latin letter nor digit."""
    if not text:
        return True
    return not any(has_latin_letters(c) or c.isdigit() for c in text)


_STOP = frozenset(
    """le la les un une des du de d l au aux et ou a à en dans sur pour par avec sans ce cet cette ces mon ma mes notre
    nos votre vos leur leurs je j nous vous il elle on ils elles qui que qu quoi est sont suis sommes etre être avoir
    ai avons a pas ne n plus tres très bien faire fait c ça ca cela y se s mais donc car si oui non merci bonjour
    alors aussi tout tous toute toutes comme""".split()
)


def meaningful_words(text: str) -> list[str]:
    """Latin words of 3 to 30 letters that are not French stop words."""
    words = []
    for raw in _LATIN_WORD.findall(text.lower()):
        for w in re.split(r"['’-]", raw):
            if 3 <= len(w) <= 30 and w not in _STOP:
                words.append(w)
    return words


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut at a word boundary near ``limit``; returns (text, was_truncated)."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + " […]", True


# --- contact ----------------------------------------------------------------------------------------------------------
_NAME_OK = re.compile(r"^[^\d@<>{}\[\]\\/|_=+*#$%^~`]+$")


#: A label before the name (« Nom : », « Contact : », « Prénom NOM : »): a few words and a colon
_NAME_LABEL = re.compile(r"^\s*([^\W\d_][^\W\d_ '’-]*(?:[ '’-]+[^\W\d_]+){0,3})\s*:\s*")
_NAME_EDGES = " \t,;:.—–-/"


#: words no name holds (courtesy, approval)
_NOT_NAME_WORDS = {"merci", "parfait", "ok", "oui", "non", "bonjour", "bonsoir", "voila", "super", "cordialement",
                   "est", "svp", "stp"}


def validate_name(text: str) -> str | None:
    text = clean_text(text).replace("\n", " ")
    labelled = _NAME_LABEL.match(text)
    if labelled and text[labelled.end():].strip(_NAME_EDGES):
        text = text[labelled.end():]  # « Contact : Claire Demougeot », « Nom : Mathieu Girardot — »
    # what follows a name after a comma or a bracket is something else (« Aurélie Bourquin, mairie (lundi et
    # jeudi) », « Sandrine Klein, vous pouvez répondre sur … »), as a phone's label after it (« nathalie fleury tel »)
    head = re.split(r"\s*[,(;]\s*", text, maxsplit=1)[0]
    if len([c for c in head if c.isalpha()]) >= 2:
        text = head
    text = re.sub(r"(?i)\s+(?:t[ée]l(?:[ée]phone)?|portable|mobile|port|mail|e-mail|courriel)\.?\s*:?\s*$", "", text)
    if not any(c.isupper() for c in text):  # « nathalie fleury »: written as a name is
        text = " ".join(w if w in ("de", "du", "des", "la", "le", "d'", "van", "von") else
                        name_word(w) for w in text.split())
    initial = re.search(r"\s[^\W\d_]\.\s*$", text)  # « Jean D. »: the initial keeps its dot
    text = text.strip(_NAME_EDGES) + ("." if initial else "")
    # the civility is no part of the name (« Mme Laurence Pfister »), when a name follows it
    text = re.sub(r"^(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Madame|Monsieur|Mademoiselle)\s+(?=\S+\s+\S)", "", text)
    if not 2 <= len(text) <= NAME_MAX_CHARS:
        return None
    if not _NAME_OK.match(text):
        return None
    if _NOT_NAME_WORDS & set(re.findall(r"[a-zà-ÿ]+", text.lower())):
        return None  # « C'est parfait, merci. » typed at the name's question is no name
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not has_latin_letters(text):
        return None
    return text


def validate_phone(text: str, *, from_platform: bool = False) -> str | None:
    """A French number (mobile or landline, metropolitan or overseas) as ``+33…``.

    Numbers shared through the platform's contact button are verified by the platform: any international number of
    8 to 15 digits is accepted then.
    """
    text = clean_text(text)
    if not text or len(text) > 40:
        return None
    if re.search(r"[^\d\s.+()\-/]", text):
        return None
    digits = re.sub(r"\D", "", text)
    plus = text.lstrip().startswith("+")
    if digits.startswith("0033"):
        digits = "33" + digits[4:]
        plus = True
    if (plus or from_platform) and digits.startswith("33"):
        national = digits[2:]
        if national.startswith("0"):
            national = national[1:]
        if len(national) == 9 and national[0] in "123456789":
            return "+33" + national
        return None
    if not plus and len(digits) == 10 and digits.startswith("0") and digits[1] in "123456789":
        return "+33" + digits[1:]
    if from_platform and 8 <= len(digits) <= 15:
        return "+" + digits
    return None


def format_phone(e164: str) -> str:
    """``+33612345678`` → ``06 12 34 56 78`` (other numbers unchanged)."""
    if e164.startswith("+33") and len(e164) == 12:
        national = "0" + e164[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return e164


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def validate_email(text: str) -> str | None:
    text = clean_text(text).strip().strip("<>").strip()
    if not text or len(text) > 254 or " " in text:
        return None
    if not _EMAIL.match(text):
        return None
    local, _, domain = text.rpartition("@")
    if len(local) > 64 or ".." in text or local.startswith(".") or local.endswith("."):
        return None
    tld = domain.rsplit(".", 1)[-1]
    if not tld.isalpha() or len(tld) < 2:
        return None
    return local + "@" + domain.lower()


# --- budget -------------------------------------------------------------------------------------------------------
def parse_budget_fallback(text: str) -> int | None:
    """Euros from "150 000 €", "150k€", "1,2 M€", "2 millions". Used when ``intents.entities`` is not available."""
    t = clean_text(text).lower().replace("\u202f", " ").replace("\u00a0", " ")
    m = re.search(r"(\d[\d .]*(?:,\d+)?)\s*(k|m|md|mds|millions?|milliards?|mille|keur|meur)?\b", t)
    if not m:
        return None
    number = m.group(1).replace(" ", "").replace(".", "").replace(",", ".")
    try:
        value = float(number)
    except ValueError:
        return None
    unit = (m.group(2) or "").strip()
    if unit in ("k", "mille", "keur"):
        value *= 1_000
    elif unit in ("m", "million", "millions", "meur"):
        value *= 1_000_000
    elif unit in ("md", "mds", "milliard", "milliards"):
        value *= 1_000_000_000
    if value <= 0 or value > 10_000_000_000:
        return None
    return int(round(value))


def format_euros(value: int) -> str:
    if value >= 1_000_000:
        m = value / 1_000_000
        s = f"{m:.3f}".rstrip("0").rstrip(".").replace(".", ",")  # « 1,35 M€ »: the figure said, not rounded
        return f"{s} M€"
    return f"{value:,}".replace(",", " ") + " €"
