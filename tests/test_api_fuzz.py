"""schemathesis against the project's own OpenAPI schema: every operation, as an admin (who may
call all of them), with generated bodies, parameters and ids. No answer may be a server error,
and every answer must match the schema's status codes, content types and bodies. The cases are
fixed per run (derandomized); raise EXAMPLES_PER_OPERATION and drop that to explore."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.choices import Role
from accounts.models import ApiToken

EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.django_db
def test_no_operation_fails_or_breaks_its_schema(make_user):
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    headers = {"Authorization": f"Token {ApiToken.issue(user=make_user(Role.ADMIN), name='fuzz')[1]}"}
    failures, cases, operations = {}, 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same cases every run: CI is repeatable; explore with more locally
        )
        def run(case):
            nonlocal cases
            cases += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except BaseExceptionGroup as exc:  # schemathesis reports its findings as a group
            failures[operation.label] = str(exc)[:500]
    assert failures == {}
    assert operations >= 160 and cases >= operations  # what was tried, for the record
    print(f"schemathesis: {operations} operations, {cases} cases")
