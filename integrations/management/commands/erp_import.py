"""``python manage.py erp_import KIND FILE.csv [--dry-run] [--all-or-nothing]``: the API's import
from the command line; prints each row's outcome and the counts, exits 1 when rows were wrong."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from integrations import erp


class Command(BaseCommand):
    help = "Import products, work_orders, shipments or purchase_orders from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(erp.KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report what would change; keep nothing")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="keep nothing when any row is wrong"
        )

    def handle(self, *args, kind, file, dry_run, all_or_nothing, **options):
        try:
            rows = erp.read_csv(file.read_bytes())
            report = erp.import_rows(
                kind, rows, dry_run=dry_run, all_or_nothing=all_or_nothing, source=str(file)
            )
        except (OSError, erp.ImportRefused) as exc:
            raise CommandError(f"{file}: {exc}") from None
        for row in report.rows:
            if row.action != "unchanged":
                detail = row.error or ", ".join(f"{k}: {v}" for k, v in row.changes.items())
                self.stdout.write(f"line {row.line} {row.key}: {row.action} {detail}")
        verdict = "dry run, nothing kept" if dry_run else ("applied" if report.applied else "nothing kept")
        self.stdout.write(f"{kind}: {report.counts} ({verdict})")
        if report.counts["error"]:
            raise SystemExit(1)
