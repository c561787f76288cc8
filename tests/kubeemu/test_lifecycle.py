"""Emulator lifecycle: restart on the same port, unreachable periods, async mode, process mode, seeding."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from kubernetes import client, config

from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeContext, KubeEmulator, write_kubeconfig

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_restart_keeps_port_and_objects_and_ends_watches(kube_emulator: KubeEmulator) -> None:
    port = kube_emulator.port
    kube_emulator.seed_pods(2)
    lines: list[str] = []
    opened = threading.Event()

    def watch() -> None:
        with httpx.stream("GET", f"{kube_emulator.url}/api/v1/pods?watch=true", headers=AUTH, timeout=10) as stream:
            opened.set()
            lines.extend(stream.iter_lines())

    reader = threading.Thread(target=watch)
    reader.start()
    assert opened.wait(5)
    kube_emulator.stop()
    reader.join(5)
    assert not reader.is_alive(), "a stop must end open watches"
    assert len([line for line in lines if line]) == 2  # the initial ADDED events
    assert _refused(port)

    kube_emulator.start()
    assert kube_emulator.port == port
    pods = httpx.get(f"{kube_emulator.url}/api/v1/pods", headers=AUTH).json()
    assert [p["metadata"]["name"] for p in pods["items"]] == ["pod-0", "pod-1"]
    assert kube_emulator.restart().port == port


def test_unreachable_refuses_connections_until_reachable(kube_emulator: KubeEmulator) -> None:
    v1 = client.CoreV1Api(config.new_client_from_config_dict(kube_emulator.kubeconfig()))
    assert v1.list_namespace().items
    with kube_emulator.unreachable():
        assert _refused(kube_emulator.port)
        with pytest.raises(Exception, match=r"(?i)refused|max retries"):
            v1.list_namespace(_request_timeout=2)
    assert v1.list_namespace().items


def test_latency_delays_answers(kube_emulator: KubeEmulator) -> None:
    kube_emulator.latency = 2.0
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{kube_emulator.url}/version", headers=AUTH, timeout=0.2)
    kube_emulator.latency = 0.0
    assert httpx.get(f"{kube_emulator.url}/version", headers=AUTH).status_code == 200


async def test_runs_in_the_callers_event_loop() -> None:
    async with KubeEmulator() as emu, httpx.AsyncClient(base_url=emu.url) as http:
        created = await http.post(
            "/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "a"}, "data": {"k": "v"}}
        )
        assert created.status_code == 201
        async with http.stream("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0") as stream:
            async for line in stream.aiter_lines():
                assert json.loads(line)["object"]["metadata"]["name"] == "a"
                break
        await emu.astop()
        with pytest.raises(httpx.ConnectError):
            await http.get("/version")
        await emu.astart()
        assert (await http.get("/api/v1/namespaces/default/configmaps/a")).status_code == 200


def test_kubeconfig_with_several_contexts(tmp_path: Path) -> None:
    with KubeEmulator(tokens=["one"], cluster_name="east") as east, KubeEmulator(cluster_name="west") as west:
        assert east.cluster_id != west.cluster_id
        assert east.cluster_id == KubeEmulator(cluster_name="east").cluster_id  # stable per cluster name
        path = write_kubeconfig(
            tmp_path / "config",
            [
                east.context(),
                west.context("west-ns", namespace="kube-system"),
                KubeContext("down", "http://127.0.0.1:9"),
            ],
            current="west-ns",
        )
        doc = yaml.safe_load(path.read_text())
        assert [c["name"] for c in doc["contexts"]] == ["east", "west-ns", "down"]
        assert doc["current-context"] == "west-ns"
        assert path.stat().st_mode & 0o777 == 0o600
        for context, cluster_id in (("east", east.cluster_id), ("west-ns", west.cluster_id)):
            api = config.new_client_from_config(config_file=str(path), context=context)
            ns = client.CoreV1Api(api).read_namespace("kube-system")
            assert ns.metadata.uid == cluster_id
        down = config.new_client_from_config(config_file=str(path), context="down")
        with pytest.raises(Exception, match=r"(?i)refused|max retries"):
            client.CoreV1Api(down).list_namespace(_request_timeout=2)


def test_seeding_ten_thousand_pods_is_listable_and_pageable(kube_emulator: KubeEmulator) -> None:
    assert kube_emulator.seed_pods(10_000, namespace="bench") == 10_000
    v1 = client.CoreV1Api(config.new_client_from_config_dict(kube_emulator.kubeconfig()))
    assert len(v1.list_namespaced_pod("bench", _preload_content=False).json()["items"]) == 10_000
    first = v1.list_pod_for_all_namespaces(limit=500)
    assert len(first.items) == 500
    assert first.metadata.remaining_item_count == 9_500
    pod = v1.read_namespaced_pod("pod-9999", "bench")
    assert (pod.status.phase, pod.spec.containers[0].name) == ("Running", "main")


def test_seeded_objects_reach_open_watches(kube_emulator: KubeEmulator) -> None:
    start = kube_emulator.resource_version
    kube_emulator.seed_pods(3, namespace="live")
    url = f"{kube_emulator.url}/api/v1/namespaces/live/pods?watch=1&resourceVersion={start}&timeoutSeconds=1"
    events = [json.loads(line) for line in httpx.get(url, headers=AUTH, timeout=5).text.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "pod-0"),
        ("ADDED", "pod-1"),
        ("ADDED", "pod-2"),
    ]


def test_runs_as_a_process(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    command = [
        sys.executable,
        "-m",
        "tests.kubeemu",
        "--token",
        "tok",
        "--kubeconfig",
        str(kubeconfig),
        "--controllers",
    ]
    with subprocess.Popen([*command, "--seed-pods", "5"], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("kubeemu listening on http://127.0.0.1:")
            url = line.split()[-1]
            assert httpx.get(f"{url}/version").status_code == 401
            pods = httpx.get(f"{url}/api/v1/pods", headers={"Authorization": "Bearer tok"}).json()
            assert len(pods["items"]) == 5
            api = config.new_client_from_config(config_file=str(kubeconfig))
            assert client.VersionApi(api).get_code().minor == "32"
        finally:
            process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


def test_two_emulators_run_side_by_side_in_one_loop() -> None:
    async def main() -> list[int]:
        async with KubeEmulator() as a, KubeEmulator() as b, httpx.AsyncClient() as http:
            answers = await asyncio.gather(http.get(f"{a.url}/api"), http.get(f"{b.url}/api"))
            return [r.status_code for r in answers]

    assert asyncio.run(main()) == [200, 200]


def test_direct_patch_reaches_watchers(kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed_pods(1, namespace="w")
    start = kube_emulator.resource_version
    lines: list[str] = []

    def watch() -> None:
        url = f"{kube_emulator.url}/api/v1/namespaces/w/pods?watch=1&resourceVersion={start}&timeoutSeconds=2"
        with httpx.stream("GET", url, headers=AUTH, timeout=10) as stream:
            for line in stream.iter_lines():
                lines.append(line)
                break

    reader = threading.Thread(target=watch)
    reader.start()
    kube_emulator.wait_for_watches(1, plural="pods")
    updated = kube_emulator.patch("v1", "Pod", "pod-0", "w", merge={"status": {"phase": "Failed"}})
    reader.join(5)
    event = json.loads(lines[0])
    assert (event["type"], event["object"]["status"]["phase"]) == ("MODIFIED", "Failed")
    assert event["object"]["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    deadline = time.monotonic() + 5
    while kube_emulator.watch_count():  # the client hung up: the server notices and drops the watch
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_drop_watches_and_injected_failures(kube_emulator: KubeEmulator) -> None:
    lines: list[str] = []

    def watch() -> None:
        url = f"{kube_emulator.url}/api/v1/namespaces?watch=1&resourceVersion={kube_emulator.resource_version}"
        with httpx.stream("GET", url, headers=AUTH, timeout=10) as stream:
            lines.extend(line for line in stream.iter_lines() if line)

    reader = threading.Thread(target=watch)
    reader.start()
    kube_emulator.wait_for_watches(1)
    kube_emulator.drop_watches(expire=True)
    reader.join(5)
    assert [json.loads(line)["object"]["code"] for line in lines] == [410]
    assert kube_emulator.store.floor == kube_emulator.resource_version

    kube_emulator.fail(503, times=2, method="get", path="/api/v1/pods")
    url = f"{kube_emulator.url}/api/v1/pods"
    answers = [httpx.get(url, headers=AUTH) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["reason"] == "ServiceUnavailable"
    assert httpx.get(f"{kube_emulator.url}/api/v1/nodes", headers=AUTH).status_code == 200


def test_changes_missed_by_watches_end_them_with_410(kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed_pods(2, namespace="m")
    start = kube_emulator.resource_version
    lines: list[str] = []

    def watch() -> None:
        url = f"{kube_emulator.url}/api/v1/namespaces/m/pods?watch=1&allowWatchBookmarks=true&resourceVersion={start}"
        with httpx.stream("GET", url, headers=AUTH, timeout=10) as stream:
            lines.extend(line for line in stream.iter_lines() if line)

    reader = threading.Thread(target=watch)
    reader.start()
    kube_emulator.wait_for_watches(1, plural="pods")
    with kube_emulator.missed_by_watches():
        kube_emulator.delete("v1", "Pod", "pod-0", "m")
        kube_emulator.patch("v1", "Pod", "pod-1", "m", merge={"status": {"phase": "Failed"}})
        kube_emulator.seed_pods(1, namespace="m", prefix="new")
        time.sleep(0.5)  # several bookmark intervals (0.2 s): none may be sent meanwhile
        assert reader.is_alive()
    reader.join(5)
    assert [json.loads(line)["type"] for line in lines] == ["ERROR"]
    assert json.loads(lines[0])["object"]["code"] == 410
    resumed = httpx.get(f"{kube_emulator.url}/api/v1/namespaces/m/pods?watch=1&resourceVersion={start}", headers=AUTH)
    assert json.loads(resumed.text.splitlines()[0])["object"]["code"] == 410
    names = {p["metadata"]["name"] for p in kube_emulator.list("v1", "Pod", "m")}
    assert names == {"pod-1", "new-0"}
