"""Deploy and undeploy a design on the user's Kubernetes connections (``/api/pattern/deploy``).

The request names the design (inline text or object, a saved design's id, or the raw YAML
body) and the targets (``contexts``). The design is parsed (``document.parse_design``),
validated (``validate.validate_design``; problems are reported, and refuse the deploy only
with ``verify``), planned (``deploy_plan``: Namespaces, CRDs, then the rest) and run on every
target at once (``deploy_apply``). The answer lists one outcome per component and target; its
status is 200 when nothing failed, 207 otherwise. Events (category ``pattern``): one summary
per request, and one per failed object (at most ``FAILURE_EVENTS``, the rest counted in the
summary's metadata).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from generated import errors
from meshery import notify
from meshery.context import Services, User
from meshery.designs import deploy_apply, deploy_plan, deploy_targets, document, validate
from meshery.designs import service as designs
from meshery.designs.deploy_apply import FAILED, STATUSES, Outcome
from meshery.store import designs as design_rows

FAILURE_EVENTS = 50
ID_FIELDS = ("pattern_id", "id")


@dataclass(slots=True)
class Request:
    """What a deploy or undeploy request asks for, once the body is read."""

    design: dict[str, Any]
    design_id: str | None = None  # set when the design was loaded by id
    contexts: list[str] = field(default_factory=list)
    undeploy: bool = False
    dry_run: bool = False
    verify: bool = False
    skip_crd: bool = False


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.ErrDeployBody("the body is not UTF-8 text") from None


def _is_design(doc: Mapping[str, Any]) -> bool:
    """A design itself (it has components, or the legacy services) rather than a request naming one."""
    return "pattern_file" not in doc and "pattern_id" not in doc and ("components" in doc or "services" in doc)


def inline_design(body: Any) -> str | Mapping[str, Any] | None:
    """The design carried in the body itself, or None when the body names a saved design."""
    if isinstance(body, (bytes, bytearray)):
        text = _text(bytes(body))
        if not text.strip():
            raise errors.ErrDeployBody("the body is empty")
        try:  # a JSON request sent with a text content type is still the JSON request
            doc = json.loads(text)
        except ValueError:
            return text
        if isinstance(doc, dict) and not _is_design(doc) and set(doc) & {"pattern_file", *ID_FIELDS}:
            return inline_design(doc)
        return text
    if not isinstance(body, Mapping):
        raise errors.ErrDeployBody("the body must be a JSON object or the design's YAML")
    if _is_design(body):
        return body
    named = [k for k in ("pattern_file", *ID_FIELDS) if body.get(k) not in (None, "")]
    if len(named) != 1:
        what = "none" if not named else " and ".join(named)
        raise errors.ErrDeployBody(f"give exactly one of pattern_file, pattern_id or id (got {what})")
    if named[0] != "pattern_file":
        return None
    design = body["pattern_file"]
    if isinstance(design, str) and not design.strip():
        raise errors.ErrDeployBody("pattern_file is empty")
    return design  # type: ignore[no-any-return]


def design_id_of(body: Any) -> str:
    assert isinstance(body, Mapping)
    for key in ID_FIELDS:
        if body.get(key):
            return str(body[key])
    raise errors.ErrDeployBody("no design id")


def _summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return {"total": len(outcomes), **counts}


def _message(req: Request, summary: dict[str, int], targets: int) -> str:
    verb = "Undeployed" if req.undeploy else "Deployed"
    done = ", ".join(f"{summary[s]} {s}" for s in STATUSES if summary[s])
    dry = " (dry run, nothing changed)" if req.dry_run else ""
    name = req.design.get("name") or req.design.get("id") or "design"
    return f"{verb} {name} on {targets} connection(s){dry}: {done or 'nothing to do'}"


async def _events(
    services: Services, user_id: str | None, req: Request, result: dict[str, Any], failures: list[Outcome]
) -> None:
    action = "undeploy" if req.undeploy else "deploy"
    design = result["design"]
    for outcome in failures[:FAILURE_EVENTS]:
        assert outcome.error is not None
        await notify.raise_event(
            services,
            category="pattern",
            action=action,
            severity="error",
            acted_upon=design["id"] or None,
            user_id=user_id,
            description=f"{outcome.step.kind} {outcome.step.name}: {outcome.error.message}",
            metadata={"design": design, "dryRun": req.dry_run, "result": outcome.to_json()},
        )
    await notify.raise_event(
        services,
        category="pattern",
        action=action,
        severity="error" if failures else "success",
        acted_upon=design["id"] or None,
        user_id=user_id,
        description=result["message"],
        metadata={
            "design": design,
            "dryRun": req.dry_run,
            "summary": result["summary"],
            "targets": result["targets"],
            "failureEventsOmitted": max(0, len(failures) - FAILURE_EVENTS),
        },
    )


async def problems_of(services: Services, design: dict[str, Any]) -> list[dict[str, Any]]:
    """Validation problems of the design by Python name (the answer's schema names them on the wire)."""
    return [asdict(p) for p in await validate.validate_design(services, design)]


async def execute(services: Services, *, user_id: str | None, req: Request) -> tuple[dict[str, Any], int]:
    """Run the request on every target; the result body and its HTTP status (200 or 207)."""
    problems = [] if req.undeploy else await problems_of(services, req.design)
    if problems and req.verify:
        listed = "; ".join(f"{p['component']} {p['path'] or '/'}: {p['message']} ({p['code']})" for p in problems[:20])
        raise errors.ErrDeployValidationFailed(f"{len(problems)} problem(s): {listed}")
    components = req.design.get("components")
    steps = deploy_plan.plan(components if isinstance(components, list) else [])
    conns = await deploy_targets.connections(services, user_id, req.contexts)
    targets = await deploy_targets.open_targets(services, conns)
    try:
        per_target = await asyncio.gather(
            *(
                deploy_apply.run(t, steps, undeploy=req.undeploy, dry_run=req.dry_run, skip_crd=req.skip_crd)
                for t in targets
            )
        )
    finally:
        await asyncio.gather(*(t.close() for t in targets))
    outcomes = [o for chunk in per_target for o in chunk]
    summary = _summary(outcomes)
    result: dict[str, Any] = {
        "action": "undeploy" if req.undeploy else "deploy",
        "dryRun": req.dry_run,
        "design": {"id": str(req.design_id or req.design.get("id") or ""), "name": str(req.design.get("name") or "")},
        "targets": [t.to_json() for t in targets],
        "results": [o.to_json() for o in outcomes],
        "summary": summary,
        "problems": problems,
        "message": _message(req, summary, len(targets)),
    }
    failures = [o for o in outcomes if o.status == FAILED]
    if req.design_id and not req.undeploy and not req.dry_run and len(failures) < len(outcomes):
        await count_deployment(services, req.design_id)
    await _events(services, user_id, req, result, failures)
    return result, 207 if failures else 200


def parse(design: str | Mapping[str, Any]) -> dict[str, Any]:
    """The canonical design of an inline ``pattern_file`` or raw body (4xx when unusable)."""
    return document.parse_design(design)


async def load(services: Services, user: User | None, design_id: str) -> dict[str, Any]:
    """A saved design by id (the designs service; its NotFound error when absent or unreadable)."""
    return await designs.load_design(services, user, design_id)


async def count_deployment(services: Services, design_id: str) -> None:
    """One more deployment of a saved design (upstream's ``deployment_count``)."""
    await design_rows.bump(services.store, design_id, "deployment_count")
