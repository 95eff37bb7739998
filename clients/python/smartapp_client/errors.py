"""The platform's error bodies as exceptions.

RFC 6749 section 5.2 / RFC 6750 bodies ({error, error_description}) become OAuthError, the
installation URL's SmartThings-classic bodies ({error: true, type, message}) InstallationError,
and a 429 RateLimitError with the seconds to wait.
"""

import email.utils
import time


class PlatformError(Exception):
    """Any reply with an error status; ``body`` is its JSON, or its text."""

    def __init__(self, status, body, message):
        super().__init__(message)
        self.status = status
        self.body = body


class OAuthError(PlatformError):
    """``error`` is the RFC 6749 / RFC 6750 code: invalid_grant, invalid_token, access_denied..."""

    def __init__(self, status, body, error, error_description, what):
        detail = ": " + error_description if error_description else ""
        super().__init__(status, body, "%s: %s %s%s" % (what, status, error, detail))
        self.error = error
        self.error_description = error_description


class InstallationError(PlatformError):
    """The installation URL's ``{error: true, type, message}``: SmartAppException, AccessDenied..."""

    def __init__(self, status, body, type_, detail, error_id, what):
        super().__init__(status, body, "%s: %s %s%s" % (what, status, type_, ": " + detail if detail else ""))
        self.type = type_
        self.detail = detail
        self.error_id = error_id


class RateLimitError(PlatformError):
    """429: try again after ``retry_after_seconds`` (None when the platform did not say)."""

    def __init__(self, body, retry_after_seconds, what):
        wait = "" if retry_after_seconds is None else ", retry after %d s" % retry_after_seconds
        super().__init__(429, body, "%s: 429 too many requests%s" % (what, wait))
        self.retry_after_seconds = retry_after_seconds


class CallbackError(Exception):
    """A callback that does not belong to the authorization started here, or carries no code."""


def retry_after_seconds(value, now=None):
    """Seconds from a Retry-After value: delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        at = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0, int(at - (time.time() if now is None else now) + 0.999))


def _text(value):
    return value if isinstance(value, str) and value != "" else None


def error_from(status, body, headers, what):
    """The exception for one failed reply (``headers``: a case-insensitive mapping or None)."""
    if status == 429:
        headers = headers or {}
        wait = retry_after_seconds(headers.get("Retry-After"))
        if wait is None:
            # the installation URL says when its window ends in X-RateLimit-TTL
            wait = retry_after_seconds(headers.get("X-RateLimit-TTL"))
        return RateLimitError(body, wait, what)
    if isinstance(body, dict):
        if body.get("error") is True and _text(body.get("type")):
            return InstallationError(status, body, body["type"], _text(body.get("message")) or "", _text(body.get("errorId")), what)
        code = _text(body.get("error"))
        if code:
            return OAuthError(status, body, code, _text(body.get("error_description")), what)
    shown = ": " + body[:200] if isinstance(body, str) else ""
    return PlatformError(status, body, "%s: %s%s" % (what, status, shown))
