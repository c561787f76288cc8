"""uvicorn's httptools protocol, with its own refusals of malformed requests in the MeshKit envelope.

A request that cannot even be parsed (a URL over 65,535 bytes, a broken request line) never
reaches the app; uvicorn answers it with a plain-text 400. This protocol answers the same
400 as every other bad request: JSON, with a catalogued code.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from generated import errors
from meshery.errors import CONTENT_TYPE, body_and_headers


def refusal(msg: str) -> bytes:
    """The whole HTTP/1.1 answer to a request uvicorn could not parse."""
    err = errors.ErrRequestValidation(f"{msg} The URL, including the query, is limited to 65,535 bytes.")
    body, headers = body_and_headers(err)
    headers = {"content-type": CONTENT_TYPE, **{k.lower(): v for k, v in headers.items()}}
    head = [STATUS_LINE[400]]
    head += [f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items()]
    head += [f"content-length: {len(body)}\r\n".encode("ascii"), b"connection: close\r\n", b"\r\n"]
    return b"".join(head) + body


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """httptools HTTP/1.1 whose parse errors are answered in the MeshKit envelope."""

    def send_400_response(self, msg: str) -> None:
        default = b"".join(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers)
        answer = refusal(msg)
        status_end = answer.index(b"\r\n") + 2
        self.transport.write(answer[:status_end] + default + answer[status_end:])
        self.transport.close()
