"""The role matrix (docs/roles.md) against the API: every endpoint of the OpenAPI schema, every
method, every role. A role the table allows must not get 401/403; a role it does not list must.
Requests carry an id that does not exist and an empty body, so an allowed role meets 404 or 400
and nothing is written."""

import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.choices import Role

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `(?P<method>[A-Z]+) (?P<path>[^`]+)` \|(?P<cells>.*)\|$")
ROLES = list(Role.values)


def documented() -> dict[tuple[str, str], set[str]]:
    table = {}
    for line in (ROOT / "docs" / "roles.md").read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            cells = [c.strip() for c in match["cells"].split("|")]
            table[(match["method"], match["path"])] = {
                r for r, c in zip(ROLES, cells, strict=True) if c == "✔"
            }
    return table


def endpoints() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def test_every_endpoint_is_in_the_matrix():
    table, found = documented(), endpoints()
    assert sorted(set(found) - set(table)) == [], "endpoints missing from docs/roles.md"
    assert sorted(set(table) - set(found)) == [], "docs/roles.md lists endpoints that are gone"


@pytest.mark.django_db
def test_every_endpoint_answers_every_role_as_the_matrix_says(make_user):
    table = documented()
    clients = {}
    for role in ROLES:
        clients[role] = APIClient()
        clients[role].force_authenticate(make_user(role))
    anonymous = APIClient()
    wrong = []
    for method, path in endpoints():
        url = re.sub(r"\{[^}]+\}", "999999", path)
        for role in ROLES:
            status = getattr(clients[role], method.lower())(url, {}, format="json").status_code
            allowed = status not in (401, 403)
            if allowed != (role in table[(method, path)]):
                wrong.append(f"{method} {path} as {role}: {status}")
        if path != "/api/schema/":
            status = getattr(anonymous, method.lower())(url, {}, format="json").status_code
            if status not in (401, 403):
                wrong.append(f"{method} {path} anonymous: {status}")
    assert wrong == []
    assert len(table) * len(ROLES) >= 800  # the size of what was checked, for the record
