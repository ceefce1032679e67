"""Secrets out of every output.

A secret reaches schema-auditor by one of these routes:

- a URL's userinfo: ``postgresql://app:SECRET@db/app`` (any target, ``--dev-url``, ``--expected-db``,
  ``--pushgateway``);
- a setting named like a secret in a URL's query or a keyword DSN: ``?sslpassword=SECRET``,
  ``host=db password='SECRET'``, ``api_key=SECRET``;
- a ``password_file``'s contents;
- an environment value the config interpolates (``${PROD_DB_PASSWORD}``);
- a driver's or library's message that quotes any of these.

Two defences, applied together by :func:`redact` to every text schema-auditor emits:

- **by shape**: a userinfo password and the value of any setting named like a secret are masked in
  any text, whether or not the value was ever seen;
- **by value**: every secret value seen on the way in (each target's URL, ``password_file``
  contents, secret-named environment values) is remembered in :data:`SECRETS`, and each is
  replaced wherever it appears, decoded or URL-encoded: in a table name, a driver's message or a
  traceback alike.

Every sink calls it: the CLI's stdout and stderr (:class:`RedactingWriter`, so nothing printed can
bypass it), exception messages (:mod:`auditor.errors`), metric labels, the status page and
``/report.json``, the apply log, plan files and migration files.
"""
from __future__ import annotations

import html
import json
import re
import threading
from typing import Any, Callable, Iterable, TextIO
from urllib.parse import quote, unquote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
# A remembered value shorter than this is masked only by shape: replacing every "abc" of an output
# would garble it and hide nothing (such a value shows up in ordinary text anyway).
MIN_SECRET_LENGTH = 4
SECRET_WORD = r"(?:password|passwd|pass|pwd|secret|token|passphrase|api_?key|credential|auth)"
# The name of a setting or environment variable that holds a secret: PROD_DB_PASSWORD, sslpassword,
# api_key, GITHUB_TOKEN, DB_PASS.
SECRET_NAME = re.compile(rf"(?i)^[a-z0-9_]*{SECRET_WORD}[a-z0-9_]*$")
# name=value where the name looks like a secret, in a keyword DSN (``host=db password='x y'``) or
# a URL's query (``&sslpassword=x``); the value ends at the first separator, or is quoted. A colon
# right before the separator is the message's (``...?password=x: cannot connect``), not the value's.
_UNQUOTED_VALUE = r"[^&\s;,)'\"]+?(?=:?(?:[&\s;,)'\"]|$))"
_SETTING = re.compile(rf"(?i)\b([a-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|{_UNQUOTED_VALUE})")
_SECRET_WORD = re.compile(rf"(?i){SECRET_WORD}")
# The same in a URL's query only (after "?" or "&"): the one shape masked in program output too,
# where SQL such as ``WHERE auth_token = $1`` must stay as written.
_QUERY_SECRET = re.compile(rf"(?i)([?&][a-z_]*{SECRET_WORD}[a-z_]*=)(?:{_UNQUOTED_VALUE}|(?=[&\s'\"]|$))")
# user:password@host in any URL-like text; the password runs to the last "@" before a blank, so an
# unencoded "@" in it is masked too.
_USERINFO = re.compile(r"(://[^:/@\s]*:)\S*@")


class Secrets:
    """The secret values seen so far in this process, to replace wherever they show up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def add(self, *values: str | None) -> None:
        """Remember ``values`` (and their URL-encoded and decoded spellings); short ones are ignored."""
        spellings = {s for v in values if v for s in _spellings(v)}
        with self._lock:
            known = set(self._values)
            new = {s for s in spellings if len(s) >= MIN_SECRET_LENGTH and s not in known}
            if new:  # longest first, so a secret holding another is replaced whole
                self._values = tuple(sorted(known | new, key=lambda s: (-len(s), s)))

    def values(self) -> tuple[str, ...]:
        """What is remembered, longest first."""
        return self._values

    def clear(self) -> None:
        """Forget everything (tests; a long-lived process never needs to)."""
        with self._lock:
            self._values = ()


SECRETS = Secrets()


def _spellings(value: str) -> tuple[str, ...]:
    """How a value may be written out: as is, URL-encoded or -decoded, inside a JSON string, HTML-escaped."""
    return value, quote(value, safe=""), unquote(value), json.dumps(value)[1:-1], html.escape(value, quote=True)


def remember(*values: str | None) -> None:
    """Add secret values to the process-wide :data:`SECRETS`."""
    SECRETS.add(*values)


def remember_url(url: str | URL | None) -> None:
    """Remember the secrets a URL holds (its password, secret-named query values)."""
    if url:
        SECRETS.add(*url_secrets(str(url) if isinstance(url, str) else url.render_as_string(hide_password=False)))


def redact(text: str, extra: Iterable[str | None] = (), secrets: Secrets = SECRETS) -> str:
    """A message (an error, a log line) with every remembered secret and ``extra`` value, every URL
    password and every value of a setting named like a secret replaced by ``***``."""
    text = redact_output(text, extra, secrets)
    return _SETTING.sub(_masked_setting, text) if "=" in text else text


def _masked_setting(match: re.Match[str]) -> str:
    """``name=value`` with the value masked when the name looks like a secret's."""
    name, equals = match.group(1), match.group(2)
    return f"{name}{equals}{MASK}" if _SECRET_WORD.search(name) else match.group(0)


def redact_output(text: str, extra: Iterable[str | None] = (), secrets: Secrets = SECRETS) -> str:
    """Program output (a report, a plan's SQL, a page) with every remembered secret and ``extra``
    value, every URL password and every secret-named value of a URL's query replaced by ``***``.
    Unlike :func:`redact`, ``name = value`` outside a URL is left alone: in SQL it is a comparison."""
    for value in (*(e for e in extra if e and len(e) >= MIN_SECRET_LENGTH), *secrets.values()):
        if value in text:
            text = text.replace(value, MASK)
    text = _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)
    return _USERINFO.sub(rf"\g<1>{MASK}@", text)


def redact_url(url: URL | str) -> str:
    """The URL with its password (and secret-named query values) masked: the only form of a URL
    that is ever printed."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except (ArgumentError, ValueError):
            return redact(url)
    return redact(url.render_as_string(hide_password=True))


def url_secrets(url: str) -> tuple[str, ...]:
    """The secrets a URL holds, as they may show up in text (decoded and URL-encoded): its password
    and the values of secret-named query settings; () without any. A value that also spells the
    user, host or database name (and so is printed in the masked URL) cannot be told from them and
    is left out."""
    values: list[str] = []
    try:
        parsed = make_url(url)
        values += [str(parsed.password)] if parsed.password else []
        for name, value in parsed.query.items():
            if SECRET_NAME.match(name):
                values += [value] if isinstance(value, str) else list(value)
    except (ArgumentError, ValueError):  # unparsable: find user:password@ the way redact does
        match = re.search(r"://[^:/@\s]*:(\S*)@", url)
        values += [match.group(1)] if match else []
    masked = redact_url(url)
    return tuple(dict.fromkeys(s for v in values if v for s in (v, quote(v, safe="")) if s and s not in masked))


def refuse_secret(text: str, what: str) -> None:
    """Raise ConfigError if a secret shows up in ``text``: for a file that is run as written (a plan
    file, a migration), where masking would change what runs."""
    if redact_output(text) != text:
        from auditor.errors import ConfigError  # errors masks its messages with this module

        raise ConfigError(f"{what} would hold a secret (a password or token in its SQL): not written",
                          "keep the secret out of the schema, or review the plan without writing it")


def redact_data(value: Any) -> Any:
    """A JSON-like value with every string in it redacted as program output (keys too)."""
    if isinstance(value, str):
        return redact_output(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


class RedactingWriter:
    """A text stream that redacts what passes through it, a line at a time (a secret split over two
    ``write`` calls, as ``print`` and ``json.dump`` make, is still whole when masked)."""

    def __init__(self, stream: TextIO, mask: Callable[[str], str] = redact) -> None:
        self.stream = stream
        self.mask = mask  # redact_output for program output, redact for messages
        self._pending = ""

    def write(self, text: str) -> int:
        """Buffer ``text``; pass every complete line on, redacted."""
        self._pending += text
        if "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self.stream.write(self.mask(lines + "\n"))
        return len(text)

    def flush(self) -> None:
        """Pass on what is buffered (redacted) and flush the stream."""
        if self._pending:
            self.stream.write(self.mask(self._pending))
            self._pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        """Whether the underlying stream is a terminal (colour and progress depend on it)."""
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
