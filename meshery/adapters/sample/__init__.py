"""The sample adapter: a real grpc.aio server speaking the meshes protocol (either generation).

Run it with ``python -m meshery.adapters.sample --port 10020 [--service AdapterService|MeshService]``.
Its operations install a small sample application into the Kubernetes contexts whose
kubeconfigs the server sends, by server-side apply over plain HTTP, apply a custom manifest,
check the clusters answer, and echo; each one streams progress events on ``StreamEvents``.
"""
