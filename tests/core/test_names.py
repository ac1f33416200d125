"""Names across casing styles: acronym runs and digits, and the near misses that are other words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdrift_cli.core.equivalence import same_identifier

SAME = [
    ("parseHTTPResponse", "parse_http_response"),
    ("ParseHttpResponse", "parse_http_response"),
    ("parseHTTPResponse", "ParseHttpResponse"),
    ("isValidIPv4", "is_valid_ipv4"),
    ("IsValidIpv4", "isValidIPv4"),
    ("is_valid_ip_v4", "isValidIPv4"),
    ("utf8Decode", "utf8_decode"),
    ("utf_8_decode", "utf8Decode"),
    ("getURL2", "get_url_2"),
    ("getURL2", "get_url2"),
    ("LOAD_JSON_FILE", "loadJSONFile"),
    ("activeUserIDs", "active_user_ids"),
    ("toBase64", "to-base-64"),
]

DIFFERENT = [
    ("parseHTTPRequest", "parse_http_response"),
    ("parseHTTPSResponse", "parse_http_response"),
    ("isValidIPv6", "is_valid_ipv4"),
    ("utf16Decode", "utf8_decode"),
    ("getURL", "get_url_2"),
    ("utf8Encode", "utf8_decode"),
    ("isValidIPv4Address", "is_valid_ipv4"),
    ("calc_avg", "calculate_average"),
    # lowercase letters run together are one word, in any casing
    ("isvalidipv4", "is_valid_ipv4"),
    ("getusername", "get_user_name"),
    ("getUsername", "get_user_name"),
    ("PARSE_HTTP", "par_se_http"),
    ("count_vowels", "countvowels"),
    # a leading capital is a word's first letter, not the end of an acronym
    ("Ab", "a_b"),
    ("Parse", "p_arse"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_name_across_casing_styles(a: str, b: str) -> None:
    assert same_identifier(a, b) and same_identifier(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_other_words_are_other_names(a: str, b: str) -> None:
    assert not same_identifier(a, b) and not same_identifier(b, a)


WORDS = st.lists(st.sampled_from(["parse", "http", "url", "ip", "v4", "json", "utf8", "file", "is", "valid"]), min_size=1)


def _styles(words: list[str]) -> list[str]:
    acronyms = {"http", "url", "ip", "json"}
    camel = words[0] + "".join(w.upper() if w in acronyms else w.capitalize() for w in words[1:])
    pascal = "".join(w.capitalize() for w in words)
    return ["_".join(words), "-".join(words).upper(), camel, pascal, "_".join(words).upper()]


@settings(max_examples=60, deadline=None, database=None)
@given(WORDS, st.data())
def test_property_every_casing_of_the_same_words_is_the_same_name(words: list[str], data: st.DataObject) -> None:
    styles = _styles(words)
    a, b = data.draw(st.sampled_from(styles)), data.draw(st.sampled_from(styles))
    assert same_identifier(a, b)


@settings(max_examples=60, deadline=None, database=None)
@given(WORDS, WORDS)
def test_property_names_with_other_letters_differ(a: list[str], b: list[str]) -> None:
    if "".join(a) != "".join(b):
        assert not same_identifier(_styles(a)[2], _styles(b)[0])
