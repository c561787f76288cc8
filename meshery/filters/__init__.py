"""WASM filters: save, list, read, clone, delete and deploy of WebAssembly filters for Envoy/Istio."""
