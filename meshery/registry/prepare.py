"""Read, parse and build one package's rows: the CPU-heavy half of an import, run off the event loop.

Large imports run it in a worker process (``spawn``), so parsing JSON on one
core overlaps with the database writes on the other; small ones in a thread.
This module imports only the parsing side of the registry, so a worker starts
quickly. What travels back is the rows and the model's facts, not the parsed
documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshery.registry import build, builtin, core, kubernetes, sources
from meshery.registry.parse import Parsed, Problem, parse_files


@dataclass
class Prepared:
    """A package turned into rows, or the problem that stops it."""

    key: str
    location: str
    fingerprint: str
    parsed: Parsed
    facts: build.ModelFacts | None = None
    fatal: Problem | None = None
    rows: build.Rows | None = None


@dataclass(frozen=True)
class Job:
    """What to prepare: a package on disk (``ref``) or, without one, a built-in model by its location."""

    key: str
    location: str
    fingerprint: str
    ref: sources.PackageRef | None = None

    def load(self) -> Parsed:
        if self.ref is None:
            return core.generate() if self.location == core.LOCATION else kubernetes.generate()
        files, problems = sources.read_package(self.ref)
        return parse_files(files, problems)


def from_parsed(key: str, location: str, fingerprint: str, parsed: Parsed) -> Prepared:
    facts, fatal = build.model_facts(parsed)
    prepared = Prepared(key=key, location=location, fingerprint=fingerprint, parsed=parsed, facts=facts, fatal=fatal)
    if facts is not None:
        prepared.rows = build.build_rows(
            parsed, facts, model_id=facts.key, package_id=key, registrant_id="", category_id="", status=facts.status
        )
    return prepared


def prepare(job: Job) -> Prepared:
    """Run in a worker: everything but the database, with the parsed documents dropped once used."""
    prepared = from_parsed(job.key, job.location, job.fingerprint, job.load())
    slim = Parsed(problems=prepared.parsed.problems, content_hash=prepared.parsed.content_hash)
    slim.models = prepared.parsed.models
    prepared.parsed = slim
    return prepared


def register_parsed(parsed: Parsed, *, origin: str) -> Prepared:
    """A package that arrived by API, prepared for ``importer.store_prepared`` (keyed by its model)."""
    facts, _ = build.model_facts(parsed)
    if facts is not None:
        builtin.refuse(facts.name)
    location = f"upload:{facts.name}/{facts.model_version}/{facts.version}" if facts else f"upload:{origin}"
    return from_parsed(sources.package_key(location), location, parsed.content_hash, parsed)
