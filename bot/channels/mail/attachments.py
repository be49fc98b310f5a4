"""Moved: the attachments store of every channel is :mod:`bot.store.attachments` (kept for old imports)."""

from bot.store.attachments import *  # noqa: F401,F403
from bot.store.attachments import ALLOWED, TYPE_NAMES, Kept, Refused, attach_pending, get, keep, list_for, path_of  # noqa: F401
