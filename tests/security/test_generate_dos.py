"""Finding 5 (issue 15): ``POST /api/registry/generate`` with a "billion laughs" YAML.

The 1.2 KB document below (nine levels of nine aliases) expands to 9^9 values; before, it took
seconds of CPU on the event loop and hundreds of MB. Now the route needs a session (under a
remote provider, 401 without one) and, with one, answers the catalogued budget error
(``ErrInputTooComplex``, 400) without expanding anything. The timing is printed, not asserted
(no timed assertions): ``bench/`` and the branch report hold the figure.
"""

from __future__ import annotations

import time

import httpx

from generated import errors
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient, remote_client  # noqa: F401  (fixture)


def laughs(levels: int = 9, width: int = 9) -> str:
    """A CRD whose description is a "billion laughs" alias tree of ``width ** levels`` strings."""
    lines = ['l0: &l0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*l{level - 1}" for _ in range(width))
        lines.append(f"l{level}: &l{level} [{refs}]")
    lines += [
        "kind: CustomResourceDefinition",
        "spec:",
        "  group: lol.example.com",
        "  names: {kind: Lol}",
        "  versions:",
        f"    - {{name: v1, served: true, schema: {{openAPIV3Schema: {{type: object, default: *l{levels}}}}}}}",
    ]
    return "\n".join(lines) + "\n"


def test_the_input_is_small_and_explodes() -> None:
    text = laughs()
    assert len(text) < 1300 and text.count("*l") == 82


async def test_generate_refuses_alias_bombs_quickly(client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    answer = await client.post("/api/registry/generate", json={"crds": laughs()})
    elapsed = time.perf_counter() - started
    print(f"generate alias bomb: {answer.status_code} in {elapsed * 1000:.0f} ms, {len(answer.content)} bytes")
    assert answer.status_code == 400
    assert answer.json()["code"] == errors.ErrInputTooComplex.code
    assert len(answer.content) < 2000


async def test_generate_refuses_deep_and_recursive_yaml(client: httpx.AsyncClient) -> None:
    deep = "kind: CustomResourceDefinition\nspec: " + "[" * 150 + "]" * 150 + "\n"
    answer = await client.post("/api/registry/generate", json={"crds": deep})
    assert (answer.status_code, answer.json()["code"]) == (400, errors.ErrInputNestedTooDeeply.code)
    deeper = "kind: CustomResourceDefinition\nspec: " + "[" * 50_000 + "]" * 50_000 + "\n"
    answer = await client.post("/api/registry/generate", json={"crds": deeper})
    # libyaml's own nesting limit: reported as a YAML problem of the input, or refused; never a 5xx.
    assert answer.status_code in (200, 400)
    assert (
        answer.json().get("code", errors.ErrRegistryEntityInvalid.code)
        in (
            errors.ErrInputNestedTooDeeply.code,
            errors.ErrRegistryEntityInvalid.code,
        )
        or answer.json()["errors"][0]["code"] == errors.ErrRegistryEntityInvalid.code
    )
    many = "a: &a x\nb: [" + ", ".join(["*a"] * 2000) + "]\n"
    answer = await client.post("/api/registry/generate", json={"crds": many})
    assert (answer.status_code, answer.json()["code"]) == (400, errors.ErrInputTooComplex.code)


async def test_generate_still_reads_ordinary_crds(client: httpx.AsyncClient) -> None:
    crd = laughs(levels=2, width=2)  # a few aliases, a small expansion: fine
    answer = await client.post("/api/registry/generate", json={"crds": crd})
    assert answer.status_code == 200
    (component,) = answer.json()["components"]
    assert component["component"]["kind"] == "Lol"


async def test_generate_needs_a_session(
    remote_client: RemoteClient,  # noqa: F811  (the fixture imported above)
    remote_provider: RemoteProviderProcess,
) -> None:
    async with remote_client(provider="Reference") as http:
        anonymous = await http.post("/api/registry/generate", json={"crds": laughs()})
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, errors.ErrUnauthenticated.code)
        cookie = {"Cookie": f"meshery-provider=Reference; token={remote_provider.issue('alice')}"}
        signed_in = await http.post("/api/registry/generate", json={"crds": laughs()}, headers=cookie)
        assert (signed_in.status_code, signed_in.json()["code"]) == (400, errors.ErrInputTooComplex.code)
