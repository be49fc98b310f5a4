"""Kept for the modules that read the intake's steps from here (the Telegram reminder job): see ``slots.py``."""

from __future__ import annotations

from bot.dialogue.slots import AGENT_DATA, EDIT_GROUPS, FREE_TEXT_STEPS, INTAKE_STEPS

__all__ = ["AGENT_DATA", "EDIT_GROUPS", "FREE_TEXT_STEPS", "INTAKE_STEPS"]
