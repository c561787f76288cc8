"""``meshery-server``: read the environment, then serve the app with uvicorn."""

from __future__ import annotations

import gc
import sys
import warnings

from meshery.config import ConfigError, Settings


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"meshery-server: {exc.code}: invalid configuration: {exc.detail}", file=sys.stderr)
        return 2

    # Connexion imports Starlette's test client at import time, which warns
    # about httpx; nothing in the server uses the test client.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")

    import uvicorn

    from meshery import logs
    from meshery.app import create_app
    from meshery.serving import EnvelopeHttpToolsProtocol

    logs.setup(settings.effective_log_level, settings.log_format)
    app = create_app(settings)
    tune_gc()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.debug,
        ws_ping_interval=10,
        timeout_graceful_shutdown=5,
        http=EnvelopeHttpToolsProtocol,
    )
    return 0


def tune_gc() -> None:
    """Keep the cyclic garbage collector's pauses short in a long-running server.

    Everything imported and built so far (modules, the schema, the app) lives as long as the
    process; frozen, full collections no longer walk it. A larger first threshold makes
    collections rarer. Measured with 1,000 SSE and 100 GraphQL clients: full collections of
    250-430 ms every few seconds delayed event delivery; with this, none during the run.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    sys.exit(main())
