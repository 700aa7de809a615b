"""Where reminders come from: one module per kind of item, each a set-based query.

A source module exposes ``SOURCE``; a module whose area has not been built (its
models cannot be imported) is skipped, so planning covers whatever exists.
"""
from __future__ import annotations

import logging
from importlib import import_module

from competency.reminders.models import ReminderKind
from competency.reminders.sources.base import Source

log = logging.getLogger(__name__)

SOURCE_MODULES = [
    "competency.reminders.sources.milestones",
    "competency.reminders.sources.supervision",
    "competency.reminders.sources.signoffs",
    "competency.reminders.sources.shares",
    "competency.reminders.sources.reviews",
    "competency.reminders.sources.starters",
]

_cache: list[Source] | None = None


def available_sources() -> list[Source]:
    global _cache
    if _cache is None:
        found = []
        for name in SOURCE_MODULES:
            try:
                module = import_module(name)
            except ImportError as exc:
                log.info("Reminder source %s not available yet: %s", name, exc)
                continue
            found.extend(getattr(module, "SOURCES", [getattr(module, "SOURCE", None)]))
        _cache = [source for source in found if source is not None]
    return _cache


def sources_by_kind() -> dict[ReminderKind, Source]:
    return {source.kind: source for source in available_sources()}
