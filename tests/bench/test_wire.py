"""bench.wire: requests through uvicorn's protocol in process, answered as a server answers them."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from bench.observability import ratios
from bench.wire import QUIETED, Wire, quiet


async def test_wire_serves_through_uvicorn_and_quiet_stops_the_timer_loops(tmp_path: Path) -> None:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.config import Settings

    app = app_module.create_app(Settings(user_data_folder=tmp_path / "meshery", register_static_k8s=False))
    async with app.router.lifespan_context(app):
        await quiet(app)
        background = app.state.meshery.services.background
        assert all(task.cancelled() or task.done() for task in background if task.get_name() in QUIETED)
        wire = Wire(app, connections=3)
        answers = await wire.get("/api/system/version", headers=(("x-request-id", "r1"),))
        assert len(answers) == 3
        for answer in answers:
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert f"content-length: {len(body)}".encode() in head  # uvicorn encoded the answer
            assert json.loads(body)["build"]
        await wire.settle()
        assert not wire.state.tasks
        assert wire.state.total_requests == 3
        try:
            await wire.get("/api/no/such/route")
        except RuntimeError as exc:
            assert "404" in str(exc)
        else:
            raise AssertionError("a 404 was taken for an answer")
        wire.close()


def test_ratios_against_off() -> None:
    per_round = {
        "off": {0: 100.0, 1: 120.0, 2: 110.0},
        "traces": {0: 105.0, 1: 150.0, 2: 121.0},
        "metrics": {0: 100.0, 1: 120.0},
    }
    found = ratios(per_round)
    assert found["traces"]["ratio_of_minima"] == 1.05  # 105 / 100
    assert found["traces"]["by_round"] == [1.05, 1.25, 1.1]
    assert found["traces"]["paired_median"] == 1.1
    assert found["metrics"]["ratio_of_minima"] == 1.0
    assert found["both"] == {"ratio_of_minima": None, "paired_median": None, "by_round": []}
