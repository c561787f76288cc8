"""Any exception becomes the envelope with a catalogued code."""

from __future__ import annotations

import json

import pytest
from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, Unauthorized, UnsupportedMediaTypeProblem
from starlette.exceptions import HTTPException

from generated import errors
from meshery.errors import starlette_response, to_meshery_error


@pytest.mark.parametrize(
    ("exc", "expected", "status"),
    [
        (BadRequestProblem(detail="bad"), errors.ErrRequestValidation, 400),
        (ExtraParameterProblem(param_type="query", extra_params=["x"]), errors.ErrUnknownParameter, 400),
        (UnsupportedMediaTypeProblem(detail="text/xml"), errors.ErrUnsupportedMediaType, 415),
        (Unauthorized(), errors.ErrUnauthenticated, 401),
        (HTTPException(404), errors.ErrRouteNotFound, 404),
        (HTTPException(405, headers={"Allow": "GET"}), errors.ErrMethodNotAllowed, 405),
        (HTTPException(413), errors.ErrRequestValidation, 413),
        (errors.ErrDatabaseNotReady("x"), errors.ErrDatabaseNotReady, 503),
        (RuntimeError("secret internals"), errors.ErrInternal, 500),
    ],
)
def test_mapping(exc: Exception, expected: type[errors.MesheryError], status: int) -> None:
    err = to_meshery_error(exc)
    assert isinstance(err, expected)
    assert err.status == status


def test_internal_error_hides_details() -> None:
    response = starlette_response(to_meshery_error(RuntimeError("password=hunter2")))
    assert response.status_code == 500
    assert b"hunter2" not in response.body
    body = json.loads(response.body)
    assert body["code"] == errors.ErrInternal.code and body["severity"] == "CRITICAL"


def test_envelope_shape() -> None:
    body = errors.ErrRequestValidation("page: too small", long=["extra"]).envelope()
    assert body["error"] == "Request failed validation: page: too small"
    assert body["longDescription"] == ["extra"]
    assert set(body) == {"error", "code", "severity", "probableCause", "suggestedRemediation", "longDescription"}
    assert "longDescription" not in errors.ErrRouteNotFound().envelope()


def test_allow_header_is_kept() -> None:
    response = starlette_response(to_meshery_error(HTTPException(405, headers={"Allow": "GET, POST"})))
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["x-content-type-options"] == "nosniff"
