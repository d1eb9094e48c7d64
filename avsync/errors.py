"""One exception hierarchy for avsync.

Library code raises these; only the CLI turns them into messages and exit codes.
"""


class AvsyncError(Exception):
    """Base class of every error avsync raises on purpose."""

    exit_code = 3


class InputError(AvsyncError):
    """The input file is missing, unreadable, not media, corrupt or unsupported."""

    exit_code = 4


class NoAudioError(InputError):
    """The file has no decodable audio stream where one is required."""


class ConfigError(AvsyncError):
    """Options that contradict each other or are out of range."""

    exit_code = 3


class ModelError(AvsyncError):
    """Shipped model weights are missing, corrupt or do not match their registry entry."""

    exit_code = 5
