"""Render the offline GraphiQL page.

The page is a ``string.Template`` (``page.html``, beside this module) that loads only the files
vendored in ``static/``: React, ReactDOM and the GraphiQL UMD bundle. It builds the fetcher from
the endpoint path made absolute against ``window.location``: ``http(s)://`` for queries and
mutations, ``ws(s)://`` for subscriptions.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from string import Template

DEFAULT_QUERY = "{ __typename }\n"

_TEMPLATE_NAME = "page.html"
_STATIC_DIR_NAME = "static"


def static_dir() -> Path:
    """Return the folder of vendored GraphiQL assets, for mounting with ``StaticFiles``."""
    # StaticFiles needs a real directory, so this is a filesystem path rather than a Traversable.
    return Path(__file__).resolve().parent / _STATIC_DIR_NAME


def _template() -> Template:
    text = resources.files(__name__.rpartition(".")[0]).joinpath(_TEMPLATE_NAME).read_text(encoding="utf-8")
    return Template(text)


def _js_string(value: str) -> str:
    """Return ``value`` as a JavaScript string literal that is safe inside a ``<script>``."""
    literal = json.dumps(value)
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(*, endpoint: str, static_prefix: str, title: str = "Meshery GraphQL") -> str:
    """Return the complete HTML of the GraphiQL playground.

    ``endpoint`` is the GraphQL path (e.g. ``/api/system/graphql/query``); the browser resolves
    it against the page's own URL. ``static_prefix`` is the URL path where ``static_dir()`` is
    served; a trailing slash is ignored.
    """
    return _template().substitute(
        title=html.escape(title),
        static_prefix=html.escape(static_prefix.rstrip("/"), quote=True),
        endpoint_json=_js_string(endpoint),
        default_query_json=_js_string(DEFAULT_QUERY),
    )
