"""Render a Helm chart archive (.tgz) into Kubernetes objects without a helm binary.

Rendering uses ``helm-python-sdk`` (import name ``helm_python``), whose wheel embeds Helm's
own Go engine as a C library, so templates, ``_helpers.tpl``, Sprig functions, subcharts
and ``crds/`` behave as with ``helm template``. Before Helm sees the archive it is read
through the registry's archive reader (``meshery.registry.sources``), which enforces the
same per-file and total-expansion limits as model uploads (zip bombs, nested archives).
When the package cannot be loaded the import fails with a catalogued 4xx naming it.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
from typing import Any

from generated import errors
from meshery.designs.document import MAX_DESIGN_BYTES, load_documents
from meshery.registry import sources

log = logging.getLogger(__name__)

PACKAGE = "helm-python-sdk"
RENDERED_SUFFIXES = (".yaml", ".yml", ".json")


def is_chart_archive(data: bytes, filename: str | None) -> bool:
    """gzip or tar bytes, or a chart archive's file name."""
    name = (filename or "").lower()
    return data[:2] == b"\x1f\x8b" or name.endswith((".tgz", ".tar.gz", ".tar")) or data[257:262] == b"ustar"


def check_archive(data: bytes) -> str:
    """The chart's name from its Chart.yaml, after the archive passed the registry's size limits."""
    if len(data) > MAX_DESIGN_BYTES:
        raise errors.ErrDesignTooLarge(f"the chart archive has {len(data)} bytes; the limit is {MAX_DESIGN_BYTES}")
    files, problems = sources.read_archive_bytes("chart.tgz", data)
    for problem in problems:
        if problem.reason == "too-large":
            raise errors.ErrDesignTooLarge(f"{problem.name.partition('!')[2] or problem.name}: {problem.detail}")
        raise errors.ErrImportHelmChartInvalid(f"not a chart archive: {problem.detail}")
    charts = [f for f in files if posixpath.basename(f.name) == "Chart.yaml"]
    if not charts:
        raise errors.ErrImportHelmChartInvalid("the archive has no Chart.yaml")
    top = min(charts, key=lambda f: f.name.count("/") + f.name.count("!"))
    docs = load_documents(top.data, what="Chart.yaml", invalid=errors.ErrImportHelmChartInvalid)
    meta = docs[0] if docs and isinstance(docs[0], dict) else {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise errors.ErrImportHelmChartInvalid("Chart.yaml has no name")
    return name


def _engine() -> Any:
    try:
        import helm_python
    except Exception as exc:
        raise errors.ErrImportHelmUnavailable(
            f"the Python package {PACKAGE} (import name helm_python) cannot be loaded: {type(exc).__name__}: {exc}"
        ) from None
    return helm_python


def _render(engine: Any, data: bytes, release: str) -> tuple[str, list[tuple[str, str]]]:
    """(chart name, [(file, text)]) of the chart's CRDs then its rendered templates, in file order."""
    try:
        with engine.Chart.load_archive(data) as chart:
            crds = [(str(c.get("filename") or c.get("name")), str(c.get("data") or "")) for c in chart.crds]
            rendered = chart.render(name=release, namespace="default", is_install=True)
            name = chart.name
    except engine.HelmError as exc:
        raise errors.ErrImportHelmChartInvalid(f"{type(exc).__name__}: {str(exc)[:500]}") from None
    templates = sorted(
        (path, text) for path, text in rendered.items() if path.lower().endswith(RENDERED_SUFFIXES) and text.strip()
    )
    return name, crds + templates


async def render_chart(data: bytes, *, release: str | None = None) -> tuple[str, list[Any]]:
    """(chart name, loaded documents) of a chart archive, rendered as ``helm template`` would."""
    chart_name = check_archive(data)
    engine = _engine()
    name, files = await asyncio.to_thread(_render, engine, data, release or chart_name)
    docs: list[Any] = []
    for path, text in files:
        docs.extend(load_documents(text, what=f"rendered {path}", invalid=errors.ErrImportHelmChartInvalid))
    log.info("rendered Helm chart %s: %d files, %d documents", name, len(files), len(docs))
    return name, docs
