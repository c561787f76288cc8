"""Finding 10: link tables do not leak: alice's design in bob's workspace, her connection in his environment."""

from __future__ import annotations

from datetime import UTC, datetime

from meshery.store import ownership
from meshery.store import workspaces as repo
from tests.security.conftest import World


async def test_links_to_another_users_records_are_refused(world: World) -> None:
    bob = world.clients["bob"]
    alice_rec, bob_rec = world.records["alice"], world.records["bob"]
    ws, env = bob_rec.ids["workspace"], bob_rec.ids["environment"]
    design, conn = alice_rec.ids["design"], alice_rec.ids["connection"]

    linked = await bob.post(f"/api/workspaces/{ws}/designs/{design}")
    assert linked.status_code == 404, linked.text
    attached = await bob.post(f"/api/environments/{env}/connections/{conn}")
    assert attached.status_code == 404, attached.text
    alien_env = await bob.post(f"/api/workspaces/{ws}/environments/{alice_rec.ids['environment']}")
    assert alien_env.status_code == 404, alien_env.text

    designs = (await bob.get(f"/api/workspaces/{ws}/designs")).json()
    assert design not in str(designs)
    connections = (await bob.get(f"/api/environments/{env}/connections")).json()
    assert conn not in str(connections)
    environments = (await bob.get(f"/api/workspaces/{ws}/environments")).json()
    assert alice_rec.ids["environment"] not in str(environments)


async def test_links_made_before_ownership_do_not_show(world: World) -> None:
    """Rows linking bob's records to alice's (written before the rule existed) stay hidden."""
    services = world.app.state.meshery.services
    alice_rec, bob_rec = world.records["alice"], world.records["bob"]
    stamp = datetime.now(UTC)
    with ownership.unscoped():
        await repo.attach(
            services.store,
            repo.EnvironmentConnection(
                environment_id=bob_rec.ids["environment"], connection_id=alice_rec.ids["connection"],
                id="0b7e4f1c-2a3d-4e5f-9a0b-1c2d3e4f5a6b", created_at=stamp,
            ),
        )  # fmt: skip
        await repo.add_member(
            services.store,
            repo.WorkspaceMember(
                workspace_id=bob_rec.ids["workspace"], kind="design", member_id=alice_rec.ids["design"],
                id="1c8f5a2d-3b4e-4f60-8b1c-2d3e4f5a6b7c", created_at=stamp,
            ),
        )  # fmt: skip
    bob = world.clients["bob"]
    connections = (await bob.get(f"/api/environments/{bob_rec.ids['environment']}/connections")).json()
    assert alice_rec.ids["connection"] not in str(connections)
    designs = (await bob.get(f"/api/workspaces/{bob_rec.ids['workspace']}/designs")).json()
    assert alice_rec.ids["design"] not in str(designs)
