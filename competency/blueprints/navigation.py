"""The header navigation. Each area appends its entry; templates show the visible ones."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from competency.accounts.models import User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    # Shown to a signed-in user when this returns True.
    is_visible: Callable[[User], bool]
    order: int = 50


NAV_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label: str, is_visible: Callable[[User], bool] = lambda user: True,
                 order: int = 50) -> None:
    if not any(item.endpoint == endpoint for item in NAV_ITEMS):
        NAV_ITEMS.append(NavItem(endpoint, label, is_visible, order))
        NAV_ITEMS.sort(key=lambda item: item.order)


def visible_nav_items(user: User) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.is_visible(user)]
