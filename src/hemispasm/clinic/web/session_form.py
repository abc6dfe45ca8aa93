"""The injection-session form around the front-view face map: sites, units, volume, totals, limits."""

from __future__ import annotations

from fastapi import APIRouter

from hemispasm.clinic.web.pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
