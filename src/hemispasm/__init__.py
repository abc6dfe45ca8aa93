"""hemispasm: objective measurement and care records for hemifacial spasm."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hemispasm")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
