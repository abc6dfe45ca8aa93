"""The patient's diary: a quick rating, the effect's start and wear-off, side effects."""

from __future__ import annotations

from fastapi import APIRouter

from hemispasm.clinic.web.pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
