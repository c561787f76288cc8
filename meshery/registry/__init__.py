"""The MeshModel registry: import of model packages, the static Kubernetes model, queries and operations."""
