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


def same_identifier(a: str, b: str) -> bool:
    """Equal words; names without any word characters must match literally."""
    words_a, words_b = identifier_words(a), identifier_words(b)
    if words_a or words_b:
        return words_a == words_b
    return a.strip() == b.strip()
