"""Runtime of Meshery Server (Python): app assembly, config, store, bus and services.

Handlers (``handlers/``) stand on this package; it never imports them except
through the generated operation and resolver tables (see ``meshery.wiring``).
"""

__version__ = "0.1.0"
