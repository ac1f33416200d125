"""Credentials in endpoint URLs and messages are masked; anything without one is left byte for byte."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.redaction import redact_optional_url, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("http://user:KEY@host/v1", "http://user:***@host/v1"),
        ("https://user:KEY@host:8443/v1", "https://user:***@host:8443/v1"),
        ("http://TOKEN@host:8000/v1", "http://***@host:8000/v1"),
        ("https://host/v1?api_key=KEY", "https://host/v1?api_key=***"),
        ("https://host/v1?x=a%20b&token=KEY&y=2", "https://host/v1?x=a%20b&token=***&y=2"),
        ("https://host/v1?Subscription-Key=KEY", "https://host/v1?Subscription-Key=***"),
        ("https://host/v1?apiKey=KEY&access_token=T&sig=S", "https://host/v1?apiKey=***&access_token=***&sig=***"),
        ("https://u:p@host/v1?key=K#frag", "https://u:***@host/v1?key=***#frag"),
    ],
)
def test_credentials_are_masked(url: str, stored: str) -> None:
    assert redact_url(url) == stored
    assert redact_url(stored) == stored  # masking twice changes nothing
    assert "KEY" not in redact_text(f"could not reach {url}: refused")


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1",
        "http://127.0.0.1:8080/v1/",
        "https://api.example.com/v1?api-version=2024-06-01&deployment=x",
        "https://host/v1?x=a%20b&empty=&flag",
        "http://[::1]:8000/v1",
        "not a url at all",
        "http://[::1/broken",
    ],
)
def test_a_url_without_credentials_is_unchanged(url: str) -> None:
    assert redact_url(url) == url


def test_none_stays_none() -> None:
    assert redact_optional_url(None) is None


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("failed to connect to user:SECRETKEY@127.0.0.1:9: [Errno -2] Name or service not known", "SECRETKEY"),
        ("POST http://admin:hunter2@proxy.local/v1/chat failed", "hunter2"),
        ("bad request with sk-abcdefghijklmnop1234 in it", "sk-abcdefghijklmnop1234"),
        ("header Bearer abcdefghijklmnop refused", "abcdefghijklmnop"),
        ("api_key=supersecretvalue was rejected", "supersecretvalue"),
        ("url https://h/v1?token=TOKVALUE timed out", "TOKVALUE"),
    ],
)
def test_messages_lose_their_secrets(message: str, secret: str) -> None:
    assert secret not in redact_text(message)


@pytest.mark.parametrize("message", ["List[int] -> dict[str, int]", "mail bob@example.com", "at [::1]:8080 ok"])
def test_ordinary_messages_are_unchanged(message: str) -> None:
    assert redact_text(message) == message
