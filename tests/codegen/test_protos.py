"""The gRPC stub emitter (the stubs themselves are run in test_generated_code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen import protos
from codegen.ir import CodegenError
from tests.codegen import support

HEADER = "# test header"


def test_stubs_land_in_the_package_folder_with_the_header(tmp_path: Path) -> None:
    written = protos.emit(support.FIXTURE / "protos", tmp_path, HEADER)
    pkg = tmp_path / "generated" / "pets"
    assert written == [pkg / "__init__.py", pkg / "pets_pb2.py", pkg / "pets_pb2.pyi", pkg / "pets_pb2_grpc.py"]
    for path in written:
        assert path.read_text(encoding="utf-8").startswith(HEADER + "\n")
    assert '"""gRPC stubs compiled from pets.proto."""' in (pkg / "__init__.py").read_text(encoding="utf-8")


def test_no_protos_no_stubs(tmp_path: Path) -> None:
    (tmp_path / "protos").mkdir()
    assert protos.emit(tmp_path / "protos", tmp_path / "out", HEADER) == []


def test_proto_outside_a_package_folder(tmp_path: Path) -> None:
    proto_dir = tmp_path / "protos"
    proto_dir.mkdir()
    (proto_dir / "loose.proto").write_text('syntax = "proto3";\npackage loose;\n', encoding="utf-8")
    with pytest.raises(CodegenError, match=r"loose\.proto: put it in a package folder"):
        protos.emit(proto_dir, tmp_path / "out", HEADER)
    assert not (tmp_path / "out").exists()


def test_protoc_failure(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pkg = tmp_path / "protos" / "bad"
    pkg.mkdir(parents=True)
    (pkg / "bad.proto").write_text('syntax = "proto3";\nmessage {\n', encoding="utf-8")
    (tmp_path / "out").mkdir()
    with pytest.raises(CodegenError, match=r"protoc failed for .*bad\.proto"):
        protos.emit(tmp_path / "protos", tmp_path / "out", HEADER)
    assert "bad.proto" in capfd.readouterr().err, "protoc explains the syntax error on stderr"
