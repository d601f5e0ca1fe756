"""Scoping people to sites or lines. A person with no line and no site sees every line; one with
some sees only those lines (and every line of those sites): their captures (and the review
queue), the dashboard's figures and live feed, and the equipment on them, and they write only
into those lines. Their own uploads stay theirs wherever they were taken. Traceability records
(units, lots, genealogy, the audit trail) are plant-wide: a unit crosses lines, and a trace must
not stop at one."""

from django.db.models import Q

from accounts.choices import Role


def scoped_line_ids(user) -> frozenset[int] | None:
    """The ids of the lines ``user`` is limited to, or None when they see every line. Kept on
    the user object for the rest of the request."""
    if getattr(user, "role", None) in (None, Role.DEVICE) or not getattr(user, "pk", None):
        return None
    if not hasattr(user, "_scoped_line_ids"):  # one query for the unscoped, most people
        from django.contrib.auth import get_user_model

        from traceability.models import Line

        scoped = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .filter(Q(lines__isnull=False) | Q(sites__isnull=False))
        )
        user._scoped_line_ids = (
            frozenset(Line.objects.filter(Q(people=user) | Q(site__people=user)).values_list("pk", flat=True))
            if scoped.exists()
            else None
        )
    return user._scoped_line_ids


def in_scope(user, line_id: int | None) -> bool:
    scope = scoped_line_ids(user)
    return scope is None or line_id in scope


def scoped_line_codes(user) -> frozenset[str] | None:
    """The codes of the lines ``user`` is limited to (as the live feed's rows name them), or None."""
    scope = scoped_line_ids(user)
    if scope is None:
        return None
    from traceability.models import Line

    return frozenset(Line.objects.filter(pk__in=scope).values_list("code", flat=True))


def limit_to_lines(queryset, user, line_field: str):
    """``queryset`` cut to the user's lines through ``line_field`` (e.g. ``equipment__line``)."""
    scope = scoped_line_ids(user)
    return queryset if scope is None else queryset.filter(**{f"{line_field}__in": scope})


class LineScoped:
    """A viewset mixin: its queryset cut to the user's lines through ``line_field``."""

    line_field = "line"

    def get_queryset(self):
        return limit_to_lines(super().get_queryset(), self.request.user, self.line_field)


class ScopedRelations:
    """A serializer mixin: the objects its related fields may name are cut to the requesting
    user's lines, as reading them is, so nobody writes into a line they cannot see (a machine
    put on it, a display added to its machine, a rule on its display). ``scoped_relations``:
    each field with the path from the object it names to a line (``"pk"`` for a line itself).
    One on another line is refused as one that does not exist."""

    scoped_relations: dict[str, str] = {}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name, path in self.scoped_relations.items():
                fields[name].queryset = limit_to_lines(fields[name].queryset, request.user, path)
        return fields
