"""GS1's EPCIS 2.0 JSON Schema, read from a local file (EPCIS_SCHEMA_PATH); nothing is fetched.

Documents are checked with a compiled validator (fastjsonschema); only a refused document goes
through jsonschema as well, to list every violation with its path."""

import json
from functools import cache
from pathlib import Path

import fastjsonschema
from django.conf import settings
from jsonschema import Draft7Validator


class SchemaMissing(RuntimeError):
    pass


@cache
def _schema() -> dict:
    path = Path(settings.EPCIS_SCHEMA_PATH)
    if not path.is_file():
        raise SchemaMissing(
            f"The EPCIS 2.0 JSON Schema is not installed at {path}; set EPCIS_SCHEMA_PATH to GS1's "
            "EPCIS-JSON-Schema.json."
        )
    return json.loads(path.read_text())


@cache
def _compiled():
    return fastjsonschema.compile(_schema())


def schema_errors(document: dict, limit: int = 5) -> list[str]:
    """The first few schema violations, each with the JSON path where it happened."""
    try:
        _compiled()(document)
        return []
    except fastjsonschema.JsonSchemaValueException as exc:
        first = exc.message
    errors = sorted(Draft7Validator(_schema()).iter_errors(document), key=lambda e: list(e.absolute_path))[
        :limit
    ]
    found = [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message[:300]}" for e in errors]
    return found or [first]
