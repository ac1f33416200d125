"""Identifier words: the same name across casing styles (snake, camel, Pascal, kebab, ...)."""

from __future__ import annotations


def identifier_words(name: str) -> tuple[str, ...]:
    """Split an identifier into lowercase words, whatever its casing style.

    A boundary is any non-alphanumeric character, a lower-to-upper change
    (``countVowels``), the last capital of an acronym before a lowercase letter
    (``HTTPResponse`` -> ``http``, ``response``) and a letter/digit change
    (``toBase64`` -> ``to``, ``base``, ``64``), so every casing of the same words
    yields the same tuple. A plural acronym keeps its ``s`` (``userIDs`` ->
    ``user``, ``ids``), as snake_case would write it.
    """
    words: list[str] = []
    current = ""
    for index, char in enumerate(name):
        if not char.isalnum():
            words.append(current)
            current = ""
            continue
        following = name[index + 1 : index + 3]
        if current and _starts_word(current[-1], char, following):
            words.append(current)
            current = ""
        current += char
    words.append(current)
    return tuple(word.casefold() for word in words if word)


def _starts_word(previous: str, char: str, following: str) -> bool:
    """Does ``char`` (after ``previous``, before the two ``following`` chars) begin a word?"""
    if previous.isdigit() != char.isdigit():
        return True
    if previous.islower() and char.isupper():
        return True
    if not (previous.isupper() and char.isupper() and following[:1].islower()):
        return False
    # A plural acronym keeps its "s": userIDs -> user, ids (not user, i, ds).
    return not (following[:1] == "s" and not following[1:2].islower())


# How two adjacent characters of an identifier are read: a word boundary, one word, or either.
_BOUNDARY, _JOINED, _EITHER = True, False, None


def _reading(previous_two: str, char: str, cased: bool) -> bool | None:
    """Is there a word boundary before ``char``, after the adjacent ``previous_two`` characters?

    Letters and digits may or may not be words apart (``utf8`` is ``utf_8``), and so may the
    capitals of an acronym run and the letter after it (``IPv4`` is ``ipv4``, ``HTTPResponse``
    is ``http_response``); a lower-to-upper change is a boundary and anything else one word.
    Without any lowercase letter (``SCREAMING_SNAKE``) case says nothing.
    """
    previous = previous_two[-1]
    if previous.isdigit() != char.isdigit():
        return _EITHER
    if not cased:
        return _JOINED
    if previous.islower() and char.isupper():
        return _BOUNDARY
    after_acronym = len(previous_two) == 2 and previous_two[0].isupper()  # a leading capital is no acronym
    if previous.isupper() and (char.isupper() or (char.islower() and after_acronym)):
        return _EITHER
    return _JOINED


def _letters_and_readings(name: str) -> tuple[str, list[bool | None]]:
    """The casefolded letters and digits of ``name``, and how each pair of neighbours is read."""
    cased = any(char.islower() for char in name)
    letters = ""
    readings: list[bool | None] = []
    separated = False
    for index, char in enumerate(name):
        if not char.isalnum():
            separated = True
            continue
        folded = char.casefold()
        if letters:
            readings.append(_BOUNDARY if separated else _reading(name[max(index - 2, 0) : index], char, cased))
        readings.extend([_JOINED] * (len(folded) - 1))
        letters += folded
        separated = False
    return letters, readings


def same_identifier(a: str, b: str) -> bool:
    """The same name across casing styles; names without any word characters must match literally.

    Equal words are the same name; so are equal letters whose word boundaries no casing contradicts:
    ``isValidIPv4`` is ``is_valid_ipv4`` and ``getURL2`` is ``get_url_2``, while ``isvalid`` stays
    apart from ``is_valid`` (lowercase letters run together are one word).
    """
    words_a, words_b = identifier_words(a), identifier_words(b)
    if not (words_a or words_b):
        return a.strip() == b.strip()
    if words_a == words_b:
        return True
    letters_a, readings_a = _letters_and_readings(a)
    letters_b, readings_b = _letters_and_readings(b)
    if letters_a != letters_b:
        return False
    return all(x is None or y is None or x == y for x, y in zip(readings_a, readings_b, strict=True))
