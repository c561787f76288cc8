"""Offline GraphiQL playground for the Meshery GraphQL endpoint.

``render_page`` returns the HTML page and ``static_dir`` the folder of vendored GraphiQL, React
and ReactDOM builds it loads (see ``static/VENDORED.md``). The app serves the page at
``/api/system/graphql/playground`` and mounts ``static_dir()`` at the prefix given to the page.
"""

from meshery.graphql.playground.page import DEFAULT_QUERY, render_page, static_dir

__all__ = ["DEFAULT_QUERY", "render_page", "static_dir"]
