"""Relationship evaluation: the registry's relationship definitions applied to a design.

Upstream evaluates a design with Rego policies; this package does the same in Python:
``index`` holds the registry's definitions grouped by the component kinds their selectors
name (rebuilt when the registry's generation moves), ``selectors`` matches selector items to
components, ``identify`` finds new relationships (alias, matching mutator/mutated paths),
``actions`` builds and applies upstream's actions, and ``engine`` runs the passes.
"""
