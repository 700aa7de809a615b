"""The yearly preceptor-time expectations, read from ``data/expectations.yaml`` (data, not code)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "expectations.yaml"


@dataclass(frozen=True)
class Expectation:
    code: str
    name: str
    hours_per_year: float
    source: str

    def is_met(self, minutes: int) -> bool:
        return minutes >= self.hours_per_year * 60


@lru_cache(maxsize=1)
def expectations() -> tuple[Expectation, ...]:
    """Lowest first (core, then gold)."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    items = [Expectation(str(item["code"]), str(item["name"]), float(item["hours_per_year"]), str(item["source"]))
             for item in raw["standards"]]
    return tuple(sorted(items, key=lambda e: e.hours_per_year))
