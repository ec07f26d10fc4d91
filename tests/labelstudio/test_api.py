"""Error translation and retries of Label Studio API calls."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from toolkit.errors import LabelStudioError
from toolkit.labelstudio.api import RetryPolicy, call_api, make_client, translate_error

# ---------------------------------------------------------------- errors and retries


def _api_error(status: int, body: Any = None, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status_code=status, headers=headers or {}, body=body)


PAGE = "<!DOCTYPE html><html><head><title>Label Studio</title></head>" + "<p>x</p>" * 200
HINT = "is LABEL_STUDIO_URL the server's base URL, e.g. http://localhost:8080?"


@pytest.mark.parametrize(
    ("exc", "message", "status"),
    [
        (
            _api_error(401),
            "push: Label Studio refused the API token; check LABEL_STUDIO_API_KEY (HTTP 401)",
            401,
        ),
        (
            _api_error(400, {"validation_errors": {"label_config": ["bad"]}}),
            'push: {"label_config": ["bad"]} (HTTP 400)',
            400,
        ),
        (_api_error(502), "push: no detail given (HTTP 502)", 502),
        (
            httpx.ConnectError("refused"),
            "push: cannot reach Label Studio (ConnectError: refused); "
            "is the server running (`toolkit labelstudio serve`) and LABEL_STUDIO_URL right?",
            None,
        ),
        (
            _api_error(200, PAGE, {"content-type": "text/html; charset=utf-8"}),
            "push: the server answered an HTML page (text/html; charset=utf-8), not the "
            f"Label Studio API: {HINT} (HTTP 200)",
            200,
        ),
        (
            _api_error(404, PAGE, {"Content-Type": "text/html"}),
            f"push: the server answered an HTML page (text/html), not the Label Studio API: {HINT}"
            " (HTTP 404)",
            404,
        ),
        (
            _api_error(404, PAGE),
            "push: the server answered an HTML page (no content type), not the Label Studio "
            f"API: {HINT} (HTTP 404)",
            404,
        ),
        (
            _api_error(400, "plain words", {"content-type": "text/plain"}),
            "push: the server answered a non-JSON answer (text/plain), not the Label Studio "
            f"API: {HINT} (HTTP 400)",
            400,
        ),
        (
            _api_error(502, "<html><body>Bad Gateway</body></html>", {"content-type": "text/html"}),
            "push: the server answered an HTML page (text/html); Label Studio or a proxy in "
            "front of it failed: see the server's log (HTTP 502)",
            502,
        ),
        (
            json.JSONDecodeError("Expecting value", PAGE, 0),
            "push: the server's answer is not JSON (Expecting value), not the Label Studio API: "
            f"{HINT}",
            None,
        ),
    ],
    ids=[
        "401",
        "400-detail",
        "502",
        "connect",
        "html-200",
        "html-404",
        "html-no-type",
        "text-400",
        "html-502",
        "not-json",
    ],
)
def test_errors_are_translated_once(exc: Exception, message: str, status: int | None) -> None:
    error = translate_error(exc, "push")
    assert (str(error), error.status_code) == (message, status)


def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    waits: list[float] = []
    answers: list[Exception | str] = [_api_error(500), _api_error(503), "ok"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    policy = RetryPolicy(attempts=4, base_delay_s=0.25, sleep=waits.append)
    assert call_api("x", call, policy) == "ok"
    assert waits == [0.25, 0.5]


def test_4xx_is_not_retried() -> None:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise _api_error(404, {"detail": "Not found."})

    with pytest.raises(LabelStudioError, match=r'^x: "Not found\." \(HTTP 404\)$'):
        call_api("x", call, RetryPolicy(sleep=lambda s: None))
    assert calls == [1]


def test_retries_are_bounded() -> None:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise httpx.ReadError("reset")

    with pytest.raises(LabelStudioError):
        call_api("x", call, RetryPolicy(attempts=3, sleep=lambda s: None))
    assert len(calls) == 3


# ---------------------------------------------------------------- tokens the SDK refuses


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


NEW_TOKEN = (
    "create a new personal access token in Label Studio (Account & Settings) or use the "
    "legacy token (HTTP 401)"
)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (
            {"token_type": "refresh", "user_id": 1},
            "building the Label Studio client: the API token in LABEL_STUDIO_API_KEY is a JWT "
            f"without an expiry date, which the Label Studio SDK does not accept; {NEW_TOKEN}",
        ),
        (
            {"token_type": "refresh", "exp": 1700000000},
            "building the Label Studio client: the API token in LABEL_STUDIO_API_KEY expired on "
            f"2023-11-14 22:13 UTC; {NEW_TOKEN}",
        ),
    ],
    ids=["no-expiry", "expired"],
)
def test_jwt_token_the_sdk_refuses_is_a_clear_error(claims: dict[str, Any], message: str) -> None:
    token = _jwt(claims)
    with pytest.raises(LabelStudioError) as info:
        make_client("http://127.0.0.1:9", token)
    assert (str(info.value), info.value.status_code) == (message, 401)
    assert token not in str(info.value)
