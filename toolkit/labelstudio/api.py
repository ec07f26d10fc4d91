"""Label Studio API calls: the SDK client, bounded retries, one translation of every error.

The client (``label_studio_sdk.LabelStudio``) is passed in. Every SDK or transport error is
translated once, here, into ``LabelStudioError`` with the HTTP status; 5xx answers and
connection failures are retried with exponential backoff, 4xx never. Build the client with
``max_retries=0`` (``make_client`` does) so that only these retries run: a retried import first
looks up which documents already arrived, so a batch that the server committed before failing
is never imported twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx
from label_studio_sdk.core.api_error import ApiError

from toolkit.errors import LabelStudioError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for 5xx answers and connection errors."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return float(min(self.base_delay_s * (2**attempt), self.max_delay_s))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, ApiError):
        return exc.status_code is not None and exc.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "validation_errors", "message", "error"):
            if body.get(key):
                return json.dumps(body[key], ensure_ascii=False)[:500]
        return json.dumps(body, ensure_ascii=False)[:500]
    return str(body)[:500] if body else ""


API_HINT = "is LABEL_STUDIO_URL the server's base URL, e.g. http://localhost:8080?"


def _content_type(exc: ApiError) -> str:
    for key, value in (exc.headers or {}).items():
        if key.lower() == "content-type":
            return str(value)
    return ""


def _not_the_api(exc: ApiError, what: str) -> LabelStudioError | None:
    """The error for an answer that is not the API's JSON (an HTML page, a proxy's text)."""
    if not isinstance(exc.body, str):
        return None  # the SDK parsed JSON: the API answered
    ctype = _content_type(exc)
    media = ctype.split(";")[0].strip().lower()
    if media == "application/json":
        return None
    looks_html = exc.body.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    html = media in ("text/html", "application/xhtml+xml") or (not media and looks_html)
    answered = f"{'an HTML page' if html else 'a non-JSON answer'} ({ctype or 'no content type'})"
    status = exc.status_code
    if status is not None and status >= 500:
        hint = "; Label Studio or a proxy in front of it failed: see the server's log"
    else:
        hint = f", not the Label Studio API: {API_HINT}"
    return LabelStudioError(f"{what}: the server answered {answered}{hint}", status_code=status)


def translate_error(exc: Exception, what: str) -> LabelStudioError:
    """One LabelStudioError for an SDK or transport failure: what failed, the status, the fix."""
    if isinstance(exc, ApiError):
        status = exc.status_code
        not_api = _not_the_api(exc, what)
        if not_api is not None:
            return not_api
        if status == 401:
            hint = "Label Studio refused the API token; check LABEL_STUDIO_API_KEY"
            return LabelStudioError(f"{what}: {hint}", status_code=status)
        if status == 403:
            return LabelStudioError(f"{what}: the token's user may not do this", status_code=status)
        detail = _detail(exc.body)
        return LabelStudioError(f"{what}: {detail or 'no detail given'}", status_code=status)
    if isinstance(exc, json.JSONDecodeError):
        # The SDK reads some answers (the token refresh) as JSON without checking them.
        return LabelStudioError(
            f"{what}: the server's answer is not JSON ({exc.msg}), not the Label Studio API: "
            f"{API_HINT}"
        )
    if isinstance(exc, httpx.TimeoutException):
        return LabelStudioError(f"{what}: Label Studio did not answer in time ({exc!r})")
    return LabelStudioError(
        f"{what}: cannot reach Label Studio ({type(exc).__name__}: {exc}); "
        "is the server running (`toolkit labelstudio serve`) and LABEL_STUDIO_URL right?"
    )


def call_api(
    what: str,
    func: Callable[[], T],
    retry: RetryPolicy,
    *,
    before_retry: Callable[[], bool] | None = None,
) -> T | None:
    """Run one API call with retries; ``before_retry`` may return False to stop (job done)."""
    for attempt in range(retry.attempts):
        try:
            return func()
        except (ApiError, httpx.TransportError, json.JSONDecodeError) as exc:
            if not _retryable(exc) or attempt == retry.attempts - 1:
                raise translate_error(exc, what) from exc
            retry.sleep(retry.delay(attempt))
            if before_retry is not None and not before_retry():
                return None
    raise AssertionError("unreachable: the loop returns or raises")


def _call(what: str, func: Callable[[], T], retry: RetryPolicy) -> T:
    # Without before_retry, call_api returns func's own value (None only if func gave None).
    return cast(T, call_api(what, func, retry))


def _jwt_expiry(token: str) -> str | None:
    """The ``exp`` claim of a JWT-shaped token as a UTC time, read without verifying it."""
    import base64
    from datetime import UTC, datetime

    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(float(claims["exp"]), UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (IndexError, KeyError, TypeError, ValueError, OverflowError):
        return None


def _token_refused(exc: ApiError, api_key: str) -> LabelStudioError:
    """The SDK refused a JWT-shaped token before any request; never shows the token."""
    body = exc.body if isinstance(exc.body, dict) else {}
    expired = "expired" in str(body.get("detail", ""))
    if expired:
        when = _jwt_expiry(api_key)
        problem = f"expired on {when}" if when else "has expired"
    else:
        problem = "is a JWT without an expiry date, which the Label Studio SDK does not accept"
    return LabelStudioError(
        f"building the Label Studio client: the API token in LABEL_STUDIO_API_KEY {problem}; "
        "create a new personal access token in Label Studio (Account & Settings) or use the "
        "legacy token",
        status_code=exc.status_code,
    )


def make_client(url: str, api_key: str, *, timeout_s: float = 300.0, transport: Any = None) -> Any:
    """An SDK client with a long timeout and no SDK-level retries (ours are safer for imports)."""
    from label_studio_sdk import LabelStudio

    http = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=True)
    try:
        # The SDK checks a JWT-shaped token's expiry here, before any request.
        return LabelStudio(
            base_url=url, api_key=api_key, httpx_client=http, max_retries=0, timeout=timeout_s
        )
    except ApiError as exc:
        http.close()
        raise _token_refused(exc, api_key) from exc
