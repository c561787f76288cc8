"""Writes: create, replace, the four PATCH types, scale, delete and deletecollection."""

from __future__ import annotations

import contextlib
import copy
import random
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.kubeemu import apply as ssa
from tests.kubeemu import errors
from tests.kubeemu.base import HandlerBase, respond, scale_view, served, truthy
from tests.kubeemu.patch import PatchError, json_patch, merge_patch, strategic_merge
from tests.kubeemu.resources import NAMESPACE_KEY, ResourceType
from tests.kubeemu.store import Obj, now


class Writes(HandlerBase):
    async def _special_subresource(
        self, request: web.Request, rt: ResourceType, namespace: str, name: str, sub: str
    ) -> web.Response:
        """``pods/log`` (text set with ``KubeEmulator.pod_logs``) and ``scale``; exec and token are refused."""
        obj = self.store.get(rt, namespace, name)
        if sub == "log" and request.method == "GET":
            return web.Response(text=self.state.pod_logs.get((namespace, name), ""), content_type="text/plain")
        if sub != "scale":
            raise errors.ApiError(
                405, "MethodNotAllowed", f"{request.method} on {sub} is not supported by the emulator"
            )
        if request.method == "GET":
            return respond(scale_view(obj))
        body = await self._body(request)
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        current = scale_view(obj)
        try:
            if request.method == "PUT":
                wanted = body
            elif ctype == "application/json-patch+json":
                wanted = json_patch(current, body)
            elif ctype == "application/strategic-merge-patch+json":
                wanted = strategic_merge(current, body)
            else:
                wanted = merge_patch(current, body)
        except PatchError as exc:
            raise errors.ApiError(422, "Invalid", str(exc)) from exc
        replicas = (wanted or {}).get("spec", {}).get("replicas") if isinstance(wanted, dict) else None
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid("autoscaling", "Scale", name, [("spec.replicas", "Invalid value: must be >= 0")])
        manager = self._manager(request)
        stamp = now()

        def rescale(live: Obj | None) -> Obj:
            if live is None:
                raise errors.not_found(rt.group, rt.plural, name)
            new = copy.deepcopy(live)
            new.setdefault("spec", {})["replicas"] = replicas
            self._track(live, new, manager, rt, stamp, sub="scale")
            return new

        updated, _ = self.store.mutate(rt, namespace, name, rescale, dry_run=self._dry_run(request))
        assert updated is not None
        return respond(scale_view(updated))

    async def _create(self, request: web.Request, rt: ResourceType, namespace: str) -> web.Response:
        body = self._check_object(rt, await self._body(request), namespace)
        meta = body["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            meta["name"] = f"{meta['generateName']}{suffix}"
        name = str(meta.get("name") or "")
        manager = self._manager(request)
        stamp = now()

        def create(current: Obj | None) -> Obj:
            if current is not None:
                raise errors.already_exists(rt.group, rt.plural, name)
            body["metadata"].pop("managedFields", None)
            ssa.record_update(None, body, manager=manager, api_version=rt.api_version, now=stamp)
            return body

        obj, _ = self.store.mutate(rt, namespace, name, create, dry_run=self._dry_run(request))
        assert obj is not None
        return respond(served(rt, obj), status=201)

    def _keep_status(self, rt: ResourceType, current: Obj, new: Obj, sub: str) -> Obj:
        """Status subresource semantics: the main resource keeps status; /status changes only status."""
        if sub == "status":
            result = copy.deepcopy(current)
            if "status" in new:
                result["status"] = new["status"]
            else:
                result.pop("status", None)
            return result
        if "status" in rt.subresources:
            if "status" in current:
                new["status"] = current["status"]
            else:
                new.pop("status", None)
        return new

    async def _replace(
        self, request: web.Request, rt: ResourceType, namespace: str, name: str, sub: str
    ) -> web.Response:
        body = self._check_object(rt, await self._body(request), namespace)
        if body["metadata"].get("name") not in (None, name):
            raise errors.bad_request("the name of the object does not match the name on the URL")
        manager = self._manager(request)
        stamp = now()

        def replace(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            expected = body["metadata"].get("resourceVersion")
            if expected and expected != current["metadata"].get("resourceVersion"):
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
            new = self._keep_status(rt, current, body, sub)
            self._track(current, new, manager, rt, stamp, sub=sub)
            return new

        obj, _ = self.store.mutate(rt, namespace, name, replace, dry_run=self._dry_run(request))
        assert obj is not None
        return respond(served(rt, obj))

    def _track(self, current: Obj, new: Obj, manager: str, rt: ResourceType, stamp: str, *, sub: str = "") -> None:
        sent = new.get("metadata", {}).get("managedFields")
        if sent is not None and sent != current["metadata"].get("managedFields"):
            return  # the client set managedFields itself: store them as sent
        new["metadata"]["managedFields"] = current["metadata"].get("managedFields", [])
        ssa.record_update(current, new, manager=manager, api_version=rt.api_version, now=stamp, subresource=sub)

    async def _patch(self, request: web.Request, rt: ResourceType, namespace: str, name: str, sub: str) -> web.Response:
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        body = await self._body(request)
        manager = self._manager(request)
        stamp = now()
        force = truthy(request.query.get("force"))
        if ctype == "application/apply-patch+yaml":
            if not request.query.get("fieldManager"):
                raise errors.invalid(
                    "meta.k8s.io", "PatchOptions", "", [("fieldManager", "Required value: is required for apply patch")]
                )
            config = self._check_object(rt, body, namespace)
            if config.get("apiVersion") is None or config.get("kind") is None:
                raise errors.bad_request("apiVersion and kind are required for apply patch")
            if config["metadata"].get("name") not in (None, name):
                raise errors.bad_request("the name of the object does not match the name on the URL")
            config["metadata"]["name"] = name
            config["metadata"].pop("managedFields", None)

            def apply_change(current: Obj | None) -> Obj:
                try:
                    result = ssa.apply(
                        current, config, manager=manager, api_version=rt.api_version, now=stamp, force=force
                    )
                except ssa.ApplyConflict as exc:
                    raise errors.ApiError(
                        409,
                        "Conflict",
                        str(exc),
                        {
                            "causes": [
                                {
                                    "reason": "FieldManagerConflict",
                                    "message": f'conflict with "{m}"',
                                    "field": ssa.format_path(p),
                                }
                                for m, p in exc.conflicts
                            ]
                        },
                    ) from exc
                if current is not None:
                    result = self._keep_status(rt, current, result, sub)
                return result

            obj, created = self.store.mutate(rt, namespace, name, apply_change, dry_run=self._dry_run(request))
            assert obj is not None
            return respond(served(rt, obj), status=201 if created else 200)

        if ctype == "application/json-patch+json":
            operator: Callable[[Obj], Any] = lambda current: json_patch(current, body)  # noqa: E731
        elif ctype == "application/merge-patch+json":
            if not isinstance(body, dict):
                raise errors.bad_request("a merge patch must be a JSON object")
            operator = lambda current: merge_patch(current, body)  # noqa: E731
        elif ctype == "application/strategic-merge-patch+json":
            if not rt.builtin:
                raise errors.ApiError(
                    415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"
                )
            if not isinstance(body, dict):
                raise errors.bad_request("a strategic merge patch must be a JSON object")
            operator = lambda current: strategic_merge(current, body)  # noqa: E731
        else:
            raise errors.ApiError(
                415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ctype or 'none'}"
            )

        def patch_change(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            try:
                new = operator(copy.deepcopy(current))
            except PatchError as exc:
                raise errors.ApiError(422, "Invalid", str(exc)) from exc
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.ApiError(422, "Invalid", "the patch made the object invalid")
            expected = new["metadata"].get("resourceVersion")
            if expected and expected != current["metadata"].get("resourceVersion"):
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
            self._check_object(rt, new, namespace)
            new = self._keep_status(rt, current, new, sub)
            self._track(current, new, manager, rt, stamp, sub=sub)
            return new

        obj, _ = self.store.mutate(rt, namespace, name, patch_change, dry_run=self._dry_run(request))
        assert obj is not None
        return respond(served(rt, obj))

    async def _delete_options(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        options = body if isinstance(body, dict) else {}
        for key in ("propagationPolicy", "gracePeriodSeconds"):
            if key in request.query:
                options[key] = request.query[key]
        if request.query.get("dryRun") == "All":
            options["dryRun"] = ["All"]
        policy = options.get("propagationPolicy")
        if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
            raise errors.invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                [("propagationPolicy", f'Unsupported value: {policy!r}: "Background", "Foreground", "Orphan"')],
            )
        pre = options.get("preconditions")
        if pre is not None and not (
            isinstance(pre, dict) and all(isinstance(pre.get(k, ""), str) for k in ("uid", "resourceVersion"))
        ):
            raise errors.invalid("meta.k8s.io", "DeleteOptions", "", [("preconditions", "Invalid value")])
        return options

    async def _delete(self, request: web.Request, rt: ResourceType, namespace: str, name: str) -> web.Response:
        options = await self._delete_options(request)
        pre = options.get("preconditions") or {}
        obj, removed = self.store.delete(
            rt,
            namespace,
            name,
            propagation=str(options.get("propagationPolicy") or "Background"),
            uid=pre.get("uid"),
            resource_version=pre.get("resourceVersion"),
            dry_run=options.get("dryRun") == ["All"],
        )
        if removed and rt.key not in (("", "pods"), NAMESPACE_KEY):
            details = {"name": name, "group": rt.group, "kind": rt.plural, "uid": obj["metadata"].get("uid")}
            return respond(
                {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
            )
        return respond(served(rt, obj), status=200 if removed else 202 if rt.key == NAMESPACE_KEY else 200)

    async def _delete_collection(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        options = await self._delete_options(request)
        items, _ = self.store.select(rt, namespace, self._matcher(request))
        deleted = []
        for obj in items:
            meta = obj["metadata"]
            with contextlib.suppress(errors.ApiError):
                gone, _ = self.store.delete(
                    rt,
                    meta.get("namespace", ""),
                    meta["name"],
                    propagation=str(options.get("propagationPolicy") or "Background"),
                    dry_run=options.get("dryRun") == ["All"],
                )
                deleted.append(served(rt, gone))
        return respond({"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": {}, "items": deleted})

    async def _lenient_body(self, request: web.Request) -> Any:
        """The body, or None when it is protobuf of a kind we cannot decode (kubectl sends reviews and
        token requests that way; their answers do not depend on the body)."""
        try:
            return await self._body(request)
        except errors.ApiError as exc:
            if exc.code == 415:
                return None
            raise

    async def _review(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        """Access and token reviews: everyone may do everything; a token is valid if it is accepted."""
        body = await self._lenient_body(request)
        review: Obj = body if isinstance(body, dict) else {}
        spec = review.get("spec") if isinstance(review.get("spec"), dict) else {}
        user = {"username": "kubeemu-admin", "groups": ["system:masters", "system:authenticated"]}
        if rt.kind == "TokenReview":
            token = str((spec or {}).get("token", ""))
            ok = not self.state.tokens or token in self.state.tokens
            status: Obj = {"authenticated": ok, **({"user": user} if ok else {"error": "invalid bearer token"})}
        elif rt.kind == "SelfSubjectReview":
            status = {"userInfo": user}
        elif rt.kind == "SelfSubjectRulesReview":
            status = {
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": False,
            }
        else:
            status = {"allowed": True, "reason": "kubeemu authorizes every request"}
        meta = review.get("metadata") if isinstance(review.get("metadata"), dict) else {}
        if namespace is not None:
            meta = {**(meta or {}), "namespace": namespace}
        answer = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta or {}, "spec": spec or {}}
        return respond({**answer, "status": status}, status=201)

    async def _token_request(self, request: web.Request, rt: ResourceType, namespace: str, name: str) -> web.Response:
        """``serviceaccounts/<name>/token``: a new token, accepted from now on (when tokens are checked)."""
        self.store.get(rt, namespace, name)
        body = await self._lenient_body(request)
        spec: Obj = body["spec"] if isinstance(body, dict) and isinstance(body.get("spec"), dict) else {}
        wanted = spec.get("expirationSeconds")
        seconds = wanted if isinstance(wanted, int) and wanted > 0 else 3600
        token = f"kubeemu-sa-{namespace}-{name}-" + "".join(
            random.choices(string.ascii_lowercase + string.digits, k=16)
        )
        if self.state.tokens:
            self.state.tokens.add(token)
        expires = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
            "spec": {"audiences": spec.get("audiences") or [], "expirationSeconds": seconds},
            "status": {"token": token, "expirationTimestamp": expires},
        }
        return respond(answer, status=201)
