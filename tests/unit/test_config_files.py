"""Settings, .env.example and the compose files agree (compose cannot run here; this is what can be checked)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from facesearch import WEAVIATE_VERSION
from facesearch.settings import ROOT, Settings
from tests.compose import compose_project, volume_target

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def env_name(field: str) -> str:
    """The variable a setting is read from: its first alias (WEAVIATE_BIN, AWS_*), else FACESEARCH_<FIELD>."""
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if alias is not None else f"FACESEARCH_{field.upper()}"


def test_every_setting_is_documented_in_env_example() -> None:
    missing = [env_name(f) for f in Settings.model_fields if env_name(f) not in ENV_EXAMPLE]
    assert missing == []


def test_env_example_names_only_real_settings() -> None:
    names = set(re.findall(r"\b(FACESEARCH_[A-Z0-9_]+)=", ENV_EXAMPLE))
    assert names <= {env_name(f) for f in Settings.model_fields}


def test_weaviate_bin_is_read_from_its_own_name(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("WEAVIATE_BIN", "/opt/weaviate-server")
    assert str(Settings(_env_file=None).weaviate_bin) == "/opt/weaviate-server"


def test_compose_weaviate_is_the_pinned_version() -> None:
    assert COMPOSE["services"]["weaviate"]["image"] == f"cr.weaviate.io/semitechnologies/weaviate:{WEAVIATE_VERSION}"
    scripts = (ROOT / "scripts" / "lib.sh").read_text()
    assert f"WEAVIATE_VERSION={WEAVIATE_VERSION}\n" in scripts


def test_every_compose_service_has_a_health_check() -> None:
    assert all("healthcheck" in s for s in COMPOSE["services"].values())


def test_compose_uses_real_setting_names() -> None:
    fields = {env_name(f) for f in Settings.model_fields}
    for name, service in COMPOSE["services"].items():
        used = set(service.get("environment", {})) | set(re.findall(r"\$\{(FACESEARCH_[A-Z0-9_]+)", str(service)))
        assert {n for n in used if n.startswith("FACESEARCH_")} <= fields, name


def test_compose_weaviate_needs_its_key_and_is_not_published() -> None:
    weaviate = COMPOSE["services"]["weaviate"]
    env = weaviate["environment"]
    assert env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "false"
    assert env["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    assert env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"].startswith("${FACESEARCH_WEAVIATE_API_KEY:?")
    assert "ports" not in weaviate
    assert [n for n, s in COMPOSE["services"].items() if "ports" in s] == ["app"]


def test_compose_weaviate_uses_img2vec_with_our_vectorizer_and_a_resnet50_profile() -> None:
    weaviate = COMPOSE["services"]["weaviate"]["environment"]
    assert weaviate["ENABLE_MODULES"] == "img2vec-neural,backup-${FACESEARCH_BACKUP_BACKEND:-filesystem}"
    assert weaviate["IMAGE_INFERENCE_API"].endswith("http://vectorizer:8080}")
    resnet = COMPOSE["services"]["resnet50"]
    assert resnet["image"] == "cr.weaviate.io/semitechnologies/img2vec-pytorch:resnet50"
    assert resnet["profiles"] == ["resnet50"]
    assert COMPOSE["services"]["app"]["depends_on"]["weaviate"]["condition"] == "service_healthy"


@pytest.mark.parametrize(("machine", "arch"), [("x86_64", "amd64"), ("amd64", "amd64"), ("aarch64", "arm64")])
def test_release_fallback_downloads_weaviates_documented_asset(machine: str, arch: str) -> None:
    """Weaviate's Linux release assets are weaviate-v<version>-linux-<arch>.tar.gz (no internet here to fetch one)."""
    url = subprocess.run(
        ["bash", "-c", f'source scripts/lib.sh && weaviate_release_url {WEAVIATE_VERSION} {machine}'],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert url == (
        f"https://github.com/weaviate/weaviate/releases/download/v{WEAVIATE_VERSION}/"
        f"weaviate-v{WEAVIATE_VERSION}-linux-{arch}.tar.gz"
    )


def test_release_fallback_refuses_an_architecture_without_a_release() -> None:
    result = subprocess.run(
        ["bash", "-c", "source scripts/lib.sh && weaviate_release_url 1.35.2 riscv64"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1 and "riscv64" in result.stderr


COMPOSE_S3 = {
    "BACKUP_S3_BUCKET": "${FACESEARCH_BACKUP_S3_BUCKET:-}",
    "BACKUP_S3_ENDPOINT": "${FACESEARCH_BACKUP_S3_ENDPOINT:-}",
    "BACKUP_S3_PATH": "${FACESEARCH_BACKUP_S3_PATH:-}",
    "BACKUP_S3_USE_SSL": "${FACESEARCH_BACKUP_S3_USE_SSL:-true}",
    "AWS_ACCESS_KEY_ID": "${AWS_ACCESS_KEY_ID:-}",
    "AWS_SECRET_ACCESS_KEY": "${AWS_SECRET_ACCESS_KEY:-}",
    "AWS_REGION": "${AWS_REGION:-}",
}
"""What compose passes to Weaviate's backup-s3 module: facesearch's settings (from .env), empty when unset (the
module's defaults: AWS's endpoint, the bucket's root, https, the machine's IAM role)."""


def test_compose_weaviate_backs_up_with_the_module_the_app_asks_for() -> None:
    weaviate, app = COMPOSE["services"]["weaviate"]["environment"], COMPOSE["services"]["app"]["environment"]
    assert {k: weaviate[k] for k in COMPOSE_S3} == COMPOSE_S3
    assert app["FACESEARCH_BACKUP_BACKEND"] == "${FACESEARCH_BACKUP_BACKEND:-filesystem}"
    assert Settings.model_fields["backup_backend"].default == "filesystem"


# docker-compose.cluster.yml: Weaviate as a three-node cluster, an override of docker-compose.yml.

CLUSTER_FILES = ("docker-compose.yml", "docker-compose.cluster.yml")
NODE_DATA = "/var/lib/weaviate"


CLUSTER = compose_project(*CLUSTER_FILES)
SINGLE = compose_project("docker-compose.yml")["services"]["weaviate"]
NODES = [name for name in CLUSTER["services"] if re.fullmatch(r"weaviate\d*", name)]


def node_env(name: str) -> dict[str, str]:
    return CLUSTER["services"][name]["environment"]


def without_cluster(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith(("CLUSTER_", "RAFT_"))}


def test_compose_cluster_nodes_all_back_up_to_the_same_s3_settings() -> None:
    """Weaviate backs a cluster up only to S3, GCS or Azure, from every node: each node has the module and its
    settings (the filesystem backend stays the default, and a cluster's `backup` says to set s3)."""
    for name in NODES:
        env = node_env(name)
        assert env["ENABLE_MODULES"] == "img2vec-neural,backup-${FACESEARCH_BACKUP_BACKEND:-filesystem}", name
        assert {k: env[k] for k in COMPOSE_S3} == COMPOSE_S3, name


def test_compose_cluster_has_three_nodes_on_the_pinned_weaviate() -> None:
    assert NODES == ["weaviate", "weaviate2", "weaviate3"]
    image = f"cr.weaviate.io/semitechnologies/weaviate:{WEAVIATE_VERSION}"
    assert [CLUSTER["services"][n]["image"] for n in NODES] == [image] * 3
    assert SINGLE["image"] == image
    assert f"WEAVIATE_VERSION={WEAVIATE_VERSION}\n" in (ROOT / "scripts" / "lib.sh").read_text()


def test_compose_cluster_nodes_are_the_single_node_but_for_cluster_settings_and_data() -> None:
    """Modules, API key, inference API, backup folder, command, health check, restart and dependencies on the
    vectorizer: all as docker-compose.yml's one node has them."""
    def shared(service: dict) -> dict:
        return {k: v for k, v in service.items() if k not in {"environment", "volumes", "depends_on"}}

    for name in NODES:
        node = CLUSTER["services"][name]
        assert shared(node) == shared(SINGLE), name
        assert without_cluster(node["environment"]) == without_cluster(SINGLE["environment"]), name
        backups = {volume_target(v): v for v in node["volumes"]}["/var/lib/weaviate-backups"]
        assert backups == {volume_target(v): v for v in SINGLE["volumes"]}["/var/lib/weaviate-backups"], name
        assert {k: v for k, v in node["depends_on"].items() if k in SINGLE["depends_on"]} == SINGLE["depends_on"], name


def test_compose_cluster_nodes_have_their_own_names_and_data_volumes() -> None:
    names = [node_env(n)["CLUSTER_HOSTNAME"] for n in NODES]
    assert len(set(names)) == len(NODES)
    data = [{volume_target(v): v for v in CLUSTER["services"][n]["volumes"]}[NODE_DATA].split(":")[0] for n in NODES]
    assert len(set(data)) == len(NODES)
    assert set(data) <= set(CLUSTER["volumes"])


def test_compose_cluster_raft_expects_and_names_every_node() -> None:
    names = sorted(node_env(n)["CLUSTER_HOSTNAME"] for n in NODES)
    for name in NODES:
        env = node_env(name)
        assert env["RAFT_BOOTSTRAP_EXPECT"] == str(len(NODES)), name
        voters = [v.split(":") for v in env["RAFT_JOIN"].split(",")]
        assert sorted(v[0] for v in voters) == names, name
        assert all(v[1:] in ([], [env["RAFT_PORT"]]) for v in voters), name


def test_compose_cluster_nodes_listen_on_the_same_cluster_ports() -> None:
    """Each node has its own address in the compose network, so all use one set of ports (as Weaviate expects
    outside CLUSTER_IN_LOCALHOST)."""
    ports = ("CLUSTER_GOSSIP_BIND_PORT", "CLUSTER_DATA_BIND_PORT", "RAFT_PORT", "RAFT_INTERNAL_RPC_PORT")
    assert {tuple(node_env(n)[p] for p in ports) for n in NODES} == {("7100", "7101", "8300", "8301")}
    assert all(node_env(n).get("CLUSTER_IN_LOCALHOST", "false") == "false" for n in NODES)


def test_compose_cluster_nodes_join_every_node_themselves_first() -> None:
    """Itself first (Weaviate joins only when the first name resolves, and joining itself succeeds, so a node
    always starts), then the others (so any node, restarted alone, rejoins those that run)."""
    gossip = node_env(NODES[0])["CLUSTER_GOSSIP_BIND_PORT"]
    for node in NODES:
        joins = node_env(node)["CLUSTER_JOIN"].split(",")
        assert joins[0] == f"{node}:{gossip}" and sorted(joins) == sorted(f"{n}:{gossip}" for n in NODES), node


def test_compose_cluster_nodes_wait_for_the_first_to_start_not_to_be_ready() -> None:
    """No node is ready before the cluster has a Raft leader, which a new cluster elects once every node is up:
    a node waiting for another's health would wait for ever."""
    first, *others = NODES
    assert all(CLUSTER["services"][n]["depends_on"][first]["condition"] == "service_started" for n in others)
    for name in NODES:
        waits = CLUSTER["services"][name]["depends_on"]
        assert {waits[n]["condition"] for n in NODES if n in waits} <= {"service_started"}, name


def test_compose_cluster_traffic_between_nodes_needs_the_weaviate_key() -> None:
    for name in NODES:
        env = node_env(name)
        assert env["CLUSTER_BASIC_AUTH_USERNAME"] == env["AUTHENTICATION_APIKEY_USERS"] == "facesearch", name
        assert env["CLUSTER_BASIC_AUTH_PASSWORD"] == env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"], name
        assert env["CLUSTER_BASIC_AUTH_PASSWORD"].startswith("${FACESEARCH_WEAVIATE_API_KEY:?"), name


def test_compose_cluster_publishes_only_the_app() -> None:
    assert [n for n, s in CLUSTER["services"].items() if "ports" in s] == ["app"]


def test_compose_cluster_app_uses_every_node(monkeypatch) -> None:  # noqa: ANN001
    app = CLUSTER["services"]["app"]
    assert all(app["depends_on"][n]["condition"] == "service_healthy" for n in NODES)
    env = app["environment"]
    assert {n for n in env if n.startswith("FACESEARCH_")} <= {env_name(f) for f in Settings.model_fields}
    for name in ("FACESEARCH_WEAVIATE_NODES", "FACESEARCH_WEAVIATE_HOSTS"):
        monkeypatch.setenv(name, env[name])
    settings = Settings(_env_file=None)
    assert settings.weaviate_hosts == NODES
    assert settings.weaviate_nodes == len(NODES)


FAKE_DOCKER = """#!/usr/bin/env bash
echo "$*" >> "$DOCKER_LOG"
[[ "$*" != *" ps -q" ]] || echo 5f2c0e
"""


def run_with_fake_docker(tmp_path: Path, script: str, env: dict[str, str]) -> list[str]:
    """Run a copy of `script` (with scripts/lib.sh, in tmp_path so nothing of the checkout changes) with a
    `docker` that answers and only records its arguments; returns the arguments of each `docker compose` call."""
    (tmp_path / "scripts").mkdir()
    for name in (script, "scripts/lib.sh"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "docker").write_text(FAKE_DOCKER)
    (tmp_path / "bin" / "docker").chmod(0o755)
    log = tmp_path / "docker.log"
    base = {k: v for k, v in os.environ.items() if not k.startswith("FACESEARCH_")}
    base |= {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "DOCKER_LOG": str(log)}
    base["FACESEARCH_WEAVIATE_API_KEY"] = "k"  # so start.sh makes no key
    subprocess.run(["bash", str(tmp_path / script)], env=base | env, check=True, capture_output=True, timeout=60)
    return [line for line in log.read_text().splitlines() if line.startswith("compose")]


@pytest.mark.parametrize(("nodes", "files"), [("3", "-f docker-compose.yml -f docker-compose.cluster.yml "), ("1", "")])
def test_start_sh_runs_compose_with_the_cluster_file_for_three_nodes(tmp_path: Path, nodes: str, files: str) -> None:
    calls = run_with_fake_docker(tmp_path, "start.sh", {"FACESEARCH_WEAVIATE_NODES": nodes})
    assert calls[0] == f"compose {files}up -d --build --wait --wait-timeout 600"
    assert len(calls) >= 3 and all(c.startswith(f"compose {files}exec -T app ") for c in calls[1:])


def test_stop_sh_stops_every_node_of_either_compose_variant(tmp_path: Path) -> None:
    calls = run_with_fake_docker(tmp_path, "stop.sh", {})
    assert calls == [f"compose -f {CLUSTER_FILES[0]} -f {CLUSTER_FILES[1]} {c}" for c in ("ps -q", "stop")]
