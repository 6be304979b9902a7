"""The two JUnit schemas CI tools check reports against, vendored in tests/data/junit/
(see tests/data/README.md): a report leancli writes must be valid against both at once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import xmlschema

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "junit"
SCHEMA_FILES = ("junit-10.xsd", "JUnit.xsd")  # Jenkins xUnit's; windyroad's (Ant's)


@cache
def _schema(name: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(SCHEMAS / name))


def schema_errors(report: Path) -> dict[str, str]:
    """Schema file -> why `report` is not valid against it (empty: valid against both)."""
    errors = {}
    for name in SCHEMA_FILES:
        error: str | None = None
        try:
            _schema(name).validate(str(report))
        except xmlschema.XMLSchemaValidationError as exc:
            error = f"{exc.reason} at {exc.path}"
        if error is not None:
            errors[name] = error
    return errors
