"""Tests for the offline GraphiQL playground: the page, the vendored assets, and a real browser.

The browser test needs Chromium (``/usr/bin/chromium``, or the path in ``MESHERY_TEST_CHROMIUM``)
and skips without it. It serves the page, the assets and a small Ariadne schema with uvicorn,
drives headless Chromium over the DevTools protocol, and checks that GraphiQL renders, runs a
query, runs a subscription over the WebSocket, and fetches nothing from any other origin.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager, suppress
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from ariadne import QueryType, SubscriptionType, make_executable_schema
from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLTransportWSHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from websockets.sync.client import ClientConnection, connect

from meshery.graphql.playground import DEFAULT_QUERY, render_page, static_dir

PAGE_PATH = "/api/system/graphql/playground"
STATIC_PREFIX = "/api/system/graphql/playground/static"
ENDPOINT = "/api/system/graphql/query"
CHROMIUM = Path(os.environ.get("MESHERY_TEST_CHROMIUM", "/usr/bin/chromium"))
# Starlette 1.10's TestClient warns on import while it still runs on httpx (not httpx2).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Using `httpx` with `starlette.testclient` is deprecated:starlette.exceptions.StarletteDeprecationWarning"
)
VENDORED = (
    "graphiql.min.js",
    "graphiql.min.css",
    "react.production.min.js",
    "react-dom.production.min.js",
)


_URL_ATTRIBUTES = frozenset({"src", "href", "srcset", "poster", "data", "action"})


class _References(HTMLParser):
    """Collects the URLs that a page's elements make the browser load."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            # data: URIs (the empty favicon) load nothing.
            if name in _URL_ATTRIBUTES and value and not value.startswith("data:"):
                self.urls.append(value)


def _references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser.urls


def _page() -> str:
    return render_page(endpoint=ENDPOINT, static_prefix=STATIC_PREFIX)


# --- the page and the vendored files -------------------------------------------------------------


def test_page_has_no_external_urls() -> None:
    page = _page()
    assert "http://" not in page
    assert "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?//""", page)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", page)


def test_page_references_only_vendored_files_that_exist() -> None:
    urls = _references(_page())
    assert urls, "the page references no static files"
    for url in urls:
        assert url.startswith(STATIC_PREFIX + "/"), url
        name = url.removeprefix(STATIC_PREFIX + "/")
        assert "/" not in name and name in VENDORED, url
        assert (static_dir() / name).is_file(), url
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == sorted(VENDORED)


def test_page_embeds_endpoint_title_and_default_query() -> None:
    page = render_page(endpoint="/custom/graphql", static_prefix="/assets/", title="Test <IDE>")
    assert 'new URL("/custom/graphql", window.location.href)' in page
    assert "<title>Test &lt;IDE&gt;</title>" in page
    assert 'href="/assets/graphiql.min.css"' in page
    assert "subscriptionUrl: wsUrl.href" in page
    assert 'wsUrl.protocol = httpUrl.protocol === "https:" ? "wss:" : "ws:"' in page
    assert f"defaultQuery: {json.dumps(DEFAULT_QUERY)}" in page
    assert DEFAULT_QUERY.strip() == "{ __typename }"


def test_endpoint_cannot_break_out_of_the_script() -> None:
    page = render_page(endpoint='/q"</script><script>alert(1)//', static_prefix="/s")
    assert "</script><script>alert" not in page
    assert '"/q\\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)//"' in page


def test_vendored_css_loads_nothing_remote() -> None:
    css = (static_dir() / "graphiql.min.css").read_text(encoding="utf-8")
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", css)
    assert urls and all(url.startswith("data:") for url in urls), {u[:40] for u in urls}
    assert not re.search(r"@import\s", css)


def test_vendored_files_match_vendored_md() -> None:
    table = (static_dir() / "VENDORED.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"\| `([^`]+)` \| [^|]+ \| `([0-9a-f]{64})` \|", table))
    assert sorted(recorded) == sorted(VENDORED)
    for name, digest in recorded.items():
        assert hashlib.sha256((static_dir() / name).read_bytes()).hexdigest() == digest, name
    for license_file in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert (static_dir() / license_file).read_text(encoding="utf-8").startswith("MIT License")


def test_graphiql_bundle_includes_a_graphql_ws_client() -> None:
    # Subscriptions need no extra vendored client: the bundle carries graphql-ws.
    bundle = (static_dir() / "graphiql.min.js").read_text(encoding="utf-8")
    assert "graphql-transport-ws" in bundle
    assert 'window["React"]' in bundle and 'window["ReactDOM"]' in bundle


# --- a served app --------------------------------------------------------------------------------

SDL = """
type Query { hello: String! }
type Subscription { counter: Int! }
"""


def _graphql_app() -> GraphQL:
    query = QueryType()
    subscription = SubscriptionType()

    @query.field("hello")
    def resolve_hello(_obj: object, _info: object) -> str:
        return "world"

    @subscription.source("counter")
    async def count(_obj: object, _info: object) -> AsyncGenerator[int, None]:
        for value in range(1, 4):
            await asyncio.sleep(0.05)
            yield value

    @subscription.field("counter")
    def resolve_counter(value: int, _info: object) -> int:
        return value

    schema = make_executable_schema(SDL, query, subscription)
    return GraphQL(schema, websocket_handler=GraphQLTransportWSHandler())


def _app() -> Starlette:
    graphql_app = _graphql_app()
    page = _page()

    async def playground(_request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return Starlette(
        routes=[
            Route(PAGE_PATH, playground, methods=["GET"]),
            Mount(
                STATIC_PREFIX,
                app=StaticFiles(directory=static_dir()),
                name="playground",
            ),
            Route(ENDPOINT, graphql_app.handle_request, methods=["GET", "POST"]),
            WebSocketRoute(ENDPOINT, graphql_app.handle_websocket),
        ]
    )


def test_page_and_assets_are_served() -> None:
    # Imported here, not at the top, so that pytestmark's filter covers the import-time warning.
    from starlette.testclient import TestClient

    with TestClient(_app()) as client:
        response = client.get(PAGE_PATH)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "graphiql.min.js" in response.text
        for url in _references(response.text):
            asset = client.get(url)
            assert asset.status_code == 200, url
            name = url.rsplit("/", 1)[1]
            assert asset.content == (static_dir() / name).read_bytes(), url
        result = client.post(ENDPOINT, json={"query": "{ __typename hello }"})
        assert result.json() == {"data": {"__typename": "Query", "hello": "world"}}


# --- a real browser ------------------------------------------------------------------------------


@contextmanager
def _serve(app: Starlette) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, loop="asyncio", ws="websockets-sansio", lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: server.started, 10, "uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _wait_for(check: Callable[[], object], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


class _DevTools:
    """A minimal Chrome DevTools protocol client for one page target."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        message_id = self._next_id
        self._connection.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        while True:
            message: dict[str, Any] = json.loads(self._connection.recv(timeout=30))
            if message.get("id") == message_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {
                "expression": expression,
                "awaitPromise": True,
                "returnByValue": True,
                "timeout": 20000,
            },
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} threw {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression!r}")
            time.sleep(0.1)


@contextmanager
def _chromium() -> Iterator[_DevTools]:
    """Start headless Chromium with remote debugging; yield a client for its first page."""
    # Chromium's helper processes may still be writing the profile when the browser exits.
    with tempfile.TemporaryDirectory(prefix="meshery-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so its helpers can be ended with it
        )
        try:
            port_file = Path(profile, "DevToolsActivePort")
            _wait_for(
                # Complete once it holds both lines: the port and the browser target's path.
                lambda: process.poll() is None and port_file.is_file() and len(port_file.read_text().splitlines()) >= 2,
                30,
                "Chromium did not open its DevTools port",
            )
            port = int(port_file.read_text().splitlines()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
                targets = json.load(reply)
            page = next(t for t in targets if t["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None) as connection:
                yield _DevTools(connection)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the Chromium started by ``_chromium`` and the helpers in its process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
_RESPONSE = "document.querySelector('.graphiql-response .CodeMirror')"

_SUBSCRIBE = """
(async () => {
  const query = "subscription Count { counter }";
  const results = await window.mesheryPlayground.fetcher(
    {query, operationName: "Count"},
    {documentAST: GraphiQL.GraphQL.parse(query)},
  );
  const values = [];
  for await (const result of results) values.push(result.data.counter);
  return values;
})()
"""


@pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"no Chromium at {CHROMIUM} (install Debian's chromium or set MESHERY_TEST_CHROMIUM)",
)
def test_graphiql_renders_and_runs_operations_in_chromium() -> None:
    with _serve(_app()) as base, _chromium() as browser:
        origin = base.removeprefix("http://")
        browser.call("Network.enable")
        browser.call("Runtime.enable")
        browser.call("Page.navigate", {"url": base + PAGE_PATH})

        browser.wait_for("!!document.querySelector('.graphiql-container')")
        assert browser.wait_for(f"{_EDITOR} && {_EDITOR}.CodeMirror.getValue()").strip() == (DEFAULT_QUERY.strip())
        assert browser.evaluate("window.mesheryPlayground.subscriptionUrl") == (f"ws://{origin}{ENDPOINT}")

        browser.evaluate("document.querySelector('.graphiql-execute-button').click()")
        response = browser.wait_for(
            f"{_RESPONSE} && {_RESPONSE}.CodeMirror.getValue().includes('Query') && {_RESPONSE}.CodeMirror.getValue()"
        )
        assert json.loads(response) == {"data": {"__typename": "Query"}}

        assert browser.evaluate(_SUBSCRIBE) == [1, 2, 3]

        browser.evaluate(f"{_EDITOR}.CodeMirror.setValue('subscription {{ counter }}')")
        # GraphiQL parses an edit after a debounce; only then does it send the documentAST
        # that makes the fetcher pick the WebSocket.
        browser.wait_for(f"{_EDITOR}.CodeMirror.documentAST?.definitions[0].operation === 'subscription'")
        browser.evaluate("document.querySelector('.graphiql-execute-button').click()")
        response = browser.wait_for(
            f"{_RESPONSE}.CodeMirror.getValue().includes('3') && {_RESPONSE}.CodeMirror.getValue()"
        )
        assert json.loads(response) == {"data": {"counter": 3}}

        browser.call("Runtime.evaluate", {"expression": "0"})  # flush pending events
        exceptions = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
        assert not exceptions, exceptions
        requested = [
            e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"
        ]
        sockets = [e["params"]["url"] for e in browser.events if e.get("method") == "Network.webSocketCreated"]
        assert f"{base}{STATIC_PREFIX}/graphiql.min.js" in requested
        assert f"ws://{origin}{ENDPOINT}" in sockets
        foreign = [url for url in requested + sockets if not url.startswith((base + "/", f"ws://{origin}/", "data:"))]
        assert not foreign, foreign
        failed = [
            (e["params"]["response"]["status"], e["params"]["response"]["url"])
            for e in browser.events
            if e.get("method") == "Network.responseReceived" and e["params"]["response"]["status"] >= 400
        ]
        assert not failed, failed
