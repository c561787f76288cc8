"""gRPC stubs from protos/ with grpcio-tools, importable as ``generated.<pkg>``."""

from __future__ import annotations

from pathlib import Path

from codegen.ir import CodegenError


def emit(proto_dir: Path, out_root: Path, header: str) -> list[Path]:
    """Compile every .proto under proto_dir into out_root/generated/<pkg>/."""
    from grpc_tools import protoc  # heavy import; only needed here

    protos = sorted(proto_dir.rglob("*.proto"))
    if not protos:
        return []
    for proto in protos:
        # A top-level proto would be written over generated/__init__.py.
        if proto.parent == proto_dir:
            raise CodegenError(f"{proto}: put it in a package folder (protos/<pkg>/), imported as generated.<pkg>")
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-Igenerated={proto_dir}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *[str(p) for p in protos],
    ]
    if protoc.main(args) != 0:
        raise CodegenError(f"protoc failed for {', '.join(str(p) for p in protos)}")
    written: list[Path] = []
    for proto in protos:
        rel = proto.relative_to(proto_dir).with_suffix("")
        pkg_dir = out_root / "generated" / rel.parent
        init = pkg_dir / "__init__.py"
        init.write_text(f'{header}\n"""gRPC stubs compiled from {proto.name}."""\n', encoding="utf-8")
        written.append(init)
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            path = pkg_dir / f"{rel.name}{suffix}"
            path.write_text(f"{header}\n{path.read_text(encoding='utf-8')}", encoding="utf-8")
            written.append(path)
    return written
