"""The role checks used by API views, pages and consumers. One place decides who may do what."""

from rest_framework import permissions

from accounts.choices import SEE_ALL_ROLES, WRITE_ROLES, Role
from accounts.scoping import in_scope


def has_role(user, *roles) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def can_write(user) -> bool:
    return has_role(user, *WRITE_ROLES)


def can_view_capture(user, capture) -> bool:
    """Admins, supervisors and auditors see every capture (of their lines, where they are
    scoped); an operator sees the captures they uploaded; a device sees the captures of its own
    stations."""
    if has_role(user, *SEE_ALL_ROLES):
        line_id = capture.station.line_id if capture.station_id else None
        return capture.uploaded_by_id == user.pk or in_scope(user, line_id)
    if has_role(user, Role.OPERATOR):
        return capture.uploaded_by_id == user.pk
    if has_role(user, Role.DEVICE):
        return capture.station_id is not None and user.stations.filter(pk=capture.station_id).exists()
    return False


PEOPLE = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR)


class HasRole(permissions.BasePermission):
    """Every endpoint needs an authenticated user with a role. Reads are open to people (the
    view may narrow ``read_roles``); a camera device reads only where the view lists it
    (``read_roles`` including ``Role.DEVICE``: its own captures, verifications and sort
    decisions). Writes go to the roles in ``WRITE_ROLES`` unless the view narrows
    ``write_roles``. The whole matrix is docs/roles.md, checked by tests/accounts/test_matrix.py."""

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return has_role(user, *getattr(view, "read_roles", PEOPLE))
        return has_role(user, *getattr(view, "write_roles", WRITE_ROLES))
