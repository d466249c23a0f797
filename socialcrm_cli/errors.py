"""What the command tells the operator instead of a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A problem the operator can fix: shown as one line (no traceback), exit status `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
