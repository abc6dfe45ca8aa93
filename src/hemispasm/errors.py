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


class ConfigurationError(HemispasmError):
    """The server's settings (environment, ``.env`` file or command line) are impossible or unsafe;
    the message names the setting."""


class BackupError(HemispasmError):
    """A backup cannot be made or restored: a tool is missing, the archive is damaged or does not
    match its manifest, the restored database fails its check, or the target is not empty."""


class ClinicalDataError(HemispasmError, ValueError):
    """A clinical record holds an impossible value (a date, a dose, a dilution); names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ImportFileError(ClinicalDataError):
    """A file being imported holds a bad record: names the file, the line and the field; nothing
    of the import is kept."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{file}, line {line}, {field}", message)
        self.file = file
        self.line = line


class InjectionTooEarlyError(ClinicalDataError):
    """A session falls before the earliest allowed date and no reason was recorded."""


class NotFoundError(HemispasmError):
    """The record does not exist, was deleted, or is not visible to the user asking."""

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {entity_id} not found")
        self.entity = entity
        self.entity_id = entity_id


class ConflictError(HemispasmError):
    """The change would break a uniqueness rule (a record number, an e-mail address)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class AuthenticationError(HemispasmError):
    """No valid login: wrong password, unknown or expired session or token."""


class PermissionDeniedError(HemispasmError):
    """The user is logged in but their role does not allow this."""


class RateLimitedError(HemispasmError):
    """Too many attempts (logins) from one address or for one account."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
