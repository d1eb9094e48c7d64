"""avsync: do a clip's voice and face belong together?

Heavy modules (torch) load on first use, so worker processes that only run the face
mesh stay small.
"""

__version__ = "0.1.0"

__all__ = ["check", "Config", "Report", "AvsyncError", "ConfigError", "InputError", "ModelError", "NoAudioError",
           "__version__"]


def __getattr__(name):
    if name == "check":
        from .api import check

        return check
    if name == "Config":
        from .config import Config

        return Config
    if name == "Report":
        from .report import Report

        return Report
    if name in ("AvsyncError", "ConfigError", "InputError", "ModelError", "NoAudioError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'avsync' has no attribute {name!r}")
