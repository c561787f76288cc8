"""Finding 11: the database reset needs an administrator (role ``admin`` in the provider's profile)."""

from __future__ import annotations

from generated import errors
from tests.security.conftest import World


async def test_only_an_admin_resets_the_database(world: World) -> None:
    alice, bob, admin = world.clients["alice"], world.clients["bob"], world.clients["admin"]
    design = world.records["alice"].ids["design"]

    denied = await bob.delete("/api/system/database/reset")
    assert denied.status_code == 403
    assert denied.json()["code"] == errors.ErrAdminRequired.code
    assert (await alice.get(f"/api/pattern/{design}")).status_code == 200  # nothing went

    done = await admin.delete("/api/system/database/reset")
    assert done.status_code == 200, done.text
    assert (await alice.get(f"/api/pattern/{design}")).status_code == 404
