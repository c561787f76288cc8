"""GraphQL documents as the Meshery UI sends them (written from reference/upstream-clients.md §3).

Each document selects what the current UI (and, where marked, the 2024 UI) selects, with the
argument names it uses, so a test that runs them proves that the UI's operations validate and
answer the fields it reads.
"""

from __future__ import annotations

K8S_CONTEXTS = """
subscription K8sContextSubscription($selector: PageFilter!) {
  k8sContext: subscribeK8sContext(selector: $selector) {
    total_count
    contexts {
      id name server owner createdBy mesheryInstanceId kubernetesServerId deploymentType
      updatedAt createdAt version connectionId
    }
  }
}
"""

EVENTS = """
subscription EventsSubscription {
  event: subscribeEvents {
    id userID owner actedUpon operationID systemID status severity action category description
    metadata createdAt updatedAt deletedAt
  }
}
"""

CONTROL_PLANES = """
query ControlPlanesQuery($filter: ServiceMeshFilter) {
  controlPlanesState: getControlPlanes(filter: $filter) {
    name
    members { name version component namespace }
  }
}
"""

DATA_PLANES = """
query DataPlanesQuery($filter: ServiceMeshFilter) {
  dataPlanesState: getDataPlanes(filter: $filter) {
    name
    proxies {
      controlPlaneMemberName containerName image
      status { containerStatusName image state lastState ready restartCount started imageID containerID }
      ports { name containerPort protocol }
      resources
    }
  }
}
"""

ADDONS = """
query AddonsStatusQuery($filter: ServiceMeshFilter) {
  addonsState: getAvailableAddons(filter: $filter) { name owner }
}
"""

TELEMETRY = """
query TelemetryComponentsQuery($contexts: [String!]) {
  telemetryComps: fetchTelemetryComponents(contexts: $contexts) { name spec status }
}
"""

# 2024 UI
OPERATOR_STATUS_2024 = """
query OperatorStatusQuery($k8scontextID: String!) {
  operator: getOperatorStatus(k8scontextID: $k8scontextID) { status controller contextId }
}
"""

# current UI
OPERATOR_STATUS = """
query OperatorStatusQuery($connectionID: String!) {
  operator: getOperatorStatus(connectionID: $connectionID) { status controller connectionID }
}
"""

# 2024 UI
CONTROLLERS_STATUS_2024 = """
subscription MesheryControllersStatusSubscription($k8scontextIDs: [String!]) {
  subscribeMesheryControllersStatus(k8scontextIDs: $k8scontextIDs) { contextId controller status version }
}
"""

# 2024 UI
MESHSYNC_EVENTS_2024 = """
subscription MeshSyncEventsSubscription($k8scontextIDs: [String!], $eventTypes: [MeshSyncEventType!]) {
  meshsyncevents: subscribeMeshSyncEvents(k8scontextIDs: $k8scontextIDs, eventTypes: $eventTypes) {
    type object contextId
  }
}
"""

MESHSYNC_EVENTS = """
subscription MeshSyncEventsSubscription($connectionIDs: [String!], $eventTypes: [MeshSyncEventType!]) {
  meshsyncevents: subscribeMeshSyncEvents(connectionIDs: $connectionIDs, eventTypes: $eventTypes) {
    type object connectionID
  }
}
"""

# 2024 UI
MESHSYNC_STATUS_2024 = """
query MeshsyncStatusQuery($k8scontextID: String!) {
  controller: getMeshsyncStatus(k8scontextID: $k8scontextID) { name version status }
}
"""

# 2024 UI
NATS_STATUS_2024 = """
query NatsStatusQuery($k8scontextID: String!) {
  controller: getNatsStatus(k8scontextID: $k8scontextID) { name version status }
}
"""
