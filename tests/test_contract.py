"""The contract checker itself: it must reject answers that break the spec."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.contract import ContractChecker, ContractViolation


def _pair(method: str, path: str, status: int, body: object, ctype: str = "application/json") -> tuple[
    httpx.Request, httpx.Response
]:
    request = httpx.Request(method, f"http://testserver{path}")
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return request, httpx.Response(status, content=content, headers={"content-type": ctype}, request=request)


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return ContractChecker()


def test_accepts_a_valid_answer(checker: ContractChecker) -> None:
    body = {"build": "v1", "commitsha": "x", "release_channel": "stable", "latest": "v1", "outdated": False}
    checker.check(*_pair("GET", "/api/system/version", 200, {**body, "releaseChannel": "stable"}))


def test_rejects_a_missing_field(checker: ContractChecker) -> None:
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/api/system/version", 200, {"build": "v1"}))


def test_rejects_a_wrong_type(checker: ContractChecker) -> None:
    body = {"page": "zero", "page_size": 1, "total_tables": 0, "record_count": 0, "tables": []}
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/api/system/database", 200, body))


def test_rejects_an_undeclared_status(checker: ContractChecker) -> None:
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/healthz/live", 201, "ok", "text/plain"))


def test_error_answers_must_be_the_envelope(checker: ContractChecker) -> None:
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/nowhere", 404, {"detail": "Not Found"}))
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/nowhere", 404, "Not Found", "text/plain"))
    envelope = {"error": "No such route", "code": "meshery-server-1004", "severity": "ERROR"}
    checker.check(*_pair("GET", "/nowhere", 404, envelope))


def test_event_streams_are_checked_event_by_event(checker: ContractChecker) -> None:
    good = 'data: {"None":{"available":true,"providerType":"local"}}\n\n'
    checker.check(*_pair("GET", "/api/providers/stream", 200, good, "text/event-stream"))
    bad = 'data: {"None":{"available":"yes","providerType":"local"}}\n\n'
    with pytest.raises(ContractViolation):
        checker.check(*_pair("GET", "/api/providers/stream", 200, bad, "text/event-stream"))
