"""The compose files as `docker compose -f ... -f ...` would merge them, for the tests that check them (no Docker
engine runs here). Covers what facesearch's files use: `extends` (in the same file or another), mappings merged
key by key, volumes by their path in the container, anything else replaced."""

from __future__ import annotations

import re

import yaml

from facesearch.settings import ROOT


def volume_target(volume: str | dict) -> str:
    """A service volume's path in the container, from the long syntax or the short `source:target[:mode]` one
    (whose source may hold `${VAR:-default}`)."""
    if isinstance(volume, dict):
        return volume["target"]
    return re.fullmatch(r".*:(/[^:]*)(?::[a-zA-Z,]+)?", volume).group(1)


def merge(base: dict, over: dict) -> dict:
    """Compose's merge of one service definition over another, for what these files use: mappings merge key by
    key (environment, depends_on, healthcheck), volumes by their path in the container, anything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        if key == "volumes":
            merged[key] = list({volume_target(v): v for v in base.get(key, []) + value}.values())
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = merge(base[key], value)
        else:
            merged[key] = value
    return merged


def resolve_extends(service: dict, services: dict) -> dict:
    """`service` with its `extends` applied: the extended service (from `extends.file`, else from `services`,
    the same file's) with `service` merged over it."""
    if "extends" not in service:
        return service
    ref = service["extends"]
    ref = ref if isinstance(ref, dict) else {"service": ref}
    source = yaml.safe_load((ROOT / ref["file"]).read_text())["services"] if "file" in ref else services
    own = {k: v for k, v in service.items() if k != "extends"}
    return merge(resolve_extends(source[ref["service"]], source), own)


def compose_project(*files: str) -> dict:
    """Services and volumes as `docker compose -f files[0] -f files[1] ...` sees them: each file's `extends`
    resolved, then each file merged over the ones before it."""
    project: dict = {"services": {}, "volumes": {}}
    for name in files:
        doc = yaml.safe_load((ROOT / name).read_text())
        for service_name, service in doc["services"].items():
            resolved = resolve_extends(service, doc["services"])
            project["services"][service_name] = merge(project["services"].get(service_name, {}), resolved)
        project["volumes"].update(doc.get("volumes") or {})
    return project
