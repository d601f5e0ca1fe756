"""Domain errors become 4xx answers with a stable ``code``; nothing was written when they occur."""

import logging
from collections import Counter

from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from traceability.epcis.schema import SchemaMissing
from traceability.events import EventError

logger = logging.getLogger(__name__)
CONFLICTS = {"duplicate_serial", "duplicate_lot", "duplicate_event", "already_installed", "already_closed"}


def exception_handler(exc, context):
    from accounts.signatures import SignatureRefused
    from inspection.services import InspectionRefused, TrainingRefused, VerificationRefused
    from inspection.services.meters import MeterRefused
    from integrations.services import WebhookRefused

    if isinstance(exc, SignatureRefused):
        return Response(
            {"detail": str(exc), "code": exc.code}, status=403 if exc.code == "bad_password" else 400
        )
    if isinstance(
        exc, VerificationRefused | InspectionRefused | TrainingRefused | MeterRefused | WebhookRefused
    ):
        return Response({"detail": exc.message, "code": exc.code}, status=400)
    if isinstance(exc, EventError):
        return Response(
            {"detail": exc.message, "code": exc.code}, status=409 if exc.code in CONFLICTS else 400
        )
    if isinstance(exc, ProtectedError | RestrictedError):  # a delete that would orphan records
        return Response({"detail": in_use(exc), "code": "in_use"}, status=409)
    if isinstance(exc, SchemaMissing):
        return Response({"detail": str(exc), "code": "schema_missing"}, status=503)
    if isinstance(exc, OperationalError | InterfaceError):  # the database restarting or unreachable
        logger.error("database unavailable: %s", exc)
        return Response(
            {
                "detail": "The database is not answering; nothing was stored. Send it again.",
                "code": "database_unavailable",
            },
            status=503,
            headers={"Retry-After": "5"},
        )
    return drf_handler(exc, context)


def in_use(exc: ProtectedError | RestrictedError) -> str:
    """What still refers to the object a delete was refused for, and why it stays."""
    counts = Counter(obj._meta for obj in exc.args[1])
    named = ", ".join(
        f"{n} {meta.verbose_name if n == 1 else meta.verbose_name_plural}" for meta, n in counts.most_common()
    )
    refer, whose = ("refers", "its") if counts.total() == 1 else ("refer", "their")
    return f"Not deleted: {named} still {refer} to it, and {whose} history is kept."
