from django.core.management.base import BaseCommand, CommandError

from traceability.services import verify_audit_chain


class Command(BaseCommand):
    help = "Recompute the trace event hash chain; exit 1 naming the first bad event if anything changed."

    def handle(self, *args, **options):
        verdict = verify_audit_chain()
        if not verdict.ok:
            where = f" at event {verdict.first_bad_id}" if verdict.first_bad_id else ""
            raise CommandError(
                f"audit chain BROKEN{where} after {verdict.checked} good events: {verdict.problem}"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {verdict.checked} events verified"))
