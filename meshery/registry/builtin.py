"""The models the server ships, which users cannot overwrite, extend or delete.

The static Kubernetes model and meshery-core are registered by the server itself
(``meshery.registry.kubernetes``, ``meshery.registry.core``); design validation trusts
their schemas. Every user write to the registry (registrant API, uploads, generate,
model deletion) goes through ``refuse`` first.
"""

from __future__ import annotations

from generated import errors
from meshery.registry import core, kubernetes

MODELS = frozenset({kubernetes.MODEL_NAME, core.MODEL_NAME})


def is_builtin(model_name: object) -> bool:
    return isinstance(model_name, str) and model_name.strip().lower() in MODELS


def refuse(model_name: object, *, action: str = "overwrite") -> None:
    """``ErrRegistryBuiltinModel`` (403) when ``model_name`` is a built-in model."""
    if is_builtin(model_name):
        raise errors.ErrRegistryBuiltinModel(f"users cannot {action} the built-in model {str(model_name).strip()!r}")
