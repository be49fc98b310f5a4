"""A simulated person for the web chat (tests and bench/bench_webchat.py): reads the page's HTML, answers what the
guichet asks (a text, or one of its buttons), confirms the e-mail with the code read from the SMTP server, and stops
when a reference is given. Written against what a person sees (labels, questions), not the engine's internals, so
that a reworded intake still goes through."""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field

_MSG = re.compile(r'<div class="msg msg-(\w+)" data-author="(\w+)"[^>]*? data-id="(\d+)">(.*?)\n</div>', re.S)
_TEXT = re.compile(r'<p class="text">(.*?)</p>', re.S)
_BUTTON = re.compile(r'<button type="submit" name="data" value="([^"]*)" class="btn btn-choice[^"]*"[^>]*>(.*?)</button>', re.S)
_TAG = re.compile(r"<[^>]+>")
_INPUT = re.compile(r'<input type="hidden" name="(csrf|key)" value="([^"]*)">')
REFERENCE = re.compile(r"référence : (\d{2,3}-\d{4}-\d{4,})")


@dataclass
class Msg:
    id: int
    author: str  # person | bot | staff
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (data, label)


def parse_messages(page: str) -> list[Msg]:
    out = []
    for m in _MSG.finditer(page):
        text = _TEXT.search(m.group(4))
        buttons = [(_html.unescape(d), _html.unescape(_TAG.sub("", lbl)).strip()) for d, lbl in _BUTTON.findall(m.group(4))]
        out.append(Msg(int(m.group(3)), m.group(1), _html.unescape(_TAG.sub("", text.group(1))) if text else "", buttons))
    return out


def csrf_of(page: str) -> str:
    return dict(_INPUT.findall(page)).get("csrf", "")


PREFERRED = ("Déposer une nouvelle demande", "J'accepte", "Envoyer la demande", "Continuer", "Mise en relation", "Valider", "Idée", "Maire", "Oui",
             "Passer")


@dataclass
class Plan:
    """What this person answers."""

    commune: str = "Giromagny"
    need: str = "Nous voulons rénover l'école communale pour réduire la facture d'énergie et isoler le bâtiment"
    name: str = "Jeanne Martin"
    phone: str = "06 12 34 56 78"
    email: str = "maire@giromagny.test"
    pressed: dict[str, int] = field(default_factory=dict)

    def next_action(self, messages: list[Msg], code: str | None) -> tuple[str, str] | None:
        """("text", value) or ("button", data); None when the request is filed."""
        bots = [m for m in messages if m.author != "person"]
        if not bots:
            return ("text", "/demande")
        last = bots[-1]
        if REFERENCE.search(last.text) and messages[-1].author != "person":
            return None
        low = last.text.lower()
        if "code à 6 chiffres" in low or "6 chiffres du code" in low:
            return ("text", code or "000000")
        if "adresse e-mail" in low and ("confirm" in low or "retrouver" in low or "valide" in low):
            return ("text", self.email)
        if any(label.endswith("(choisi)") for _, label in last.buttons):  # a multiple choice already made: validate
            for data, label in last.buttons:
                if label.startswith("Valider"):
                    return ("button", data)
        for wanted in PREFERRED:
            for data, label in last.buttons:
                if label.startswith(wanted) and self.pressed.get(label, 0) < 3:
                    self.pressed[label] = self.pressed.get(label, 0) + 1
                    return ("button", data)
        if "collectivité" in low or "commune" in low and "?" in low:
            return ("text", self.commune)
        if "projet" in low:
            return ("text", self.need)
        if "nom" in low:
            return ("text", self.name)
        if "téléphone" in low:
            return ("text", self.phone)
        if "e-mail" in low:
            return ("text", self.email)
        if "budget" in low:
            return ("text", "200 000 €")
        if "calendrier" in low or "quand" in low:
            return ("text", "en 2027")
        if last.buttons:
            return ("button", last.buttons[0][0])
        return ("text", "/demande")
