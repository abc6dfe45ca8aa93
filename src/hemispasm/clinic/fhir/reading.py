"""Reading values out of FHIR resources (JSON objects): each helper names the field it could
not read in a ``FhirFieldError``."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any

from hemispasm.clinic.domain.vocab import Reporter
from hemispasm.clinic.fhir import codes as C


class FhirFieldError(ValueError):
    """A resource lacks a value the clinic needs, or holds one it cannot take; names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def required(data: dict[str, Any], name: str, where: str = "") -> Any:
    value = data.get(name)
    if value in (None, "", [], {}):
        raise FhirFieldError(f"{where}{name}", "missing")
    return value


def date_of(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FhirFieldError(name, f"expected a date YYYY-MM-DD, got {value!r}") from None


def optional_date(value: Any, name: str) -> date | None:
    return None if value is None else date_of(value, name)


def code_of(concept: Any, system: str, name: str) -> str:
    """The code of ``system`` in a CodeableConcept."""
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    raise FhirFieldError(name, f"no code of {system}")


def enum_of(enum_cls: Any, value: Any, name: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise FhirFieldError(name, f"expected one of {allowed}, got {value!r}") from None


def extensions(data: dict[str, Any], name: str) -> list[Any]:
    """The values of every project extension ``name``."""
    url = f"{C.EXT}/{name}"
    values = []
    for ext in data.get("extension", []):
        if ext.get("url") == url:
            found = [v for k, v in ext.items() if k.startswith("value")]
            if len(found) != 1:
                raise FhirFieldError(f"extension[{name}]", "needs exactly one value[x]")
            values.append(found[0])
    return values


def extension(data: dict[str, Any], name: str) -> Any:
    values = extensions(data, name)
    if len(values) > 1:
        raise FhirFieldError(f"extension[{name}]", "given more than once")
    return values[0] if values else None


def reference_id(reference: Any, resource_type: str, name: str) -> str:
    text = (reference or {}).get("reference")
    prefix = f"{resource_type}/"
    if not isinstance(text, str) or not text.startswith(prefix) or len(text) == len(prefix):
        raise FhirFieldError(name, f"expected a reference {prefix}<id>, got {text!r}")
    return text[len(prefix) :]


def subject_link(data: dict[str, Any]) -> dict[str, str]:
    return {"patient": reference_id(data.get("subject"), "Patient", "subject")}


def note_text(data: dict[str, Any]) -> str | None:
    notes = data.get("note") or []
    return "\n".join(n.get("text", "") for n in notes) or None


def reporter(data: dict[str, Any], name: str, *, required: bool = True) -> Reporter | None:
    value = extension(data, name)
    if value is None:
        if required:
            raise FhirFieldError(f"extension[{name}]", "missing")
        return None
    return enum_of(Reporter, value, f"extension[{name}]")


def json_attachment(content: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    for item in content:
        attachment = item.get("attachment", {})
        if attachment.get("title") == title and attachment.get("contentType") == "application/json":
            where = f"content[{title}].attachment.data"
            try:
                value = json.loads(base64.b64decode(attachment.get("data", ""), validate=True))
            except (binascii.Error, ValueError):
                raise FhirFieldError(where, "not base64-encoded JSON") from None
            if not isinstance(value, dict):
                raise FhirFieldError(where, "expected a JSON object")
            return value
    return None
