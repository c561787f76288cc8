"""Server-side apply and field ownership (``metadata.managedFields``), simplified but honest.

Field sets are sets of paths to leaves. A path step is a field name, or ``("k", <json key>)`` for an
item of a list with a merge key (``containers`` by ``name``...); other lists are atomic leaves. Every
list item also owns its own existence (the ``"."`` entry of ``fieldsV1``).

- Apply (``application/apply-patch+yaml``): conflicts are fields another manager owns with a
  different value (409 unless ``force=true``, which takes them over); fields the manager applied
  before and no longer applies, and nobody else owns, are removed; the result is merged in.
- Updates (POST, PUT, other PATCHes) give the manager ``operation: Update`` ownership of the fields
  whose values it changed and take those fields away from the other managers.
- A write that sets ``metadata.managedFields`` itself (kubectl's client-side to server-side apply
  upgrade sends a JSON patch on it) is stored as sent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.kubeemu.patch import merge_key_for

Step = str | tuple[str, str]
Path = tuple[Step, ...]

# Bookkeeping fields nobody owns.
_UNOWNED_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)


def field_paths(obj: dict[str, Any]) -> set[Path]:
    """The leaf paths of an object, as ownership tracks them."""
    out: set[Path] = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "metadata" and isinstance(value, dict):
            for mkey, mvalue in value.items():
                if mkey not in _UNOWNED_METADATA:
                    _walk(("metadata", mkey), mkey, mvalue, out)
            continue
        _walk((key,), key, value, out)
    return out


def _walk(path: Path, field: str, value: Any, out: set[Path]) -> None:
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            _walk((*path, key), key, sub, out)
        return
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        key = merge_key_for(field, value)
        if key is not None:
            for item in value:
                step = _item_step(key, item)
                out.add((*path, step, "."))
                for ikey, ivalue in item.items():
                    _walk((*path, step, ikey), ikey, ivalue, out)
            return
    out.add(path)


def _item_step(key: str, item: dict[str, Any]) -> tuple[str, str]:
    return ("k", json.dumps({key: item.get(key)}, separators=(",", ":")))


_MISSING = object()


def value_at(obj: Any, path: Path) -> Any:
    """The value at ``path`` (a list item for a ``"."`` step), or a sentinel when absent."""
    node = obj
    for step in path:
        if step == ".":
            return node
        if isinstance(step, tuple):
            node = _find_item(node, step)
            if node is None:
                return _MISSING
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _find_item(items: Any, step: tuple[str, str]) -> dict[str, Any] | None:
    if not isinstance(items, list):
        return None
    wanted = json.loads(step[1])
    ((key, ident),) = wanted.items()
    for item in items:
        if isinstance(item, dict) and item.get(key) == ident:
            return item
    return None


def remove_path(obj: dict[str, Any], path: Path) -> None:
    """Remove the leaf (or list item, for a ``"."`` path) at ``path`` if present."""
    parent: Any = obj
    for step in path[:-1]:
        if step == ".":
            return
        if isinstance(step, tuple):
            parent = _find_item(parent, step)
        elif isinstance(parent, dict):
            parent = parent.get(step)
        else:
            return
        if parent is None:
            return
    last = path[-1]
    if last == "." and len(path) >= 2 and isinstance(path[-2], tuple):
        container = value_at(obj, path[:-2])
        step = path[-2]
        if isinstance(container, list) and isinstance(step, tuple):
            item = _find_item(container, step)
            if item is not None:
                container.remove(item)
        return
    if isinstance(last, str) and isinstance(parent, dict):
        parent.pop(last, None)


# --- fieldsV1 encoding ------------------------------------------------------------------------


def to_fields_v1(paths: set[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for step in path:
            if step == ".":
                name = "."
            elif isinstance(step, tuple):
                name = f"k:{step[1]}"
            else:
                name = f"f:{step}"
            node = node.setdefault(name, {})
    return tree


def from_fields_v1(tree: Any, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    if not isinstance(tree, dict):
        return out
    for name, sub in tree.items():
        if name == ".":
            out.add((*prefix, "."))
            continue
        if name.startswith("f:"):
            step: Step = name[2:]
        elif name.startswith("k:"):
            step = ("k", name[2:])
        else:  # v: (set members) and i: (positions) are not tracked item by item
            continue
        if isinstance(sub, dict) and sub:
            out |= from_fields_v1(sub, (*prefix, step))
        else:
            out.add((*prefix, step))
    return out


def format_path(path: Path) -> str:
    parts = []
    for step in path:
        if step == ".":
            continue
        parts.append(f"[{step[1]}]" if isinstance(step, tuple) else f".{step}")
    return "".join(parts)


# --- managers ---------------------------------------------------------------------------------


@dataclass
class Manager:
    name: str
    operation: str
    api_version: str
    time: str
    paths: set[Path]
    subresource: str = ""

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.name,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.paths),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def read_managers(obj: dict[str, Any]) -> list[Manager]:
    out = []
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        if not isinstance(entry, dict):
            continue
        out.append(
            Manager(
                name=str(entry.get("manager", "")),
                operation=str(entry.get("operation", "Update")),
                api_version=str(entry.get("apiVersion", "")),
                time=str(entry.get("time", "")),
                paths=from_fields_v1(entry.get("fieldsV1")),
                subresource=str(entry.get("subresource", "")),
            )
        )
    return out


def write_managers(obj: dict[str, Any], managers: list[Manager]) -> None:
    entries = [m.entry() for m in managers if m.paths]
    meta = obj.setdefault("metadata", {})
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)


class ApplyConflict(Exception):
    def __init__(self, conflicts: list[tuple[str, Path]]) -> None:
        self.conflicts = conflicts
        lines = [f'conflict with "{m}": {format_path(p)}' for m, p in conflicts]
        super().__init__(
            f"Apply failed with {len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}: " + "\n".join(lines)
        )


def _iter_others(managers: list[Manager], name: str, operation: str) -> Iterator[Manager]:
    for m in managers:
        if not (m.name == name and m.operation == operation):
            yield m


def apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    now: str,
    force: bool,
) -> dict[str, Any]:
    """Server-side apply ``config`` onto ``live`` (None when creating); returns the new object."""
    base = copy.deepcopy(live) if live is not None else {}
    managers = read_managers(base) if live is not None else []
    applied = field_paths(config)
    conflicts: list[tuple[str, Path]] = []
    for other in _iter_others(managers, manager, "Apply"):
        for path in sorted(other.paths & applied, key=str):
            if path[-1] == ".":
                continue
            if value_at(base, path) != value_at(config, path):
                conflicts.append((other.name, path))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    mine = next((m for m in managers if m.name == manager and m.operation == "Apply"), None)
    previous = mine.paths if mine else set()
    owned_by_others: set[Path] = set()
    for other in _iter_others(managers, manager, "Apply"):
        other.paths -= {path for name, path in conflicts if name == other.name}
        owned_by_others |= other.paths
    # Whole list items first (their "." entry), then leaves deepest first.
    for path in sorted(previous - applied - owned_by_others, key=lambda p: (p[-1] != ".", -len(p))):
        remove_path(base, path)
    result: dict[str, Any] = _apply_merge(base, config)
    if mine is None:
        mine = Manager(manager, "Apply", api_version, now, set())
        managers.append(mine)
    mine.paths = applied
    mine.time = now
    mine.api_version = api_version
    write_managers(result, managers)
    return result


def _apply_merge(live: Any, config: Any, field: str = "") -> Any:
    if isinstance(config, dict):
        out = dict(live) if isinstance(live, dict) else {}
        for key, value in config.items():
            out[key] = _apply_merge(out.get(key), value, key)
        return out
    if isinstance(config, list) and all(isinstance(i, dict) for i in config):
        key = merge_key_for(field, config + (live if isinstance(live, list) else []))
        if key is not None and isinstance(live, list):
            result = [copy.deepcopy(i) for i in live]
            for item in config:
                position = next(
                    (n for n, e in enumerate(result) if isinstance(e, dict) and e.get(key) == item.get(key)), None
                )
                if position is None:
                    result.append(copy.deepcopy(item))
                else:
                    result[position] = _apply_merge(result[position], item)
            return result
    return copy.deepcopy(config)


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    now: str,
    subresource: str = "",
) -> None:
    """Give ``manager`` (operation Update) the fields whose values changed between old and new."""
    managers = read_managers(old) if old is not None else []
    new_paths = field_paths(new)
    changed = new_paths if old is None else {p for p in new_paths if value_at(old, p) != value_at(new, p)}
    gone = field_paths(old) - new_paths if old is not None else set()
    for m in managers:
        m.paths -= changed
        m.paths -= gone
    if changed:
        mine = next((m for m in managers if m.name == manager and m.operation == "Update"), None)
        if mine is None:
            mine = Manager(manager, "Update", api_version, now, set(), subresource)
            managers.append(mine)
        mine.paths |= changed
        mine.time = now
    write_managers(new, managers)
