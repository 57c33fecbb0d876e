"""What a form shows: the values as typed and the errors next to their fields.

A page handler that is refused by a service (``ValidationError`` names the
field) renders the same page again with ``FormState.refused(...)``: status 422,
the message next to the field it is about, and everything typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiDict

from server.services.errors import ServiceError, ValidationError

GENERAL = ""  # errors not about one field: shown above the form


@dataclass(slots=True)
class FormState:
    values: MultiDict[Any] = field(default_factory=MultiDict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Mapping[str, Any] | MultiDict[Any] | None = None) -> FormState:
        return cls(MultiDict(values or {}))

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name, default)
        return default if value is None else value

    def all(self, name: str) -> list[Any]:
        return list(self.values.getall(name, []))

    def checked(self, name: str, default: bool = False) -> bool:
        if name not in self.values:
            return default
        return str(self.values.get(name)).lower() in ("1", "true", "on", "yes")

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def general(self) -> str:
        return self.errors.get(GENERAL, "")

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def refused(self, exc: ServiceError, fields: Mapping[str, str] | None = None) -> FormState:
        """Record a service's refusal next to the field it names (``fields`` maps the
        service's field names to the form's, where they differ). Every error also
        appears in the summary above the form, so none is lost."""
        name = GENERAL
        if isinstance(exc, ValidationError) and exc.field:
            name = (fields or {}).get(exc.field, exc.field)
        self.errors[name] = exc.message[:1].upper() + exc.message[1:]
        return self
