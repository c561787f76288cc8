"""Unit tests of the intermediate model: names derived from the sources."""

from __future__ import annotations

import pytest

from codegen.ir import (
    CodegenError,
    GraphQLRootField,
    Operation,
    Tag,
    module_name,
    snake_case,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("getSystemVersion", "get_system_version"),
        ("k8sContextID", "k8s_context_id"),
        ("GetK8sContextsByID", "get_k8s_contexts_by_id"),
        ("HTTPServerURL", "http_server_url"),
        ("listHTTPRoutes", "list_http_routes"),
        ("already_snake", "already_snake"),
        ("meshsync-resources", "meshsync_resources"),
        ("Design Files", "design_files"),
        ("_leading_and_trailing_", "leading_and_trailing"),
        ("v1beta1Model", "v1beta1_model"),
        ("ID", "id"),
        ("connectionIDs", "connection_ids"),
        ("k8scontextID", "k8scontext_id"),
        ("getURLs", "get_urls"),
        ("listHTTPRoutesByIDs", "list_http_routes_by_ids"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("system", "system"), ("MeshModel", "mesh_model"), ("k8s-contexts", "k8s_contexts")],
)
def test_module_name_accepts_tags_that_make_identifiers(tag: str, expected: str) -> None:
    assert module_name(tag) == expected


@pytest.mark.parametrize("tag", ["", "---", "2fast", "9"])
def test_module_name_rejects_bad_tags(tag: str) -> None:
    with pytest.raises(CodegenError, match="does not make a valid Python module name") as info:
        module_name(tag)
    assert repr(tag) in str(info.value)


@pytest.mark.parametrize(
    ("type_name", "name", "function"),
    [
        ("Query", "getPerfResult", "resolve_get_perf_result"),
        ("Query", "serverVersion", "resolve_server_version"),
        ("Mutation", "changeAdapterStatus", "resolve_change_adapter_status"),
        ("Subscription", "listenToMeshSyncEvents", "subscribe_listen_to_mesh_sync_events"),
        ("Subscription", "subscribeBrokerConnection", "subscribe_broker_connection"),
        ("Subscription", "subscribe_events", "subscribe_events"),
        # Only a whole word "subscribe" counts as the prefix.
        ("Subscription", "subscribers", "subscribe_subscribers"),
    ],
)
def test_root_field_function_names(type_name: str, name: str, function: str) -> None:
    field = GraphQLRootField(type_name=type_name, name=name, area="perf", description="")
    assert field.function == function
    assert field.handler == f"handlers.perf.{function}"


def test_root_field_handler_uses_the_area_module() -> None:
    field = GraphQLRootField(type_name="Query", name="pets", area="MeshModel", description="")
    assert field.handler == "handlers.mesh_model.resolve_pets"


def test_root_field_python_args() -> None:
    field = GraphQLRootField(
        type_name="Query",
        name="getPods",
        area="kube",
        description="",
        args=(("k8sClusterIDs", "[String!]"), ("pageSize", "Int"), ("filter", "String")),
    )
    # A plural acronym stays one word (upstream's k8sClusterIDs, connectionIDs).
    assert field.python_args == (
        ("k8sClusterIDs", "k8s_cluster_ids"),
        ("pageSize", "page_size"),
        ("filter", "filter"),
    )
    assert GraphQLRootField(type_name="Query", name="x", area="a", description="").python_args == ()


def _operation(*, operation_id: str, tag: str, security: tuple[str, ...]) -> Operation:
    return Operation(
        operation_id=operation_id,
        method="GET",
        path="/x",
        tag=tag,
        summary="",
        description="",
        security=security,
        parameters=(),
        request_body=None,
        responses=(),
        source="x.yaml",
    )


def test_operation_handler_and_public_flag() -> None:
    public = _operation(operation_id="getK8sContextID", tag="k8s-contexts", security=())
    assert public.public
    assert public.python_name == "get_k8s_context_id"
    assert public.handler == "handlers.k8s_contexts.get_k8s_context_id"
    assert not _operation(operation_id="x", tag="system", security=("session",)).public


def test_tag_module() -> None:
    assert Tag(name="MeshModel", description="").module == "handlers.mesh_model"
