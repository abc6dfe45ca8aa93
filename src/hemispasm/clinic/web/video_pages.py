"""Videos: upload, analysis state, report, two analyses side by side, recording in the browser."""

from __future__ import annotations

from fastapi import APIRouter

from hemispasm.clinic.web.pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
