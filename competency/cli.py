"""Operator commands. Each area adds its click group to ``CLI_GROUPS``."""
from __future__ import annotations

from importlib import import_module

from flask import Flask

CLI_GROUPS = [
    "competency.bench.commands:bench_cli",
    "competency.accounts.commands:accounts_cli",
    "competency.audit.commands:audit_cli",
    "competency.demo.commands:demo_cli",
    "competency.reminders.commands:reminders_cli",
    "competency.frameworks.commands:frameworks_cli",
    "competency.passport.commands:keys_cli",
    "competency.passport.commands:passport_cli",
    "competency.preceptorship.commands:programmes_cli",
    "competency.platform.commands:platform_cli",
]


def register_cli(app: Flask) -> None:
    for spec in CLI_GROUPS:
        module_name, attr = spec.split(":")
        app.cli.add_command(getattr(import_module(module_name), attr))
