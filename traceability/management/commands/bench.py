"""``python manage.py bench <suite>``: measured figures in a table, ``--json FILE`` for the record.

Each suite is a module with ``add_arguments(parser)`` and ``run(options, out) -> dict`` that
returns flat keys such as ``backward_trace.p95_ms``, with the raw peer's figures under ``peers``."""

import importlib
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

SUITES = {
    "genealogy": "traceability.bench.genealogy",
    "reading": "ocr.bench.reading",
    "e2e": "ocr.bench.e2e",
    "load": "ocr.bench.load",
    "documents": "ocr.bench.documents",
    "verify": "ocr.bench.verify",
    "defects": "inspection.bench.defects",
    "meters": "inspection.bench.meters",
}


class Command(BaseCommand):
    help = "Run a benchmark suite: " + ", ".join(SUITES)

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="suite", required=True)
        for name, module in SUITES.items():
            sub = subparsers.add_parser(name)
            sub.add_argument("--json", dest="json_path", help="write the figures to this file")
            importlib.import_module(module).add_arguments(sub)

    def handle(self, *args, suite, json_path=None, **options):
        if suite not in SUITES:
            raise CommandError(f"unknown suite {suite!r}")
        figures = importlib.import_module(SUITES[suite]).run(options, self.stdout)
        self.stdout.write(render_table(figures))
        if json_path:
            Path(json_path).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
            self.stdout.write(f"figures written to {json_path}")
        sys.stdout.flush()


def render_table(figures: dict) -> str:
    rows = [(key, value) for key, value in figures.items() if key != "peers"]
    rows += [(f"peers.{key}", value) for key, value in figures.get("peers", {}).items()]
    width = max(len(key) for key, _ in rows) if rows else 10
    lines = [f"{'figure'.ljust(width)}  value", f"{'-' * width}  -----"]
    lines += [f"{key.ljust(width)}  {value}" for key, value in rows]
    return "\n".join(lines)
