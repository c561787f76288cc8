"""The generator: turns spec/ and protos/ into generated/.

Stages: loaders (openapi, graphql, errors) read the sources into the typed
intermediate model of ``codegen.ir``; ``codegen.render`` fills one jinja2
template per artifact; ``codegen.pipeline`` runs every stage into a folder and
compares folders for ``make check-generated``. The intermediate model is the
input of every emitter, including the client SDKs.
"""
