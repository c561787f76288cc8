"""Meshery adapters over gRPC: the only package (with the generated stubs) that imports grpc.

``meshery.adapter_address`` parses locations; ``client`` talks to one adapter (AdapterService, falling back to
the legacy MeshService); ``tracker`` watches every known adapter and relays its events;
``relay`` turns adapter events into Meshery events; ``preferences`` keeps each user's adapter
list; ``kubeconfigs`` finds the kubeconfigs an operation targets; ``service`` is what the
handlers call; ``sample`` is a runnable sample adapter.
"""
