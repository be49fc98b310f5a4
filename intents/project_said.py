"""What a message says of a project, read with the need distiller's clause labels (``intents.distill``): whether
any clause is the project or is read partly as one (``some_project``), whether it says only who writes and where
(``only_about_oneself``), and the project's clauses with whether each is asked (``project_clauses``). Used to tell a
question from someone who says who they are from a request (issue 19: « nouveau maire de Leval. C'est quoi la
différence entre la DETR et la DSIL ? » holds no project).

Pure apart from the encoder; never raises.
"""

from __future__ import annotations

import logging
import re

from intents.distill import _body, _project_parts, distill_need, label_clauses, spoken, split_clauses

log = logging.getLogger(__name__)

__all__ = ["some_project", "only_about_oneself", "only_who_writes", "project_clauses", "PROJECT_SOME"]

#: labels of a clause that says nothing of a project: who writes, a greeting, the place and what it is like
_ABOUT_ONESELF = ("greeting", "intro", "signature", "context", "other")


def only_about_oneself(text: object) -> bool:
    """No clause of ``text`` is the project nor says anything of one (a stage, an amount, a date, the help asked):
    who writes, a greeting, the place and its context only (« je suis le maire de Bretagne. Pas la région, hein :
    le village de 320 habitants à côté de Montreux-Château ! »). False without an encoder, or for one clause."""
    if not isinstance(text, str):
        return False
    clauses = split_clauses(spoken(_body(text)), relatives=True)
    if len(clauses) < 2:
        return False
    try:
        labelled = label_clauses(clauses)
    except Exception:  # noqa: BLE001
        log.exception("need distiller failed")
        return False
    # (a state of things read in part as the project is the need told as a problem: « la toiture de l eglise fuit de
    # partout »)
    return bool(labelled) and all(c.label in _ABOUT_ONESELF for c in labelled) \
        and not any(c.label == "context" and c.project >= PROJECT_SOME for c in labelled) \
        and not _project_parts(spoken(_body(text)), labelled)


def only_who_writes(text: object) -> bool:
    """Every clause of ``text``, one or more, is a greeting, who writes or a signature, none read as a project even
    in part (« coucou c corinne vernier de la mairie de froidefontaine »). False without an encoder."""
    if not isinstance(text, str) or len(text) > WHO_WRITES_MAX_CHARS:
        return False  # (who one is, said alone, is said in a few words)
    clauses = split_clauses(spoken(_body(text)), relatives=True)
    try:
        labelled = label_clauses(clauses) if clauses else None
    except Exception:  # noqa: BLE001
        log.exception("need distiller failed")
        return False
    return bool(labelled) and all(c.label in _WHO_WRITES and c.project < PROJECT_SOME for c in labelled)


_WHO_WRITES = ("greeting", "intro", "signature")
WHO_WRITES_MAX_CHARS = 300


#: a clause whose neighbours read it as a project this much is a project said in other words (« on voudrait les
#: changer » read as the help asked): chosen on dev (stories 290, 370, 218, 245; the acts dev examples)
PROJECT_SOME = 0.25


def some_project(text: object) -> bool:
    """Some clause of ``text`` is the project, or is read as one by a good share of its nearest labelled clauses
    (``PROJECT_SOME``); True without an encoder (the caller keeps its own reading)."""
    if not isinstance(text, str):
        return False
    if distill_need(text, fallback=False):
        return True
    clauses = split_clauses(spoken(_body(text)), relatives=True)
    try:
        labelled = label_clauses(clauses) if clauses else []
    except Exception:  # noqa: BLE001
        log.exception("need distiller failed")
        return True
    if labelled is None:
        return True
    return any(c.project >= PROJECT_SOME for c in labelled)


def project_clauses(text: object) -> list[tuple[str, bool]] | None:
    """The clauses of ``text`` read as the project, each with whether it is asked (its sentence ends with « ? »:
    « est-ce que le Fonds vert peut financer le passage de l'éclairage en LED ? »); ``[]`` when no clause is the
    project; None without an encoder (the caller keeps its own reading)."""
    if not isinstance(text, str):
        return None
    said = spoken(_body(text))
    clauses = split_clauses(said, relatives=True)
    if not clauses:
        return []
    try:
        labelled = label_clauses(clauses)
    except Exception:  # noqa: BLE001
        log.exception("need distiller failed")
        return None
    if labelled is None:
        return None
    out: list[tuple[str, bool]] = []
    for c, words in _project_parts(said, labelled):
        end = re.search(r"[.!?…;\n]", said[c.end:])
        out.append((words, bool(end) and end.group() == "?"))
    return out
