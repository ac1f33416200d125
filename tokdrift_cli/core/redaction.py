"""Credentials out of everything tokdrift stores or prints.

An endpoint may carry a key in its URL (``http://user:KEY@host/v1``, ``...?api_key=KEY``). The URL as
given is what calls the model; what an artifact, a fingerprint or a message records is the URL with
the key masked. A URL without a credential comes back unchanged, byte for byte, so the fingerprints of
artifacts made before redaction existed stay what they were.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"  # in a URL: keeps it readable as a URL
TEXT_MASK = "[redacted]"  # elsewhere in a message

# A query parameter whose name (lower case, '-' and '_' dropped) ends with one of these holds a secret:
# key, api_key, apiKey, subscription-key, token, access_token, sig (signed URLs), password, auth...
_SECRET_NAME = re.compile(r"(key|token|secret|password|passwd|pwd|sig|signature|auth|authorization|credentials?)$")
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
# Keys that come without a URL around them: bearer tokens and "api_key: ..." pairs; provider key
# formats (sk-...) anywhere, URLs included.
_BARE_SECRET = re.compile(r"((?i:bearer)\s+[A-Za-z0-9._-]{8,}|(?i:api[_-]?key)\W+[^\s&]+)")
_PROVIDER_KEY = re.compile(r"sk-[A-Za-z0-9_-]{8,}")
# "user:password@host" without a scheme in front, as client libraries print a URL's network location.
_BARE_USERINFO = re.compile(r"(?<![\w:/@.-])([\w.%+-]+):[^\s/@'\"]+@(?=[\w.-]+|\[)")


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name.lower().replace("-", "").replace("_", "")))


def _redact_query(query: str) -> str:
    """The query with every secret parameter's value masked; the raw text of the others is kept."""
    pieces = []
    for piece in query.split("&"):
        name, equals, value = piece.partition("=")
        pieces.append(f"{name}={MASK}" if equals and value and _is_secret_name(name) else piece)
    return "&".join(pieces)


def redact_url(url: str) -> str:
    """``url`` with its password (or a lone user token) and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not parseable as a URL (e.g. a bad IPv6 literal): mask what looks like a key
        return redact_text_outside_urls(url)
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"
    query = _redact_query(parts.query) if parts.query else parts.query
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_optional_url(url: str | None) -> str | None:
    return None if url is None else redact_url(url)


def redact_text_outside_urls(text: str) -> str:
    text = _BARE_USERINFO.sub(lambda match: f"{match.group(1)}:{MASK}@", text)
    return _PROVIDER_KEY.sub(TEXT_MASK, _BARE_SECRET.sub(TEXT_MASK, text))


def redact_text(text: str) -> str:
    """A message with every URL in it redacted and anything else shaped like a key masked."""
    pieces, start = [], 0
    for match in _URL_IN_TEXT.finditer(text):
        pieces.append(redact_text_outside_urls(text[start : match.start()]))
        pieces.append(_PROVIDER_KEY.sub(TEXT_MASK, redact_url(match.group(0))))
        start = match.end()
    pieces.append(redact_text_outside_urls(text[start:]))
    return "".join(pieces)
