"""Forms for patients, diagnoses, assessments, adverse effects, MRI studies and surgery."""

from __future__ import annotations

from fastapi import APIRouter

from hemispasm.clinic.web.pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
