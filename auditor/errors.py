"""The one exception hierarchy. Every error the CLI can show derives from AuditorError.

The CLI maps any AuditorError to exit code 2 and prints ``str(error)`` as one line.
Drift is not an error: it is a result (exit code 1).
"""
from __future__ import annotations

from auditor.redact import redact


class AuditorError(Exception):
    """Base of every error the tool reports to a user (exit code 2)."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint

    def report(self) -> str:
        """What to show a user: the message (one line per problem), the hint on the last line."""
        lines = [" ".join(line.split()) for line in redact(str(self)).splitlines() if line.strip()]
        if self.hint and lines:
            lines[-1] += f" ({self.hint})"
        return "\n".join(lines)


class SpecError(AuditorError):
    """The spec file is malformed; the message starts with ``file:line:``."""

    hint = "fix the spec and run again"


class ConfigError(AuditorError):
    """The config file or a command-line value is invalid."""

    hint = "fix the configuration and run again"


class ConnectError(AuditorError):
    """A database could not be reached or read."""

    hint = "check the URL, the server and the credentials"


class ApplyError(AuditorError):
    """A statement failed during apply; the transaction was rolled back."""

    hint = "nothing was changed; fix the cause and run apply again"


class StatementError(ApplyError):
    """One statement failed: ``summary`` says which, ``reason`` why (one masked line)."""

    def __init__(self, message: str, summary: str, reason: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.summary, self.reason = summary, reason


class VerifyError(AuditorError):
    """A plan failed its proof before it ran: a statement does not parse, or it fails (or leaves
    the drift it fixes) on a scratch copy of the database. Nothing was run on the database."""

    hint = "nothing was changed; fix the spec and plan again"


class UnexpectedError(AuditorError):
    """An exception that is not one of ours (a bug, or a driver's surprise), as one line."""

    hint = "a bug in schema-auditor: run again with --debug and report the traceback"

    @classmethod
    def of(cls, exc: BaseException, where: str) -> UnexpectedError:
        """``where: unexpected TypeName: its first line``, any URL password masked."""
        lines = str(exc).strip().splitlines()
        text = redact(lines[0] if lines else "")
        error = cls(f"{where}: unexpected {type(exc).__name__}" + (f": {text}" if text else ""))
        error.__cause__ = exc
        return error
