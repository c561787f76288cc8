"""The Containerfile's invariants, read with a real Dockerfile parser (dockerfile-parse).

Base images pinned (version tag or digest), a multi-stage build whose builder runs
``make build-server``, and a final stage with no compilers, a non-root user, port 9081,
a HEALTHCHECK on the liveness probe and ``meshery-server`` as entrypoint.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
#: A version tag of at least major.minor.patch (a moving tag such as 3.11-slim is not a pin), or a digest.
PINNED = re.compile(r"^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$")
COMPILERS = re.compile(
    r"\b(gcc|g\+\+|cc|c\+\+|clang|build-essential|make|cmake|gfortran|rustc|cargo|python3?-dev|libc6-dev|[\w.+-]+-dev)\b"
)


@pytest.fixture(scope="module")
def parser() -> DockerfileParser:
    # The parser reads its file object again on every property: an in-memory copy stays open.
    return DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))


def _stages(parser: DockerfileParser) -> list[list[dict[str, Any]]]:
    stages: list[list[dict[str, Any]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _values(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def test_every_base_image_is_pinned_and_the_final_one_is_slim_python_311(parser: DockerfileParser) -> None:
    images = parser.parent_images  # ARG defaults substituted
    assert len(images) >= 2, "multi-stage: a builder and a final stage"
    for image in images:
        assert PINNED.match(image), f"{image} is not pinned by a version tag or a digest"
    assert re.match(r"^python:3\.11\.\d+-slim", images[-1]), images[-1]


def test_the_builder_builds_the_wheel_with_make_build_server(parser: DockerfileParser) -> None:
    builder = _stages(parser)[0]
    assert "AS builder" in builder[0]["value"]
    assert any("make build-server" in run for run in _values(builder, "RUN"))
    assert re.search(r"^build-server:", (ROOT / "Makefile").read_text(), re.M), "the Makefile target exists"


def test_the_final_stage_has_no_compiler_and_only_the_installed_venv(parser: DockerfileParser) -> None:
    final = _stages(parser)[-1]
    for run in _values(final, "RUN"):
        assert "apt-get install" not in run and "pip install" not in run, run
        assert not COMPILERS.search(run), run
    copies = _values(final, "COPY") + _values(final, "ADD")
    assert copies == ["--from=builder /opt/meshery /opt/meshery"], copies


def test_the_final_stage_runs_as_a_non_root_user(parser: DockerfileParser) -> None:
    users = _values(_stages(parser)[-1], "USER")
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), f"numeric non-root uid (runAsNonRoot can check it): {user}"
    assert int(user) >= 1000


def test_port_healthcheck_and_entrypoint(parser: DockerfileParser) -> None:
    final = _stages(parser)[-1]
    assert _values(final, "EXPOSE") == ["9081"]
    assert json.loads(_values(final, "ENTRYPOINT")[-1]) == ["meshery-server"]
    assert _values(final, "STOPSIGNAL") == ["SIGTERM"]
    health = _values(final, "HEALTHCHECK")
    assert len(health) == 1
    options, _, command = health[0].partition("CMD")
    assert "--interval" in options and "--timeout" in options
    assert json.loads(command.strip()) == ["meshery-server", "healthcheck", "live"]
    env = dict(kv.split("=", 1) for kv in shlex.split(_values(final, "ENV")[-1]))
    assert env["PORT"] == "9081" and env["HOST"] == "0.0.0.0"


def test_the_ignore_file_keeps_the_context_small() -> None:
    for name in (".containerignore", ".dockerignore"):
        ignored = (ROOT / name).read_text().split()
        for entry in (".git", ".venv", "build", "dist", "tests"):
            assert entry in ignored, f"{name} lacks {entry}"
