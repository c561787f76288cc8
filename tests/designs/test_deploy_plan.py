"""The deploy plan: components as Kubernetes objects, in phase order, bad ones kept with a reason."""

from __future__ import annotations

import pytest

from generated import errors
from meshery.designs import deploy, deploy_plan
from tests.designs.deploy_samples import GROUP, component, crd, full_design


def test_namespaces_then_crds_then_the_rest_in_design_order() -> None:
    steps = deploy_plan.plan(full_design()["components"])
    assert [(s.kind, s.phase) for s in steps] == [
        ("Namespace", deploy_plan.NAMESPACES),
        ("CustomResourceDefinition", deploy_plan.CRDS),
        ("Widget", deploy_plan.OBJECTS),
        ("Deployment", deploy_plan.OBJECTS),
        ("Service", deploy_plan.OBJECTS),
        ("ConfigMap", deploy_plan.OBJECTS),
    ]
    widget = steps[2]
    assert widget.manifest == {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Widget",
        "metadata": {"name": "gadget", "namespace": "shop"},
        "spec": {"size": 3},
    }
    phases = deploy_plan.by_phase(steps, reverse=True)
    assert [[s.kind for s in group] for group in phases][1:] == [["CustomResourceDefinition"], ["Namespace"]]


def test_a_crd_names_the_kinds_it_serves() -> None:
    step = deploy_plan.step_of(component("CustomResourceDefinition", "apiextensions.k8s.io/v1", crd()))
    assert step.is_crd
    assert step.served_kinds() == {(f"{GROUP}/v1", "Widget")}
    plain = deploy_plan.step_of(component("ConfigMap", "v1", {"metadata": {"name": "c"}}))
    assert not plain.is_crd and plain.served_kinds() == set()


@pytest.mark.parametrize(
    ("comp", "missing"),
    [
        (component("ConfigMap", "v1", {"data": {}}), "metadata.name"),
        (component("", "v1", {"metadata": {"name": "x"}}), "kind"),
        (component("ConfigMap", "", {"metadata": {"name": "x"}}), "apiVersion"),
    ],
)
def test_a_component_that_is_no_object_keeps_its_reason(comp: dict[str, object], missing: str) -> None:
    step = deploy_plan.step_of(comp)
    assert step.manifest is None
    assert missing in step.problem


def test_annotations_are_skipped() -> None:
    comp = component("Comment", "v1", {"metadata": {"name": "note"}})
    comp["metadata"] = {"isAnnotation": True}
    step = deploy_plan.step_of(comp)
    assert step.manifest is None and step.skip and not step.problem


def test_the_body_names_exactly_one_design() -> None:
    assert deploy.inline_design({"pattern_file": "name: x"}) == "name: x"
    assert deploy.inline_design({"pattern_file": {"name": "x"}}) == {"name": "x"}
    assert deploy.inline_design({"pattern_id": "abc"}) is None
    assert deploy.design_id_of({"id": "abc"}) == "abc"
    assert deploy.inline_design(b"name: raw\n") == "name: raw\n"
    # mesheryctl's JSON sent with a text content type is still read as the JSON request.
    assert deploy.inline_design(b'{"pattern_file": "name: y"}') == "name: y"
    # A design itself (JSON or YAML, with its own id) is the design, not a request naming one.
    whole = {"id": "d1", "name": "n", "components": []}
    assert deploy.inline_design(whole) == whole
    assert (
        deploy.inline_design(b'{"id": "d1", "name": "n", "components": []}')
        == '{"id": "d1", "name": "n", "components": []}'
    )
    for bad in ({}, {"pattern_file": " "}, {"pattern_file": "a", "id": "b"}, b"", b"\xff", [1]):
        with pytest.raises(errors.ErrDeployBody):
            deploy.inline_design(bad)
