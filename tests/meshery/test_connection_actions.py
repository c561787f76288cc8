"""meshery.connection_actions: URL checks and normalisation of the connection wizard."""

from __future__ import annotations

import pytest

from generated import errors
from meshery import connection_actions


def test_normalise_url() -> None:
    clean, parts = connection_actions.normalise_url(" HTTPS://Charts.Example.COM:8443/repo/x.git/#frag ")
    assert clean == "https://charts.example.com:8443/repo/x.git"
    assert parts == {"scheme": "https", "host": "charts.example.com", "path": "/repo/x.git", "name": "x"}
    assert connection_actions.normalise_url("http://host")[1]["name"] == "host"
    long_name = connection_actions.normalise_url("http://" + "h" * 600)[1]["name"]
    assert len(long_name) == connection_actions.NAME_LIMIT


@pytest.mark.parametrize("url", ["ftp://x", "example.com/x", "https://", "http://[::1", ""])
def test_refused_urls(url: str) -> None:
    with pytest.raises(errors.ErrConnectionUrlInvalid):
        connection_actions.normalise_url(url)


def test_metadata_keeps_extra_fields_and_names_itself() -> None:
    meta = connection_actions.metadata("helm", {"url": "https://c.example/stable/", "token_ref": "t"})
    assert meta == {"url": "https://c.example/stable", "name": "stable", "token_ref": "t"}
    assert connection_actions.metadata("helm", {"url": "https://c.example", "name": "mine"})["name"] == "mine"
