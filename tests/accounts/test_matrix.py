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


PAGE_ROW = re.compile(r"^\| `(?P<path>/[^` ]*)` \|(?P<cells>.*)\|$")


def documented_pages() -> dict[str, set[str] | None]:
    """page route → the roles allowed, or None for a public page."""
    table = {}
    for line in (ROOT / "docs" / "roles.md").read_text().splitlines():
        match = PAGE_ROW.match(line.strip())
        if match:
            cells = [c.strip() for c in match["cells"].split("|")]
            table[match["path"]] = (
                None if cells == ["public"] else {r for r, c in zip(ROLES, cells, strict=True) if c == "✔"}
            )
    return table


def pages() -> list[str]:
    from frontend.urls import urlpatterns

    return ["/" + str(pattern.pattern) for pattern in urlpatterns]


@pytest.mark.django_db
def test_every_page_answers_every_role_as_the_matrix_says(make_user):
    from django.test import Client

    table = documented_pages()
    assert sorted(table) == sorted(pages()), "docs/roles.md's page table and frontend/urls.py differ"
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(make_user(role))
    wrong = []
    for route, allowed_roles in table.items():
        url = re.sub(r"<int:[^>]+>", "999999", route)
        anonymous = Client().get(url)
        if allowed_roles is None:
            if anonymous.status_code not in (200, 405):
                wrong.append(f"{route} public, anonymous: {anonymous.status_code}")
            continue
        if anonymous.status_code != 302 or not anonymous["Location"].startswith("/login/"):
            wrong.append(f"{route} anonymous: {anonymous.status_code}")
        for role in ROLES:
            status = clients[role].get(url).status_code
            if (status not in (401, 403)) != (role in allowed_roles):
                wrong.append(f"{route} as {role}: {status}")
    assert wrong == []
    assert len(table) >= 25
