"""Unit tests of NATS subject validation and matching (meshery.bus.base)."""

from __future__ import annotations

import pytest

from meshery.bus import base


@pytest.mark.parametrize(
    ("pattern", "subject"),
    [
        ("a", "a"),
        ("a.b.c", "a.b.c"),
        ("a.*", "a.b"),
        ("*.b", "a.b"),
        ("a.*.c", "a.b.c"),
        ("a.>", "a.b"),
        ("a.>", "a.b.c.d"),
        (">", "a"),
        (">", "a.b.c"),
        ("*", "a"),
        ("*.*", "a.b"),
        ("meshery.meshsync.*", "meshery.meshsync.core"),
    ],
)
def test_matches(pattern: str, subject: str) -> None:
    assert base.subject_matches(pattern, subject)


@pytest.mark.parametrize(
    ("pattern", "subject"),
    [
        ("a", "b"),
        ("a", "a.b"),
        ("a.b", "a"),
        ("a.*", "a"),
        ("a.*", "a.b.c"),
        ("a.>", "a"),
        ("*", "a.b"),
        ("*.b", "a.c"),
        ("a.*.c", "a.b.d"),
        ("ab", "a"),
    ],
)
def test_does_not_match(pattern: str, subject: str) -> None:
    assert not base.subject_matches(pattern, subject)


@pytest.mark.parametrize(
    "subject",
    ["", ".", "a.", ".a", "a..b", "a b", "a\tb", "a\nb", "a.*", "a.>", "*", ">", "a*", "a.b>"],
)
def test_invalid_publish_subjects(subject: str) -> None:
    with pytest.raises(base.InvalidSubject):
        base.validate_subject(subject)


@pytest.mark.parametrize("pattern", ["", "a..b", "a.>.b", ">.a", "a*", "a.*b", "a.>>", "a b.*"])
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(base.InvalidSubject):
        base.validate_subject(pattern, wildcards=True)


@pytest.mark.parametrize("pattern", ["a", "a.*", "a.>", "*.b.>", ">", "_INBOX.abc.1"])
def test_valid_patterns(pattern: str) -> None:
    base.validate_subject(pattern, wildcards=True)


def test_invalid_subject_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="empty token"):
        base.subject_matches("a..b", "a.b")
    with pytest.raises(ValueError, match="wildcard"):
        base.subject_matches("a.*", "a.*")


def test_tokens_match_on_presplit_tokens() -> None:
    assert base.tokens_match(("a", "*", ">"), ("a", "b", "c", "d"))
    assert not base.tokens_match(("a", "*", ">"), ("a", "b"))


@pytest.mark.parametrize("queue", ["", "a b", "a\n"])
def test_invalid_queue_groups(queue: str) -> None:
    with pytest.raises(base.InvalidQueueGroup):
        base.validate_queue_group(queue)
