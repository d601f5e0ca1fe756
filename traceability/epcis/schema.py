"""GS1's EPCIS 2.0 JSON Schema, read from a local file (EPCIS_SCHEMA_PATH); nothing is fetched."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft7Validator


class SchemaMissing(RuntimeError):
    pass


@cache
def validator() -> Draft7Validator:
    path = Path(settings.EPCIS_SCHEMA_PATH)
    if not path.is_file():
        raise SchemaMissing(
            f"The EPCIS 2.0 JSON Schema is not installed at {path}; set EPCIS_SCHEMA_PATH to GS1's "
            "EPCIS-JSON-Schema.json."
        )
    return Draft7Validator(json.loads(path.read_text()))


def schema_errors(document: dict, limit: int = 5) -> list[str]:
    """The first few schema violations, each with the JSON path where it happened."""
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))[:limit]
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message[:300]}" for e in errors]
