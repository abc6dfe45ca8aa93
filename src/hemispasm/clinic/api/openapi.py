"""The OpenAPI document as the server really answers: its error bodies, every status an operation
can give, how callers log in, and readable operation ids.

FastAPI documents the success answer of each route and a 422 in its own validation format. The
app answers every error with ``ErrorBody`` instead (``api.errors``), and refuses before any route
runs: 401 without a login, 413 for a body too large. ``describe_api`` rewrites the generated
document from the routes themselves, so a new route is described by the same rules:

- 401 and the two security schemes on every route that depends on ``deps.get_actor``;
- 403 on those too (a role, a part of the record a patient may not change, or a change sent with
  the session cookie but without its CSRF header), except those listed in ``NEVER_REFUSED``;
- 404 on every route with a path parameter (an id the caller may not see is not found either);
- 400 (a body that is not UTF-8 text) and 413 on every route that takes a body, 422 on every
  route that takes a parameter or a body;
- 409, and the login routes' 401 and 429, where a route declares them itself
  (``schemas.common.CONFLICT``, ``LOGIN_REFUSED``);
- the headers that come with an error: WWW-Authenticate (401), Retry-After (429).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any, cast

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from hemispasm.clinic.api.deps import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, get_actor
from hemispasm.clinic.api.schemas.common import ERROR_DESCRIPTIONS, ErrorBody

REF_PREFIX = "#/components/schemas/"
ERROR_REF = {"$ref": f"{REF_PREFIX}{ErrorBody.__name__}"}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from POST /api/v1/auth/token, sent as "
        "'Authorization: Bearer <token>'.",
    },
    "session_cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "A browser's session from POST /api/v1/auth/login. A change (any method "
        f"but GET, HEAD and OPTIONS) also needs the {CSRF_HEADER} header that login answered.",
    },
}
LOGGED_IN: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
"""Either scheme will do (OpenAPI's alternatives)."""

NEVER_REFUSED = frozenset({"read_me"})
"""Operations that need a login but check no role and change nothing (no CSRF check): no 403."""


def operation_id(route: APIRoute) -> str:
    """The operation id of ``route``: its name (the function's, or the ``name=`` it was given)."""
    return route.name


def depends_on(dependant: Dependant, call: Any) -> bool:
    """Whether ``call`` is among the dependencies of ``dependant``, however deep."""
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


def _has_body(route: APIRoute) -> bool:
    return route.body_field is not None or "requestBody" in (route.openapi_extra or {})


def _has_parameters(route: APIRoute) -> bool:
    # Path, query, header and cookie parameters, those read by a dependency (paging) included.
    return bool(get_flat_params(route.dependant))


def needs_login(route: APIRoute) -> bool:
    """Whether ``route`` answers only a logged-in caller."""
    return depends_on(route.dependant, get_actor)


def error_statuses(route: APIRoute) -> set[int]:
    """The error statuses ``route`` can answer, besides those it declares itself."""
    statuses: set[int] = set()
    if needs_login(route):
        statuses.add(401)
        if operation_id(route) not in NEVER_REFUSED or not (route.methods or set()) <= SAFE_METHODS:
            statuses.add(403)
    if route.dependant.path_params:
        statuses.add(404)
    if _has_body(route):
        statuses.update((400, 413))
    if _has_body(route) or _has_parameters(route):
        statuses.add(422)
    return statuses


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """The documented JSON routes among ``routes``, as the app serves them (with the prefixes
    of the routers they were included from)."""
    for context in iter_route_contexts(list(routes)):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield cast(APIRoute, context)  # an included route's context reads as its route


HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer: how to log in",
            "required": True,
            "schema": {"type": "string"},
        }
    },
}
"""Headers that come with an error status (``api.errors``)."""


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": dict(ERROR_REF)}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _add_error_schemas(components: dict[str, Any]) -> None:
    """Put ``ErrorBody`` (and what it refers to) among the schemas; drop FastAPI's own."""
    _, top = models_json_schema([(ErrorBody, "serialization")], ref_template=REF_PREFIX + "{model}")
    schemas = components.setdefault("schemas", {})
    for name, schema in top.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def describe_api(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """Rewrite FastAPI's ``document`` (in place, and return it) to say what ``routes`` answer."""
    components = document.setdefault("components", {})
    _add_error_schemas(components)
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    for route in api_routes(routes):
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            responses: dict[str, Any] = operation["responses"]
            for status in sorted(error_statuses(route)):
                responses[str(status)] = _error_response(status)
            if needs_login(route):
                operation["security"] = copy.deepcopy(LOGGED_IN)
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app`` serve the document ``describe_api`` makes of FastAPI's (which FastAPI
    builds again only when routes were added)."""
    generate = app.openapi
    described: list[int] = []

    def openapi() -> dict[str, Any]:
        document = generate()
        if id(document) not in described:
            describe_api(document, app.routes)
            described[:] = [id(document)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
