"""Server-rendered pages for clinicians and patients, served by the same app as the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hemispasm.clinic.web import (
    clinic_settings,
    csv_import_page,
    diary,
    dose_history_page,
    language,
    record_forms,
    session_form,
    session_pages,
    session_photo_pages,
    session_records_page,
    urgent_pages,
    video_pages,
    video_report_page,
    video_review,
    visit_pages,
)
from hemispasm.clinic.web.pages import STATIC_DIR
from hemispasm.clinic.web.routes import router

__all__ = ["install_web", "router"]


def install_web(app: FastAPI) -> None:
    """Add the pages (at ``/``) and their assets (at ``/static``) to ``app``."""
    app.include_router(router)
    # the report's /videos/{id} after video_pages' /videos/compare, which it would otherwise take
    for pages in (
        session_form,
        session_pages,
        session_photo_pages,
        session_records_page,
        dose_history_page,
        record_forms,
        video_pages,
        video_report_page,
        video_review,
        diary,
        visit_pages,
        csv_import_page,
        urgent_pages,
        language,
        clinic_settings,
    ):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
