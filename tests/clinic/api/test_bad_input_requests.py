"""Malformed bodies, oversized bodies, bad ids and queries get a 4xx in the error shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any, get_args

import pytest
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import PASSWORD, World
from tests.clinic.api.refusals import (
    API,
    MISSING_ID,
    assert_refused,
    mrn_count,
)


def test_it_refuses_malformed_json(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    r = client.post(f"{API}/patients", content=b'{"mrn": ', headers=h)
    body = assert_refused(r, 422, "body")
    assert "not valid JSON" in body["detail"]


@pytest.mark.parametrize("payload", [[{"mrn": "A-500", "name": "Demo"}], "A-500", 42, None])
def test_it_refuses_json_that_is_not_an_object(
    client: TestClient, world: World, payload: Any
) -> None:
    r = client.post(f"{API}/patients", json=payload, headers=world["clinician_a"].headers)
    assert_refused(r, 422, "body")
    assert mrn_count(client, world, "A-500") == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_refuses_a_body_that_is_not_sent_as_json(
    client: TestClient, world: World, content_type: str
) -> None:
    h = world["clinician_a"].headers | {"content-type": content_type}
    r = client.post(f"{API}/patients", content=b'{"mrn": "A-500", "name": "Demo"}', headers=h)
    assert_refused(r, 422, "body")
    assert mrn_count(client, world, "A-500") == 0


def padded_patient(total_bytes: int) -> bytes:
    """A valid patient body, padded with whitespace to ``total_bytes``."""
    head, tail = b'{"mrn": "A-777", "name": "Demo Patient Large"', b"}"
    return head + b" " * (total_bytes - len(head) - len(tail)) + tail


def streamed(data: bytes, chunk_bytes: int = 64_000) -> Iterator[bytes]:
    """``data`` in chunks, sent without a Content-Length."""
    for start in range(0, len(data), chunk_bytes):
        yield data[start : start + chunk_bytes]


def test_it_refuses_a_body_declared_larger_than_the_limit(
    client: TestClient, world: World, settings: Settings
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    data = padded_patient(settings.max_body_bytes + 1)
    r = client.post(f"{API}/patients", content=data, headers=h)
    assert_refused(r, 413, "body")
    assert mrn_count(client, world, "A-777") == 0


@pytest.mark.parametrize("send", [bytes, streamed], ids=["declared", "streamed"])
def test_it_accepts_a_body_at_the_limit(
    client: TestClient, world: World, settings: Settings, send: Any
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    r = client.post(
        f"{API}/patients", content=send(padded_patient(settings.max_body_bytes)), headers=h
    )
    assert r.status_code == 201, r.text


def test_it_refuses_a_streamed_body_larger_than_the_limit(
    client: TestClient, world: World, settings: Settings
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    data = padded_patient(settings.max_body_bytes + 100_000)
    r = client.post(f"{API}/patients", content=streamed(data), headers=h)
    assert "content-length" not in r.request.headers
    assert mrn_count(client, world, "A-777") == 0
    assert_refused(r, 413, "body")


# --- paths and queries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/patients/abc", "patient_id"),
        ("/patients/1.5", "patient_id"),
        ("/patients/{P1}/sessions/abc", "record_id"),
        ("/patients/{P1}/cycles/1e3", "record_id"),
        ("/patients/abc/timeline", "patient_id"),
        ("/patients/0", "patient_id"),
        (f"/patients/{2**31}", "patient_id"),
        ("/patients/{P1}/sessions/" + str(2**63), "record_id"),
    ],
)
def test_it_refuses_an_id_that_is_not_a_positive_32_bit_integer(
    client: TestClient, world: World, path: str, field: str
) -> None:
    url = API + path.format(P1=world.patients["P1"])
    assert_refused(client.get(url, headers=world["clinician_a"].headers), 422, field)


@pytest.mark.parametrize(
    "path",
    [
        f"/patients/{MISSING_ID}",
        f"/patients/{MISSING_ID}/timeline",
        "/patients/{Q1}",
        "/patients/{P1}/sessions/" + str(MISSING_ID),
        "/patients/{P1}/cycles/" + str(MISSING_ID),
        "/patients/{P1}/surgeries/" + str(MISSING_ID),
    ],
)
def test_it_answers_not_found_for_an_id_that_does_not_exist(
    client: TestClient, world: World, path: str
) -> None:
    url = API + path.format(P1=world.patients["P1"], Q1=world.patients["Q1"])
    assert_refused(client.get(url, headers=world["clinician_a"].headers), 404)


def test_it_answers_not_found_when_correcting_a_record_that_does_not_exist(
    client: TestClient, world: World
) -> None:
    r = client.patch(
        f"{API}/patients/{world.patients['P1']}/sessions/{MISSING_ID}",
        json={"notes": "x"},
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 404)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/patients", {"page": 0}, "page"),
        ("/patients", {"page": -1}, "page"),
        ("/patients", {"page_size": 1000}, "page_size"),
        ("/patients", {"page_size": 0}, "page_size"),
        ("/patients", {"page": "first"}, "page"),
        ("/patients", {"due": "sometimes"}, "due"),
        ("/patients", {"product": "botox"}, "product"),
        ("/patients", {"q": "x" * 101}, "q"),
        ("/patients/{P1}/sessions", {"page": 0}, "page"),
        ("/patients/{P1}/sessions", {"page_size": 1000}, "page_size"),
    ],
)
def test_it_refuses_an_impossible_query(
    client: TestClient, world: World, path: str, params: dict[str, Any], field: str
) -> None:
    url = API + path.format(P1=world.patients["P1"])
    assert_refused(client.get(url, params=params, headers=world["clinician_a"].headers), 422, field)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/no-such-thing", 404), ("PUT", "/patients", 405), ("DELETE", "/patients", 405)],
)
def test_an_unknown_route_or_method_answers_in_the_error_shape(
    client: TestClient, world: World, method: str, path: str, status: int
) -> None:
    r = client.request(method, API + path, headers=world["clinician_a"].headers)
    assert_refused(r, status)


# --- every integer parameter of every route is bounded ----------------------------------------

HUGE = str(10**20)
"""Larger than any database integer (Python's int would overflow SQLite's and PostgreSQL's)."""
TEXT_PATH_VALUES = {"key": "e1", "moment": "peak"}
"""A valid value for each path parameter that is not an id, so that only the id is wrong."""


def _is_int(param: ModelField) -> bool:
    annotation = param.field_info.annotation
    return annotation is int or int in get_args(annotation)


def _params(dependant: Dependant) -> Iterator[tuple[str, ModelField]]:
    yield from (("path", p) for p in dependant.path_params)
    yield from (("query", p) for p in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _params(sub)


def integer_parameters(app: Any) -> list[tuple[str, str, str, str]]:
    """(method, path, "path" or "query", name) of every integer parameter of every route."""
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        for where, param in _params(context.dependant):
            if _is_int(param):
                for method in sorted(context.methods or ()):
                    found.append((method, str(context.path_format), where, param.alias))
    return sorted(set(found))


def huge_value_requests(app: Any) -> Iterator[tuple[str, str, dict[str, str], str]]:
    """(method, url, query, name): each integer parameter of each route set to ``HUGE``, the
    other parameters valid."""
    for method, path, where, name in integer_parameters(app):
        values = {n: TEXT_PATH_VALUES.get(n, "1") for n in re.findall(r"{(\w+)", path)}
        query = {}
        if where == "path":
            values[name] = HUGE
        else:
            query[name] = HUGE
        url = re.sub(r"{(\w+)(:\w+)?}", partial(_path_value, values), path)
        yield method, url, query, name


def _path_value(values: dict[str, str], match: re.Match[str]) -> str:
    return values[match.group(1)]


def test_it_refuses_a_huge_integer_in_any_path_or_query_parameter(
    client: TestClient, world: World
) -> None:
    cases = list(huge_value_requests(client.app))
    assert (
        len(cases) > 100
        and ("GET", f"{API}/patients", {"clinician_id": HUGE}, "clinician_id") in cases
    )
    named = set()
    for persona in ("admin_a", "clinician_a", "patient_p1"):  # each reaches routes the others don't
        client.cookies.clear()
        login = {"email": f"{persona}@example.org", "password": PASSWORD}
        csrf = client.post(f"{API}/auth/login", json=login).json()["csrf_token"]
        for method, url, query, name in cases:
            r = client.request(
                method,
                url,
                params=query,
                headers={"X-CSRF-Token": csrf},
                data={"csrf_token": csrf} if method != "GET" else None,
            )
            assert 400 <= r.status_code < 500, (persona, method, url, query, r.text[:300])
            if name in r.text:
                named.add((method, url, str(query)))
    unnamed = [case[:3] for case in cases if (case[0], case[1], str(case[2])) not in named]
    assert not unnamed, f"no persona was told which parameter was wrong: {unnamed}"
