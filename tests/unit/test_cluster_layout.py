"""The local cluster's layout: each node's ports, names, joins and data folder; the settings that shape it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from facesearch.local.stack import Service, node_lines, services_of, stages, weaviate_env, weaviate_ports
from facesearch.settings import ROOT, Settings
from facesearch.store.cluster import Health, NodeState, status_lines


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_one_node_is_the_default_and_keeps_the_single_node_names() -> None:
    s = settings()
    assert (s.weaviate_nodes, s.replication_factor, s.shards) == (1, 1, 1)
    assert services_of(s) == ("vectorizer", "weaviate", "api", "watcher")
    env = weaviate_env(s, 1, Path("/d"), "key")
    assert env["CLUSTER_HOSTNAME"] == "facesearch" and env["RAFT_BOOTSTRAP_EXPECT"] == "1"
    assert "CLUSTER_JOIN" not in env


def test_three_nodes_get_their_own_ports_names_and_one_raft_membership() -> None:
    s = settings(weaviate_nodes=3, weaviate_port=8080, weaviate_grpc_port=50051, weaviate_cluster_port=7946)
    assert s.replication_factor == 3
    assert services_of(s) == ("vectorizer", "weaviate", "weaviate2", "weaviate3", "api", "watcher")
    envs = [weaviate_env(s, k, Path(f"/d{k}"), "key") for k in (1, 2, 3)]
    assert [e["CLUSTER_HOSTNAME"] for e in envs] == ["facesearch", "facesearch2", "facesearch3"]
    assert [e["GRPC_PORT"] for e in envs] == ["50051", "50052", "50053"]
    assert [e["CLUSTER_GOSSIP_BIND_PORT"] for e in envs] == ["7946", "7951", "7956"]
    assert {e["RAFT_JOIN"] for e in envs} == {"facesearch:7948,facesearch2:7953,facesearch3:7958"}
    assert {e["CLUSTER_JOIN"] for e in envs} == {"127.0.0.1:7946,127.0.0.1:7951,127.0.0.1:7956"}
    assert {e["RAFT_BOOTSTRAP_EXPECT"] for e in envs} == {"3"}
    # Weaviate on one host dials a node's Raft RPC at its Raft port + 1.
    assert all(int(e["RAFT_INTERNAL_RPC_PORT"]) == int(e["RAFT_PORT"]) + 1 for e in envs)
    ports = [p.number for k in (1, 2, 3) for p in weaviate_ports(s, k)]
    assert len(ports) == len(set(ports)) == 18
    assert [e.url for e in s.weaviate_endpoints] == [f"http://127.0.0.1:{p}" for p in (8080, 8081, 8082)]


def test_every_node_and_its_ports_are_printed() -> None:
    lines = node_lines(settings(weaviate_nodes=3, weaviate_cluster_port=7946))
    assert lines[1].startswith("weaviate2 (node facesearch2): HTTP 8081, gRPC 50052, gossip 7951, data 7952, Raft 7953")


def test_the_nodes_start_together_between_the_vectorizer_and_the_api() -> None:
    names = services_of(settings(weaviate_nodes=3))
    grouped = stages([Service(n, [], {}, "") for n in names])
    assert [[s.name for s in stage] for stage in grouped] == [
        ["vectorizer"], ["weaviate", "weaviate2", "weaviate3"], ["api"], ["watcher"]
    ]


def test_a_replication_factor_above_the_node_count_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="FACESEARCH_REPLICATION_FACTOR is 3 but the cluster has 1 node"):
        settings(replication_factor=3)
    assert settings(weaviate_nodes=5).replication_factor == 3


def test_a_weaviate_elsewhere_is_reached_on_its_own_hosts_with_tls() -> None:
    one = settings(weaviate_hosts=["weaviate.example.org"], weaviate_port=443, weaviate_grpc_host="grpc.example.org",
                   weaviate_secure=True, weaviate_nodes=3)
    [endpoint] = one.weaviate_endpoints
    assert (endpoint.url, endpoint.grpc_host, endpoint.grpc_port) == ("https://weaviate.example.org:443", "grpc.example.org", 50051)
    many = settings(weaviate_hosts=["a", "b"], weaviate_nodes=2)
    assert [(e.host, e.port, e.grpc_host) for e in many.weaviate_endpoints] == [("a", 8080, "a"), ("b", 8080, "b")]


def test_a_node_out_of_the_cluster_makes_it_degraded() -> None:
    state = Health([NodeState("facesearch", "DOWN", None), NodeState("facesearch2", "HEALTHY", 9)], expected=2)
    assert state.degraded and state.down == ["facesearch"]
    lines = status_lines(state)
    assert lines[1].split() == ["facesearch", "no", "(DOWN)", "-"] and lines[2].split() == ["facesearch2", "yes", "9"]
    assert lines[-1] == "cluster of 2 node(s): degraded: facesearch not in the cluster"
    assert not Health([NodeState("facesearch", "HEALTHY", 1)], expected=1).degraded


def test_a_setting_the_cluster_cannot_have_is_one_sentence_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "FACESEARCH_REPLICATION_FACTOR": "3", "FACESEARCH_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "facesearch", "stack", "status"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: a setting: FACESEARCH_REPLICATION_FACTOR is 3 but the cluster has 1 node(s) "
        "(FACESEARCH_WEAVIATE_NODES); a node holds one copy at most."
    ), done.stderr
    env = {**os.environ, "FACESEARCH_WRITE_CONSISTENCY": "quorum", "FACESEARCH_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "facesearch", "stack", "status"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "error: FACESEARCH_WRITE_CONSISTENCY: Input should be 'ONE', 'QUORUM' or 'ALL'" in done.stderr
