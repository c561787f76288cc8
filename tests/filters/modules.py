"""A small, real WebAssembly module written byte by byte (one exported function returning 42), and filter configs."""

from __future__ import annotations


def _section(section_id: int, payload: bytes) -> bytes:
    assert len(payload) < 128  # one-byte LEB128 sizes keep the writer small
    return bytes([section_id, len(payload)]) + payload


def module(export: str = "run", value: int = 42) -> bytes:
    """``(module (func (export "<export>") (result i32) i32.const <value>))`` in the binary format."""
    name = export.encode()
    assert len(name) < 64 and 0 <= value < 64
    types = _section(1, bytes([1, 0x60, 0, 1, 0x7F]))  # one type: () -> i32
    functions = _section(3, bytes([1, 0]))  # one function of type 0
    exports = _section(7, bytes([1, len(name)]) + name + bytes([0, 0]))  # export func 0
    body = bytes([0, 0x41, value, 0x0B])  # no locals; i32.const value; end
    code = _section(10, bytes([1, len(body)]) + body)
    return b"\0asm" + b"\x01\0\0\0" + types + functions + exports + code


GROUP = "networking.istio.io"
CRD = f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: envoyfilters.{GROUP}
spec:
  group: {GROUP}
  scope: Namespaced
  names: {{kind: EnvoyFilter, plural: envoyfilters, singular: envoyfilter, listKind: EnvoyFilterList}}
  versions:
    - name: v1alpha3
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
"""


def envoy_filter(name: str = "wasm-auth", namespace: str = "default") -> str:
    """An Istio EnvoyFilter that loads a WASM module into the sidecars' HTTP filter chain, and its ConfigMap."""
    return f"""apiVersion: {GROUP}/v1alpha3
kind: EnvoyFilter
metadata:
  name: {name}
  namespace: {namespace}
spec:
  configPatches:
    - applyTo: HTTP_FILTER
      match:
        context: SIDECAR_INBOUND
        listener:
          filterChain:
            filter:
              name: envoy.filters.network.http_connection_manager
      patch:
        operation: INSERT_BEFORE
        value:
          name: {name}
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              vm_config:
                runtime: envoy.wasm.runtime.v8
                code:
                  local: {{filename: /var/local/lib/wasm-filters/{name}.wasm}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-settings
  namespace: {namespace}
data:
  header: x-filtered
"""
