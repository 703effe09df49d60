"""The two ways a command fails on purpose: bad input, or a missing piece."""
from __future__ import annotations


class CLIError(Exception):
    """A failure the user can fix; main() prints it as one line, no traceback.

    ``exit_code`` 2 means the command line itself was wrong (argparse's
    convention), 1 that the command could not be carried out as asked.
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CLIError):
    """The arguments are wrong: unknown names, empty ranges, bad suffixes."""

    def __init__(self, message: str):
        super().__init__(message, exit_code=2)
