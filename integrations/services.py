"""Webhooks: ``emit`` writes one delivery per subscribed webhook inside the caller's transaction;
the relay (``relay_due``) sends due deliveries, each signed (HMAC-SHA256 over timestamp and
body), retries failures with exponential backoff and jitter, and gives up into the dead-letter
list after ``MAX_ATTEMPTS``; ``replay`` sends a dead letter again.

The relay runs apart from reading: a Celery task on its own ``webhooks`` queue in production, a
thread of its own in the embedded setup. A slow or dead receiver costs the relay its timeout,
never a reading."""

import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone

from integrations.choices import DeliveryStatus, WebhookEvent
from integrations.models import Delivery, Webhook

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY_S = 5.0
TIMEOUT_S = 5.0


class WebhookRefused(ValueError):
    def __init__(self, message: str, code: str = "webhook_refused"):
        super().__init__(message)
        self.message, self.code = message, code


def emit(event: str, payload: dict) -> list[Delivery]:
    """One pending delivery per active webhook subscribed to ``event``; the relay is nudged once
    the caller's transaction commits (the rows are the truth: a missed nudge is caught by the
    schedule)."""
    hooks = [h for h in Webhook.objects.filter(active=True) if event in (h.events or [])]
    deliveries = Delivery.objects.bulk_create(
        Delivery(webhook=h, event=event, payload=payload) for h in hooks
    )
    if deliveries:
        transaction.on_commit(nudge_relay)
    return deliveries


def nudge_relay() -> None:
    from django.conf import settings

    if settings.EMBEDDED_WORKER:
        return  # the embedded relay thread polls every second
    from integrations.tasks import relay_webhooks

    try:
        relay_webhooks.delay()
    except Exception as exc:  # noqa: BLE001 - the broker down: the beat schedule sends it later
        logger.warning("webhook relay not nudged: %s", exc)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``: the receiver recomputes it and
    refuses old timestamps, so a captured request cannot be replayed later."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def relay_due(*, limit: int = 50) -> int:
    """Send the deliveries that are due; returns how many were attempted."""
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        # claim: a second relay (another worker, a redelivered task) skips a claimed row
        if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING
        ):
            attempt(Delivery.objects.select_related("webhook", "subscription").get(pk=pk))
            sent += 1
    return sent


def _body(delivery: Delivery) -> tuple[bytes, str]:
    """A webhook's envelope (id, event, time, data); an EPCIS subscription's results go as the
    EPCISQueryDocument itself, as a repository expects them."""
    if delivery.event == WebhookEvent.EPCIS_QUERY:
        return json.dumps(delivery.payload, default=str).encode(), "application/ld+json"
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, default=str).encode(), "application/json"


def attempt(delivery: Delivery) -> Delivery:
    body, content_type = _body(delivery)
    now = int(time.time())
    url = delivery.target.url
    if not url.startswith(("http://", "https://")):  # the model's URL field already says so
        delivery.status, delivery.last_error = DeliveryStatus.DEAD, "only http and https URLs are sent to"
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "User-Agent": "TraceLens-Webhooks/1",
            "X-TraceLens-Event": delivery.event,
            "X-TraceLens-Delivery": str(delivery.pk),
            "X-TraceLens-Signature": signature(delivery.target.secret, now, body),
        },
    )
    start = time.perf_counter()
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - scheme checked
            status = answer.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:300] or exc.__class__.__name__
    ms = round((time.perf_counter() - start) * 1000, 1)
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    delivery.log = [
        *delivery.log,
        {"at": timezone.now().isoformat(), "status": status, "error": error, "ms": ms},
    ][-20:]
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.DEAD
        logger.warning(
            "webhook delivery %s dead after %s attempts: %s", delivery.pk, delivery.attempts, error
        )
    else:
        delay = BASE_DELAY_S * 2 ** (delivery.attempts - 1) * random.uniform(0.8, 1.2)  # noqa: S311
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = timezone.now() + timezone.timedelta(seconds=delay)
    delivery.save()
    return delivery


def replay(*, delivery: Delivery) -> Delivery:
    """Send a dead letter again, from the first attempt's backoff."""
    if delivery.status != DeliveryStatus.DEAD:
        raise WebhookRefused(f"delivery {delivery.pk} is {delivery.status}; only dead letters are replayed")
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(nudge_relay)
    return delivery


def recover_stuck(*, older_than_s: float = 60.0) -> int:
    """Deliveries left ``sending`` by a relay that died mid-send go back to pending."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_s)
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lt=cutoff).update(
        status=DeliveryStatus.PENDING
    )
