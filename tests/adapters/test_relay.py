"""How one adapter event becomes a Meshery event (upstream's events streamer rules)."""

from __future__ import annotations

import uuid

from generated.meshes import meshops_pb2 as pb
from meshery.adapters.relay import OperationOwners, to_event
from meshery.adapters.tracker import AdapterState

STATE = AdapterState(location="localhost:10020", name="meshery-sample", version="v1")


def test_info_event() -> None:
    op = str(uuid.uuid4())
    event = to_event(STATE, pb.EventsResponse(summary="Istio installed", operation_id=op, component="core",
                                              component_name="istio", details="3 objects"), "alice")
    assert (event.category, event.action, event.severity) == ("istio", "deploy", "informational")
    assert (event.description, event.user_id, event.operation_id) == ("Istio installed", "alice", op)
    assert event.metadata["adapter"] == {"location": "localhost:10020", "name": "meshery-sample", "version": "v1"}
    assert event.metadata["details"] == "3 objects" and "error" not in event.metadata


def test_removed_is_undeploy_and_warn_is_warning() -> None:
    event = to_event(STATE, pb.EventsResponse(event_type=pb.WARN, summary="Sample app removed"), None)
    assert (event.action, event.severity, event.category) == ("undeploy", "warning", "adapter")


def test_error_carries_a_meshkit_error_and_odd_operation_ids_stay_in_metadata() -> None:
    event = to_event(STATE, pb.EventsResponse(
        event_type=pb.ERROR, summary="Install failed", details="timeout", operation_id="op-7",
        probable_cause="cluster down", suggested_remediation="retry", error_code="meshery-istio-1001",
    ), None)
    assert event.severity == "error" and event.operation_id is None
    assert event.metadata["adapterOperationId"] == "op-7"
    assert event.metadata["error"] == {
        "Code": "meshery-istio-1001", "Severity": 2, "ShortDescription": ["Install failed"],
        "LongDescription": ["timeout"], "ProbableCause": ["cluster down"], "SuggestedRemediation": ["retry"],
    }


def test_owners_are_bounded() -> None:
    owners = OperationOwners(size=2)
    for i in range(3):
        owners.record(f"op-{i}", f"user-{i}")
    assert owners.owner("op-0") is None
    assert (owners.owner("op-1"), owners.owner("op-2")) == ("user-1", "user-2")
