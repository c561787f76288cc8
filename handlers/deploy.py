"""API area "deploy": deploy and undeploy a design (``/api/pattern/deploy``).

The body is the design (``pattern_file``), a saved design's id, or the design's raw YAML;
``meshery.designs.deploy`` does the work and answers 200, or 207 when an object failed.
"""

from __future__ import annotations

from typing import Any

from meshery import context, http
from meshery.designs import deploy as service


async def _run(
    body: Any, *, contexts: list[str] | None, undeploy: bool, dry_run: bool, verify: bool, skip_crd: bool
) -> http.Answer:
    ctx = context.current()
    user_id = ctx.user.user_id if ctx.user is not None else None
    inline = service.inline_design(body)
    if inline is None:
        design_id = service.design_id_of(body)
        design = await service.load(ctx.services, ctx.user, design_id)
    else:
        design_id, design = None, service.parse(inline)
    req = service.Request(
        design=design,
        design_id=design_id,
        contexts=list(contexts or []),
        undeploy=undeploy,
        dry_run=dry_run,
        verify=verify,
        skip_crd=skip_crd,
    )
    result, status = await service.execute(ctx.services, user_id=user_id, req=req)
    return http.json(result, status)


async def deploy_pattern(
    body: Any = None,
    contexts: list[str] | None = None,
    dry_run: bool = False,
    verify: bool = False,
    skip_crd: bool = False,
) -> http.Answer:
    return await _run(body, contexts=contexts, undeploy=False, dry_run=dry_run, verify=verify, skip_crd=skip_crd)


async def undeploy_pattern(
    body: Any = None, contexts: list[str] | None = None, dry_run: bool = False, skip_crd: bool = False
) -> http.Answer:
    return await _run(body, contexts=contexts, undeploy=True, dry_run=dry_run, verify=False, skip_crd=skip_crd)
