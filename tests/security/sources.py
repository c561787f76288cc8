"""Loopback sources for the fetcher's tests: a secret, redirects, a drip, large and compressed bodies,
a port that speaks something else than HTTP and a closed port. Every hit is counted."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

SECRET = b"meshery-internal-secret-7f3a"
CHUNK = 64 * 1024


@dataclass
class Source:
    url: str
    port: int
    hits: Counter[str] = field(default_factory=Counter)
    hosts: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # bytes written per path
    cut: Counter[str] = field(default_factory=Counter)  # answers the client hung up on


def _handler(source: Source) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            source.hits[parts.path] += 1
            source.hosts.append(self.headers.get("Host", ""))
            try:
                self._route(parts.path, query)
            except (BrokenPipeError, ConnectionResetError):
                source.cut[parts.path] += 1

        def _route(self, path: str, query: dict[str, str]) -> None:
            if path in ("/secret", "/models.yaml"):
                self._send(200, SECRET)
            elif path == "/redirect":
                self._send(int(query.get("status", "302")), b"", Location=query["to"])
            elif path == "/loop":
                self._send(302, b"", Location="/loop")
            elif path == "/drip":  # one byte per `every` seconds, `count` bytes
                count, every = int(query.get("count", "30")), float(query.get("every", "1"))
                self.send_response(200)
                self.send_header("Content-Length", str(count))
                self.end_headers()
                for _ in range(count):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    source.sent[path] += 1
                    time.sleep(every)
            elif path.startswith("/big"):  # `size` bytes of zeros, chunked (no length) unless declared
                size = int(query.get("size", "0"))
                self.send_response(200)
                if query.get("declare"):
                    self.send_header("Content-Length", str(size))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                block = b"\0" * CHUNK
                left = size
                while left > 0:
                    piece = block[: min(CHUNK, left)]
                    self.wfile.write(piece if query.get("declare") else b"%x\r\n%s\r\n" % (len(piece), piece))
                    source.sent[path] += len(piece)
                    left -= len(piece)
                if not query.get("declare"):
                    self.wfile.write(b"0\r\n\r\n")
            elif path == "/bomb":  # a small gzip body that decodes to `size` bytes
                body = gzip.compress(b"\0" * int(query.get("size", "0")), compresslevel=9)
                self._send(200, body, Content_Encoding="gzip")
            else:
                self._send(404, b"not here: " + SECRET)

    return Handler


@contextmanager
def serve(tls: Any = None) -> Iterator[Source]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(Source("", 0)))
    server.daemon_threads = True
    port = server.server_address[1]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    source = Source(f"{'https' if tls is not None else 'http'}://127.0.0.1:{port}", port)
    server.RequestHandlerClass = _handler(source)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield source
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def not_http() -> Iterator[int]:
    """A loopback port that accepts and answers bytes that are not HTTP (an open, non-web port)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6 internal-host\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_tls(name: str, folder: Any) -> Iterator[tuple[Source, Any]]:
    """The sources over https on 127.0.0.1 with a fresh self-signed certificate for ``name`` only;
    yields the source and an SSL context trusting that certificate."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    trust = ssl.create_default_context(cafile=str(cert_file))
    with serve(server_side) as source:
        yield source, trust
