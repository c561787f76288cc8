"""Pydantic v2 models for components/schemas, emitted by datamodel-code-generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.ir import CodegenError

FLAGS = [
    "--input-file-type", "openapi",
    "--output-model-type", "pydantic_v2.BaseModel",
    "--use-annotated",
    "--field-constraints",
    "--use-standard-collections",
    "--use-union-operator",
    "--target-python-version", "3.11",
    "--snake-case-field",
    "--allow-population-by-field-name",
    "--disable-timestamp",
    "--use-subclass-enum",
    "--output-datetime-class", "AwareDatetime",
    "--formatters", "builtin",
]


def emit(bundled_spec: Path, out: Path, header: str) -> None:
    """Run datamodel-codegen on the bundled spec and put our header on top."""
    exe = Path(sys.executable).with_name("datamodel-codegen")
    cmd = [str(exe), "--input", str(bundled_spec), "--output", str(out), *FLAGS]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CodegenError(f"datamodel-codegen failed: {proc.stderr.strip()[-2000:]}")
    body = out.read_text(encoding="utf-8").splitlines()
    # Drop the tool's own comment header; ours names the real source and hash.
    while body and (body[0].startswith("#") or not body[0].strip()):
        body.pop(0)
    out.write_text(
        f'{header}\n"""Pydantic models of the OpenAPI component schemas."""\n\n' + "\n".join(body) + "\n",
        encoding="utf-8",
    )
