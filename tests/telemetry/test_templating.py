"""Template-variable queries: the Prometheus request each form becomes, ``$name`` substitution."""

from __future__ import annotations

import json

from meshery.telemetry import templating
from meshery.telemetry.fetch import Target
from tests.telemetry import fakes


async def test_each_form_and_substitution() -> None:
    with fakes.serve("prometheus") as prom:
        target = Target(prom.url)
        text = json.loads(await templating.resolve(target, [("query", "just text")]))
        assert text == {"status": "success", "data": ["just text"]} and prom.seen == []
        values = json.loads(await templating.resolve(target, [("query", "label_values(job)")]))
        assert values["data"] == ["node-exporter", "prometheus"]
        await templating.resolve(target, [
            ("query", 'label_values(up{namespace="$namespace", pod=~"$pod"}, instance)'),
            ("namespace", "istio"), ("pod", "a.*"), ("start", "1"), ("end", "2"), ("dsid", "$namespace")])
        assert prom.seen[-1].path == "/api/v1/series"
        assert prom.seen[-1].query == {"match[]": ['up{namespace="istio", pod=~"a.*"}'], "start": ["1"], "end": ["2"]}
        await templating.resolve(target, [("query", "label_values(up,job)"), ("start", "1")])
        assert prom.seen[-1].query == {"match[]": ["up"]}  # no window without both ends
        result = json.loads(await templating.resolve(target, [("query", "query_result(sum(x{a=\"$a\"}))"), ("a", "b")]))
        assert result["data"]["result"][0]["metric"] == {"query": 'sum(x{a="b"})'}
