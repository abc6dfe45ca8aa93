"""The multipart body of a video upload, read as it streams in; shared by the API's upload route
and the upload form of the pages."""

from __future__ import annotations

from datetime import date

from hemispasm.clinic.api.upload_form import StreamedForm
from hemispasm.errors import ClinicalDataError

TRUE = frozenset({"true", "1", "on", "yes"})
FALSE = frozenset({"false", "0", "off", "no", ""})


class VideoForm(StreamedForm):
    """A video upload's body: the part ``file`` goes to an ``IncomingVideo`` on disk, the short
    fields ``recorded_on`` and ``mirrored`` to memory (``StreamedForm``)."""

    noun = "video"
    short_fields = ("recorded_on", "mirrored")

    def recorded_on(self) -> date | None:
        """The ``recorded_on`` field, if sent."""
        text = self.fields.get("recorded_on")
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ClinicalDataError(
                "recorded_on", f"must be a date like 2026-06-01, not {text[:20]!r}"
            ) from None

    def mirrored(self) -> bool:
        """The ``mirrored`` field (false when not sent)."""
        text = self.fields.get("mirrored", "").lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ClinicalDataError("mirrored", f"must be true or false, not {text[:20]!r}")
