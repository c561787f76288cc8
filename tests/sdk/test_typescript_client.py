"""The generated TypeScript SDK: strict type check with tsc, then real calls from Node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "generated" / "sdk" / "typescript" / "meshery-client.ts"
TSC = Path(os.environ.get("TSC", ROOT / ".cache" / "typescript" / "node_modules" / ".bin" / "tsc"))

USAGE = """
declare const process: { argv: string[] };
import { MesheryApiError, MesheryClient, type DatabaseSummary, type SystemVersion } from "./meshery-client.js";

const meshery = new MesheryClient({ baseUrl: process.argv[2] });
const version: SystemVersion = await meshery.getSystemVersion();
const page: DatabaseSummary = await meshery.getSystemDatabase({ pagesize: 1, order: "name" });
let code = "";
try {
  await meshery.getSystemDatabase({ order: "size" });
} catch (error) {
  if (error instanceof MesheryApiError) code = error.code;
}
console.log(JSON.stringify({ channel: version.release_channel, pageSize: page.page_size, code }));
"""

pytestmark = pytest.mark.skipif(
    not TSC.exists() or shutil.which("node") is None,
    reason=f"TypeScript compiler not at {TSC} or node missing: run `make sdk-deps` (needs node and npm)",
)


def _compile(tmp_path: Path) -> Path:
    """Compile the SDK and a usage script; `process` is declared there, so @types/node is not needed."""
    shutil.copy(SDK, tmp_path / "meshery-client.ts")
    (tmp_path / "usage.ts").write_text(USAGE, encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            str(TSC),
            "--strict",
            "--noUnusedLocals",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--lib",
            "es2022,dom",
            "--skipLibCheck",
            "--outDir",
            str(out),
            str(tmp_path / "meshery-client.ts"),
            str(tmp_path / "usage.ts"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (out / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    return out


def test_sdk_type_checks_and_calls_a_running_server(tmp_path: Path, server_factory: type[ServerProcess]) -> None:
    out = _compile(tmp_path)
    server = server_factory()
    server.start()
    result = subprocess.run(
        ["node", str(out / "usage.js"), server.url], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["pageSize"] == 1 and answer["channel"]
    assert answer["code"].startswith("meshery-server-")
