"""Electronic signatures for decisions that need one, in the spirit of 21 CFR Part 11 §11.50
and §11.200: the signer re-enters their password, states the meaning and a reason, and the
signature (name, role, time, meaning, reason, hash of the record signed) becomes part of the
signed record and of its trace event, so the audit chain covers it."""

import hashlib
import json
import logging

from django.utils import timezone

from accounts.choices import Role

logger = logging.getLogger(__name__)

MEANINGS = ("approved", "reviewed", "released", "overridden")


class SignatureRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def record_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def sign(
    *, user, password: str, meaning: str, reason: str, record: dict, roles=(Role.ADMIN, Role.SUPERVISOR)
) -> dict:
    """The signature of ``user`` on ``record``, or SignatureRefused (wrong password, a role that
    may not sign this, no reason, an unknown meaning). Nothing is written here: the caller puts
    the signature into the record and its event in one transaction."""
    if meaning not in MEANINGS:
        raise SignatureRefused(f"Unknown meaning {meaning!r}; one of {', '.join(MEANINGS)}.", "bad_meaning")
    if not (reason or "").strip():
        raise SignatureRefused("A signature needs a reason.", "reason_required")
    if getattr(user, "role", None) not in roles:
        raise SignatureRefused("Your role may not sign this decision.", "role_cannot_sign")
    if not password or not user.check_password(password):
        logger.warning("signature by user %s refused: wrong password", user.pk)
        raise SignatureRefused("The password is not right; nothing was signed.", "bad_password")
    return {
        "signer": user.get_username(),
        "signer_id": user.pk,
        "role": user.role,
        "signed_at": timezone.now().isoformat(),
        "meaning": meaning,
        "reason": reason.strip()[:500],
        "record_sha256": record_hash(record),
    }


def sign_decision(*, user, given: dict | None, meanings: tuple[str, ...], reason: str, record: dict) -> dict:
    """The signature a decision needs, from what the request gave (``password``, and optionally
    ``meaning`` and ``reason``); SignatureRefused when none was given. The meaning defaults to the
    decision's first, the reason to the decision's own; both are part of what is signed."""
    if not given:
        raise SignatureRefused(
            "This decision needs your electronic signature: your password and a reason.",
            "signature_required",
        )
    meaning = given.get("meaning") or meanings[0]
    if meaning not in meanings:
        raise SignatureRefused(f"Sign this as one of: {', '.join(meanings)}.", "bad_meaning")
    reason = given.get("reason") or reason
    return sign(
        user=user,
        password=given.get("password", ""),
        meaning=meaning,
        reason=reason,
        record={**record, "reason": reason},
    )
