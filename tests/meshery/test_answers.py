"""Every REST answer leaves through ``meshery.answers.finish``: encoded from the spec, or refused."""

from __future__ import annotations

import inspect
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from starlette.responses import Response

from generated import errors
from meshery import answers, http


def test_a_json_answer_is_encoded_by_wire_name_from_the_operations_schema() -> None:
    value = {
        "page": 0,
        "page_size": 10,
        "total_tables": 1,
        "record_count": 3,
        "tables": [{"name": "t", "type": "table", "count": 3}],
    }
    response = answers.finish("getSystemDatabase", http.json(value))
    assert isinstance(response, Response)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    # each x-also-as field under its second spelling too
    twins = {"pageSize": 10, "totalTables": 1, "recordCount": 3}
    assert json.loads(response.body) == {**value, **twins}


@dataclass
class _Link:
    id: str
    workspace_id: str
    environment_id: str
    created_at: datetime
    updated_at: datetime
    deleted_at: dict[str, object]


def test_domain_objects_are_read_by_attribute_and_timestamps_are_go_rfc3339() -> None:
    stamp = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    link = _Link("l1", "w1", "e1", stamp, stamp, {"Time": "0001-01-01T00:00:00Z", "Valid": False})
    response = answers.finish("addEnvironmentToWorkspace", (link, 201))
    assert response.status_code == 201
    body = json.loads(response.body)
    assert body["created_at"] == "2024-03-01T08:30:00Z" and body["environment_id"] == "e1"
    assert "design_id" not in body, "fields the value does not carry are left out, not sent as null"


def test_an_answer_that_does_not_fit_its_schema_is_refused_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = {"page": "first", "page_size": 10, "total_tables": 1, "record_count": 3, "tables": []}
    with caplog.at_level(logging.ERROR, logger="meshery.answers"), pytest.raises(errors.ErrAnswerUnfit) as caught:
        answers.finish("getSystemDatabase", http.json(bad))
    assert caught.value.status == 500 and caught.value.code == "meshery-server-1710"
    assert "getSystemDatabase 200: page" in caught.value.message
    assert any("getSystemDatabase" in r.getMessage() for r in caplog.records)
    with pytest.raises(errors.ErrAnswerUnfit, match="tables"):
        answers.finish(
            "getSystemDatabase", http.json({"page": 0, "page_size": 10, "total_tables": 1, "record_count": 3})
        )


def test_finished_responses_text_and_undeclared_statuses_pass_through_unchanged() -> None:
    raw = http.raw(b'{"already":"encoded"}')
    assert answers.finish("getSystemDatabase", raw) is raw
    text = http.text("ok")
    assert answers.finish("getHealthLive", text) is text
    no_schema = ({"anything": 1}, 299, http.JSON)
    assert answers.finish("getSystemDatabase", no_schema) is no_schema


async def test_wrap_keeps_the_handler_signature_and_finishes_its_result() -> None:
    async def get_system_version(*, verbose: bool = False) -> http.Answer:
        del verbose
        return http.json(
            {"build": "v1", "commitsha": "abc", "release_channel": "stable", "latest": "v1", "outdated": False}
        )

    wrapped = answers.wrap("getSystemVersion", get_system_version)
    assert wrapped.__name__ == "get_system_version"
    assert list(inspect.signature(wrapped).parameters) == ["verbose"]
    response = await wrapped(verbose=True)
    assert json.loads(response.body)["commitsha"] == "abc"


def test_every_answer_type_of_the_spec_builds_its_encoder() -> None:
    """Encoders are built on first use; building all of them here finds a bad translation before a request does."""
    from generated.answers import ANSWERS

    assert len(ANSWERS) > 100
    for operation_id, status in ANSWERS:
        encoder = answers.adapter(operation_id, status)
        assert encoder is not None and encoder.core_schema
