"""Which plugins are registered, where each comes from, and what it adds."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from s3_file_uploads.plugins import get_plugins


class Command(BaseCommand):
    help = "List the registered plugins with their distribution, hooks and backends."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON, for scripts")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            {
                "name": plugin.name,
                "distribution": plugin.distribution,
                "hooks": list(plugin.hooks),
                "backends": {
                    name: f"{c.__module__}.{c.__qualname__}" for name, c in plugin.backends.items()
                },
            }
            for plugin in get_plugins()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            source = row["distribution"] or "project or built-in"
            self.stdout.write(f"{row['name']}  ({source})")
            for name, cls in row["backends"].items():
                self.stdout.write(f"  backend {name}: {cls}")
            for hook in row["hooks"]:
                self.stdout.write(f"  hook {hook}")
