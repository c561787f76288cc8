"""The generated Python SDK against the real app: every operation, typed calls, errors."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import httpx
import meshery_client
import pytest
from meshery_client import AsyncClient, Client, MesheryApiError
from starlette.applications import Starlette

from codegen.ir import snake_case
from generated.operations import OPERATIONS
from tests.fixtures.server import ServerProcess
from tests.sdk.conftest import SDK_PYTHON


def test_every_operation_has_a_method_in_both_clients() -> None:
    for info in OPERATIONS.values():
        # The SDK names methods after operationIds; an x-alias-of twin shares its target's handler, not its method.
        name = snake_case(info.operation_id)
        sync, asynchronous = getattr(Client, name), getattr(AsyncClient, name)
        assert not inspect.iscoroutinefunction(sync)
        assert inspect.iscoroutinefunction(asynchronous)
        assert info.path in (sync.__doc__ or "")


def test_query_parameters_are_keyword_only_with_wire_names() -> None:
    params = inspect.signature(Client.get_system_database).parameters
    assert params["page_size"].kind is inspect.Parameter.KEYWORD_ONLY
    # The server's lenient reader takes `all` (x-lenient), so the SDK lets a caller ask for every item.
    assert params["pagesize"].annotation == "int | Literal['all'] | None"


def test_sdk_is_typed_for_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(SDK_PYTHON / "meshery_client")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


USE_OF_THE_SDK = """
from meshery_client import Client

def use(meshery: Client) -> str:
    version = meshery.get_system_version()
    page = meshery.get_system_database(pagesize=1)
    designs = meshery.get_patterns()
    first = designs["patterns"][0]
    tables: int = page["total_tables"]
    text = (first["patternFile"] or "") + (first["pattern_file"] or "")
    return version["build"] + text + str(tables) + {wrong}
"""


WRONG_USES = [
    ('version["no_such_field"]', 'has no key "no_such_field"'),
    ('page["tables"][0]["size"]', 'has no key "size"'),
    ('str(page["page_size"].upper())', '"int" has no attribute "upper"'),
    ('""', None),
]


@pytest.fixture(scope="module")
def mypy_of_the_uses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's lines about each use of the SDK in WRONG_USES (``use_sdk_<n>.py``), and under ``""``
    those about any other file: one run over every use, as checking the SDK is most of a run."""
    folder = tmp_path_factory.mktemp("sdk-uses")
    files = [f"use_sdk_{n}.py" for n in range(len(WRONG_USES))]
    for file, (wrong, _) in zip(files, WRONG_USES, strict=True):
        (folder / file).write_text(USE_OF_THE_SDK.format(wrong=wrong), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(folder / "c"), *files],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(SDK_PYTHON)},
        cwd=folder,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: mypy itself failed
    lines = [line for line in result.stdout.splitlines() if not line.startswith("Found ")]
    found: dict[str, list[str]] = {file: [line for line in lines if line.startswith(f"{file}:")] for file in files}
    found[""] = [line for line in lines if not line.startswith(tuple(f"{file}:" for file in files))]
    found[""] += [result.stderr] if result.stderr else []
    return found


@pytest.mark.parametrize(("number", "error"), [(n, error) for n, (_, error) in enumerate(WRONG_USES)])
def test_sdk_results_are_typed_so_a_wrong_field_access_fails_mypy(
    mypy_of_the_uses: dict[str, list[str]], number: int, error: str | None
) -> None:
    lines = mypy_of_the_uses[f"use_sdk_{number}.py"]
    assert mypy_of_the_uses[""] == []  # nothing wrong in the SDK itself or in mypy's run
    if error is None:
        assert lines == []
    else:
        assert any(error in line and ": error: " in line for line in lines), lines


async def test_async_client_calls_the_app(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with AsyncClient("http://meshery", transport=transport) as meshery:
        version = await meshery.get_system_version()
        assert set(version) >= {"build", "commitsha", "release_channel"}
        assert await meshery.get_health_live() == "ok"
        page = await meshery.get_system_database(pagesize=2, search="system", order="name desc")
        assert page["page_size"] == 2
        assert [t["name"] for t in page["tables"]] == sorted((t["name"] for t in page["tables"]), reverse=True)
        with pytest.raises(MesheryApiError) as caught:
            await meshery.get_system_database(order="size")
        assert caught.value.status == 400
        assert caught.value.code.startswith("meshery-server-")
        assert caught.value.suggested_remediation
        assert await meshery.request("GET", "/api/system/version") == version


def test_sync_client_calls_a_running_server(server_factory: type[ServerProcess]) -> None:
    server = server_factory()
    server.start()
    with Client(server.url) as meshery:
        assert meshery.get_system_version()["release_channel"]
        assert meshery.get_system_database(page=0, pagesize=1)["page_size"] == 1
        with pytest.raises(MesheryApiError) as caught:
            meshery.request("GET", "/api/no/such/route")
        assert caught.value.status == 404 and caught.value.code


def test_sdk_package_builds_a_wheel(tmp_path: Path) -> None:
    assert meshery_client.SPEC_VERSION
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(SDK_PYTHON),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.glob("meshery_client-*.whl")]
