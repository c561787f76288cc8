"""Import of model packages: the reference catalog, incremental runs, archives and bad packages."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from generated import errors
from meshery.registry import codec, importer
from meshery.store import Store, engine, migrate
from meshery.store import registry_queries as rq
from tests.fixtures.registry import reference_or_skip


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> Store:  # type: ignore[misc]
    db = Store(engine.database_url(database_url, tmp_path / "registry.sqlite3"))
    await migrate.migrate(db)
    yield db
    await db.dispose()


async def _kinds(store: Store, **filters: object) -> list[str]:
    _, rows = await rq.list_components(store, rq.ComponentFilter(**filters), rq.Page(0, None), order="kind", desc=False)  # type: ignore[arg-type]
    return [r[2] for r in rows]


async def test_reference_catalog_matches_its_files(store: Store) -> None:
    root = reference_or_skip()
    report = await importer.import_sources(store, [root], static_k8s=False)
    assert (report.failed, report.problems) == (0, [])
    for model_dir in sorted(p for p in root.glob("*/*/*") if p.is_dir()):
        model = json.loads((model_dir / "model.json").read_text())
        total, rows = await rq.list_models(
            store, rq.ModelFilter(name=model["name"]), rq.Page(0, None), order="", desc=False
        )
        assert total == 1
        assert rows[0][4] == model["model"]["version"]
        files = [json.loads(p.read_text()) for p in sorted((model_dir / "components").glob("*.json"))]
        assert await _kinds(store, model=model["name"]) == sorted(c["component"]["kind"] for c in files)
        rels = [json.loads(p.read_text()) for p in sorted((model_dir / "relationships").glob("*.json"))]
        _, rel_rows = await rq.list_relationships(
            store, rq.RelationshipFilter(model=model["name"]), rq.Page(0, None), order="", desc=False
        )
        stored = sorted((json.loads(r[2])["kind"], json.loads(r[2])["subType"]) for r in rel_rows)
        assert stored == sorted((r["kind"], r["subType"]) for r in rels)
        assert rows[0][9] == len(rels) and rows[0][8] == len(files)


async def test_second_run_skips_unchanged_and_follows_changes(store: Store, models_dir: Path) -> None:
    first = await importer.import_sources(store, [models_dir], static_k8s=False)
    assert (first.imported, first.components, first.relationships) == (2, 4, 1)
    second = await importer.import_sources(store, [models_dir], static_k8s=False)
    assert (second.imported, second.unchanged, second.changed) == (0, 2, False)
    # Touched but identical: read, found unchanged by content hash.
    widget = models_dir / "demo/1.0.0/v1.0.0/components/Widget.json"
    widget.write_bytes(widget.read_bytes())
    third = await importer.import_sources(store, [models_dir], static_k8s=False)
    assert (third.imported, third.unchanged) == (0, 2)
    # Changed: replaced.
    (models_dir / "demo/1.0.0/v1.0.0/components/Note.json").unlink()
    fourth = await importer.import_sources(store, [models_dir], static_k8s=False)
    assert (fourth.imported, fourth.components) == (1, 2)
    assert await _kinds(store, version="1.0.0") == ["GadgetSet", "Widget"]
    # Vanished: entities gone, the newest remaining version becomes latest.
    shutil.rmtree(models_dir / "demo/2.0.0")
    fifth = await importer.import_sources(store, [models_dir], static_k8s=False)
    assert fifth.vanished == 1
    assert await _kinds(store) == ["GadgetSet", "Widget"]


def _write(path: Path, doc: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))


def _model(name: str, **extra: object) -> dict[str, object]:
    return {
        "schemaVersion": "models.meshery.io/v1beta1",
        "version": "v1.0.0",
        "name": name,
        "registrant": {"kind": "github"},
        "category": {"name": "Tools"},
        "model": {"version": "1.0.0"},
        **extra,
    }


def _component(kind: str) -> dict[str, object]:
    return {
        "schemaVersion": "components.meshery.io/v1beta1",
        "displayName": kind,
        "component": {"version": "x/v1", "kind": kind, "schema": "{}"},
    }


async def test_bad_packages_are_reported_and_good_ones_imported(store: Store, tmp_path: Path, models_dir: Path) -> None:
    root = models_dir
    _write(root / "broken/1.0.0/v1.0.0/model.json", _model("broken"))
    _write(root / "broken/1.0.0/v1.0.0/components/Bad.json", "{not json")
    _write(root / "broken/1.0.0/v1.0.0/components/Good.json", _component("Good"))
    _write(root / "twice/1.0.0/v1.0.0/model.json", _model("twice"))
    _write(root / "twice/1.0.0/v1.0.0/model.yaml", json.dumps(_model("twice-again")))
    _write(root / "twice/1.0.0/v1.0.0/components/A.json", _component("A"))
    _write(root / "anon/1.0.0/v1.0.0/model.json", _model("anon", registrant={}))
    _write(root / "anon/1.0.0/v1.0.0/components/A.json", _component("A"))
    _write(root / "huge/1.0.0/v1.0.0/model.json", _model("huge"))
    _write(root / "huge/1.0.0/v1.0.0/components/A.json", _component("A"))
    with (root / "huge/1.0.0/v1.0.0/components/Huge.json").open("wb") as fh:
        fh.truncate(9 * 1024 * 1024)
    ignored = _model("quiet", status="ignored")
    _write(root / "quiet/1.0.0/v1.0.0/model.json", ignored)
    _write(root / "quiet/1.0.0/v1.0.0/components/A.json", _component("A"))
    report = await importer.import_sources(store, [root], static_k8s=False)
    codes = {(p["code"], Path(p["package"]).parts[-3]) for p in report.problems}
    assert (errors.ErrRegistryEntityInvalid.code, "broken") in codes
    assert (errors.ErrRegistryPackageMalformed.code, "twice") in codes
    assert (errors.ErrRegistryRegistrantMissing.code, "anon") in codes
    assert (errors.ErrRegistryFileTooLarge.code, "huge") in codes
    assert (report.failed, report.ignored) == (2, 1)
    assert await _kinds(store, model="broken") == ["Good"]
    assert await _kinds(store, model="huge") == ["A"]
    assert await _kinds(store, model="demo") == ["Widget"]
    assert await _kinds(store, model="quiet") == []


def _archive(source: Path, target: Path) -> None:
    if target.name.endswith(".zip"):
        with zipfile.ZipFile(target, "w") as archive:
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(source.parent))
    else:
        with tarfile.open(target, "w:gz") as archive:
            archive.add(source, arcname=source.name)


async def test_archives_zip_tar_and_nested(store: Store, tmp_path: Path, models_dir: Path) -> None:
    root = tmp_path / "archives"
    root.mkdir()
    package = models_dir / "demo" / "1.0.0" / "v1.0.0"
    _archive(package, root / "demo.zip")
    other = tmp_path / "other" / "v1.0.0"
    shutil.copytree(package, other)
    _write(other / "model.json", {**json.loads((package / "model.json").read_text()), "name": "other"})
    inner = tmp_path / "inner.tar.gz"
    _archive(other, inner)
    with tarfile.open(root / "outer.tgz", "w:gz") as archive:
        archive.add(inner, arcname="nested/inner.tar.gz")
    (root / "junk.zip").write_bytes(b"not a zip")
    report = await importer.import_sources(store, [root], static_k8s=False)
    assert (report.imported, report.failed) == (2, 1)
    assert {p["code"] for p in report.problems if p["package"].endswith("junk.zip")} == {
        errors.ErrRegistryBadArchive.code,
        errors.ErrRegistryPackageMalformed.code,
    }
    assert await _kinds(store, model="demo") == ["GadgetSet", "Note", "Widget"]
    assert await _kinds(store, model="other") == ["GadgetSet", "Note", "Widget"]


async def test_duplicate_model_from_another_package_is_marked(store: Store, tmp_path: Path, models_dir: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(models_dir / "demo" / "2.0.0", copy / "demo" / "2.0.0")
    await importer.import_sources(store, [models_dir], static_k8s=False)
    report = await importer.import_sources(store, [models_dir, copy], static_k8s=False)
    assert report.imported == 1
    assert [p["code"] for p in report.problems] == [errors.ErrRegistryDuplicateEntity.code]
    _, rows = await rq.list_models(
        store, rq.ModelFilter(name="demo", version="2.0.0"), rq.Page(0, None), order="", desc=False
    )
    assert sorted(r[6] for r in rows) == ["duplicate", "enabled"]
    assert all(r[-1] == 1 for r in rows)  # each sees the other as its duplicate
    latest = await rq.list_models(store, rq.ModelFilter(name="demo"), rq.Page(0, None), order="", desc=False)
    assert [r[6] for r in latest[1]] == ["enabled"]


async def test_static_kubernetes_model(store: Store) -> None:
    report = await importer.import_sources(store, [], static_k8s=True)
    assert report.imported == 1 and report.components > 50
    kinds = await _kinds(store, model="kubernetes")
    assert {"Pod", "Deployment", "Service", "Namespace", "CustomResourceDefinition"} <= set(kinds)
    _, rows = await rq.list_components(
        store, rq.ComponentFilter(name="Deployment", api_version="apps/v1"), rq.Page(0, None), order="", desc=False
    )
    schema = json.loads(json.loads(codec.unpack(rows[0][5])[1]))
    assert "io.k8s.api.apps.v1.DeploymentSpec" in schema["$defs"]
    assert schema["properties"]["spec"]["$ref"] == "#/$defs/io.k8s.api.apps.v1.DeploymentSpec"
    again = await importer.import_sources(store, [], static_k8s=True)
    assert (again.unchanged, again.imported) == (1, 0)
    gone = await importer.import_sources(store, [], static_k8s=False)
    assert gone.vanished == 1 and await _kinds(store, model="kubernetes") == []


def test_yaml_and_json_are_read_alike(tmp_path: Path) -> None:
    from meshery.registry.parse import parse_files
    from meshery.registry.sources import RawFile

    parsed = parse_files(
        [
            RawFile("a.yaml", b"schemaVersion: components.meshery.io/v1beta1\n---\nfoo: 1\n"),
            RawFile("b.json", io.BytesIO(json.dumps(_component("B")).encode()).read()),
        ]
    )
    assert [name for name, _ in parsed.components] == ["a.yaml", "b.json"]
    assert [p.code for p in parsed.problems] == [errors.ErrRegistryEntityInvalid.code]
