"""Fixtures of the design tests: the upstream reference samples, a registry store, a Helm chart built here."""

from __future__ import annotations

import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meshery.context import Services
from meshery.registry import importer
from meshery.store import Store, engine, migrate
from tests.fixtures.app import app_settings

DATA = Path(__file__).parents[2] / ".." / "shared" / "reference" / "data"
SAMPLES = DATA / "meshkit" / "files" / "tests" / "samples"
CONVERTER = DATA / "meshkit" / "converter" / "tests" / "samples"
DESIGN_FIXTURES = DATA / "meshery" / "mesheryctl" / "internal" / "cli" / "root" / "design" / "fixtures"


def reference_file(path: Path) -> bytes:
    """The bytes of one upstream sample, or a skip saying it is absent."""
    if not path.is_file():
        pytest.skip(f"reference sample {path.name} not present at {path} (only in the development workspace)")
    return path.read_bytes()


@pytest.fixture
async def services(tmp_path: Path, database_url: str) -> AsyncIterator[Services]:
    """Services over a migrated store (SQLite or PostgreSQL) holding the static Kubernetes model."""
    store = Store(engine.database_url(database_url, tmp_path / "designs.sqlite3"))
    await migrate.migrate(store)
    report = await importer.import_sources(store, [], static_k8s=True)
    assert report.imported == 1
    try:
        yield Services(settings=app_settings(user_data_folder=tmp_path / "meshery"), store=store, bus=None)  # type: ignore[arg-type]
    finally:
        await store.dispose()


CHART_FILES = {
    "Chart.yaml": "apiVersion: v2\nname: webapp\nversion: 0.1.0\n",
    "values.yaml": "replicas: 2\nimage: nginx:1.27\nservice:\n  enabled: true\nports: [80, 443]\n",
    "templates/_helpers.tpl": '{{- define "webapp.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}\n',
    "templates/deployment.yaml": (
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "webapp.fullname" . }}\n'
        "spec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n"
        "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
        "        - name: web\n          image: {{ .Values.image }}\n"
    ),
    "templates/service.yaml": (
        "{{- if .Values.service.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n"
        '  name: {{ include "webapp.fullname" . }}\nspec:\n  selector: {app: web}\n  ports:\n'
        "  {{- range .Values.ports }}\n    - name: p{{ . }}\n      port: {{ . }}\n  {{- end }}\n{{- end }}\n"
    ),
    "templates/NOTES.txt": "Installed {{ .Release.Name }}.\n",
    "crds/widgets.yaml": (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
        "  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n"
        "  names: {kind: Widget, plural: widgets}\n  versions:\n    - name: v1\n      served: true\n"
        "      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n"
        "          properties:\n            spec:\n              type: object\n"
        "              properties: {size: {type: integer}}\n"
    ),
}


def build_chart(files: dict[str, str] | None = None, *, root: str = "webapp") -> bytes:
    """A chart packaged as ``helm package`` does: a gzip tar with every file under ``<root>/``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in (CHART_FILES if files is None else files).items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
