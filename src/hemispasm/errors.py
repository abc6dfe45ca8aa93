"""The error hierarchy. The CLI maps each class to its exit code in one place (cli.EXIT_CODES)."""


class HemispasmError(Exception):
    """Base class of every error hemispasm raises on purpose."""


class InvalidParameterError(HemispasmError, ValueError):
    """An analysis or synthesis parameter has an impossible value."""


class VideoReadError(HemispasmError):
    """The file is missing, is not a video, is empty or truncated."""


class UnsupportedCodecError(VideoReadError):
    """The file is a container we can open, but its video codec cannot be decoded."""


class VideoTooShortError(HemispasmError):
    """The video is shorter than the minimum an analysis needs."""


class NoFaceError(HemispasmError):
    """No face was found, or a face was found in too few frames to analyse."""


class MultipleFacesError(HemispasmError):
    """More than one face is in view for much of the video, so the subject is ambiguous."""


class OutputError(HemispasmError):
    """The output folder cannot be written."""


class ClinicalDataError(HemispasmError, ValueError):
    """A clinical record holds an impossible value (a date, a dose, a dilution); names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InjectionTooEarlyError(ClinicalDataError):
    """A session falls before the earliest allowed date and no reason was recorded."""
