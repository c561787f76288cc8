"""``meshery-server``: read the environment, then serve the app with uvicorn."""

from __future__ import annotations

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

    logs.setup(settings.effective_log_level)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.debug,
        ws_ping_interval=10,
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
