"""Shared pieces of the API models: strict inputs, partial updates, pages, errors."""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any, ClassVar, Generic, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from hemispasm.clinic.domain.dosing import UNIT_DECIMALS, off_grid_message, on_unit_grid
from hemispasm.clinic.domain.names import clean_name

T = TypeVar("T")


MAX_ID = 2_147_483_647
"""The largest id: ids are INTEGER columns, 32-bit in PostgreSQL (the API bounds every id in a
body, a path or a query by it)."""
RefId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
"""The id of another record, within the database's integer range."""


def _on_unit_grid(value: float | None) -> float | None:
    if value is None:  # an update's optional field keeps this validator
        return None
    if not on_unit_grid(value):
        raise ValueError(off_grid_message(value))
    return round(value, UNIT_DECIMALS)  # 0.1 + 0.2 is stored as 0.3


Units = Annotated[float, Field(strict=True, allow_inf_nan=False), AfterValidator(_on_unit_grid)]
"""Units of a toxin (or units per 0.1 mL): sent as a number (true and "2" are refused), a
multiple of the resolution doses are recorded to (``dosing.UNIT_RESOLUTION``, 0.01)."""


def _clean_name(value: str | None) -> str | None:
    return None if value is None else clean_name(value)  # None: an update's optional field


Name = Annotated[str, AfterValidator(_clean_name)]
"""A name or label people read (patient, user, product, surgeon, record number, lot): in Unicode
normal form C, and refused with bidirectional controls or zero-width characters
(``domain.names``)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(value: Any) -> None:
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters (such as NUL)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control_characters(key)
            _refuse_control_characters(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_control_characters(item)


class Input(BaseModel):
    """A request body: unknown fields are refused, text is stripped and free of control
    characters (a NUL cannot be stored in PostgreSQL text)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        _refuse_control_characters(value)
        return value


class Output(BaseModel):
    """A response body read from stored records."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")


class PartialInput(Input):
    """An update: every field optional, but a field that cannot be empty cannot be set to null."""

    required_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_required(self) -> PartialInput:
        for name in self.model_fields_set & self.required_fields:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_unset=True)


def partial(model: type[Input], name: str) -> type[PartialInput]:
    """The update model of ``model``: the same fields and limits, each optional."""
    fields: dict[str, Any] = {
        field_name: (info.annotation | None, _optional(info))  # type: ignore[operator]
        for field_name, info in model.model_fields.items()
    }
    required = frozenset(n for n, info in model.model_fields.items() if not _nullable(info))
    cls = create_model(name, __base__=PartialInput, **fields)
    cls.required_fields = required
    cls.__doc__ = f"Changes to {model.__name__.removesuffix('Create').lower()} fields."
    return cls


def _nullable(info: FieldInfo) -> bool:
    """Whether the field accepts None (a required field, or one with a default, may not)."""
    return info.annotation is None or type(None) in get_args(info.annotation)


def _optional(info: FieldInfo) -> FieldInfo:
    """The same field and limits, defaulting to None."""
    field = copy.copy(info)
    field.default = None
    field.default_factory = None
    return field


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    page_size: int


class FieldError(BaseModel):
    """One thing wrong with a request, naming the field."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx answer: a one-line message and, for bad input, the fields at fault (an empty
    list when no field is)."""

    detail: str
    errors: list[FieldError]


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be read as text (it is not UTF-8)",
    401: "Not logged in: no bearer token or session cookie, or one that has ended",
    403: "Logged in but not allowed: the role, a record the caller may read but not change, or "
    "a change sent with the session cookie but without its CSRF header",
    404: "No such record, or one the caller may not see",
    409: "A value already used by another record (an e-mail address, a record number)",
    413: "The request body is larger than the server accepts",
    422: "An invalid value: ``errors`` names each field at fault",
    429: "Too many attempts: wait the seconds Retry-After says",
}
"""What each error status means, as the OpenAPI document says it (``api.openapi``)."""
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[409]}
}
"""``responses=`` of a route that refuses a value another record already uses."""
LOGIN_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "A wrong e-mail address or password"},
    429: {
        "model": ErrorBody,
        "description": ERROR_DESCRIPTIONS[429],
        "headers": {
            "Retry-After": {
                "description": "seconds",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        },
    },
}
"""``responses=`` of the login routes: a wrong password, or too many attempts."""
