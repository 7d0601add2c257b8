"""The Weaviate cluster as facesearch sees it: which nodes are in it, and how many objects each holds.

Read from Weaviate's `GET /v1/nodes` (verbose) on any node that answers. A node that is down is missing
from that answer or listed as not HEALTHY; while Weaviate cannot answer it (a node just lost), each node is
asked whether it is ready. The cluster is degraded when fewer than `settings.weaviate_nodes` are in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import weaviate
from weaviate.classes.config import ConsistencyLevel
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateBaseError

from facesearch.errors import NotReady
from facesearch.settings import Settings, WeaviateEndpoint, node_hostname, weaviate_key
from facesearch.store.connection import connect_node, connect_to, ready

IN = "HEALTHY"
"""Weaviate's status of a node that is in the cluster and serving."""


@dataclass(frozen=True)
class NodeState:
    """One node: its name, Weaviate's status of it (HEALTHY, UNHEALTHY, UNAVAILABLE, ...; "DOWN" when the cluster
    does not list it), and the objects its shards hold (every copy counted on the node that holds it)."""

    name: str
    status: str
    objects: int | None

    @property
    def in_cluster(self) -> bool:
        return self.status == IN


@dataclass(frozen=True)
class Health:
    """The cluster's nodes; `degraded` when fewer than `expected` are in it (but one answered)."""

    nodes: list[NodeState]
    expected: int

    @property
    def down(self) -> list[str]:
        return [n.name for n in self.nodes if not n.in_cluster]

    @property
    def degraded(self) -> bool:
        return sum(n.in_cluster for n in self.nodes) < self.expected


def nodes(
    client: weaviate.WeaviateClient, settings: Settings, expected_names: Sequence[str] = (), count: bool = True
) -> list[NodeState]:
    """Every node the cluster lists, then each of `expected_names` it does not list (status DOWN), by name.

    `expected_names[k]` is the node at `settings.weaviate_endpoints[k]` (local mode): with `count`, its objects
    are counted there (its own copies when every node holds every shard, as with replication factor = nodes). Other nodes' counts are Weaviate's, which lag
    behind writes until the node writes its memory to disk. While Weaviate cannot list its nodes (a node
    just lost), each node is asked whether it is ready."""
    try:
        found = client.cluster.nodes(output="verbose")
    except UnexpectedStatusCodeError:  # 500 while a lost node is still counted in (the first seconds)
        return by_readiness(settings, expected_names, count)
    at, key = dict(zip(expected_names, settings.weaviate_endpoints)), weaviate_key(settings)
    listed = []
    for n in found:
        counted_here = count and n.name in at and n.status == IN
        objects = count_on(at[n.name], key) if counted_here else sum(shard.object_count for shard in n.shards or [])
        listed.append(NodeState(n.name, n.status, objects))
    missing = [NodeState(name, "DOWN", None) for name in expected_names if name not in {n.name for n in listed}]
    return sorted(listed + missing, key=lambda n: natural(n.name))


def by_readiness(settings: Settings, expected_names: Sequence[str], count: bool) -> list[NodeState]:
    """Each node of `settings.weaviate_endpoints`, named by `expected_names` (else by its address): in the
    cluster if it says it is ready (objects counted with `count`), else DOWN."""
    key, states = weaviate_key(settings), []
    for k, endpoint in enumerate(settings.weaviate_endpoints):
        name = expected_names[k] if k < len(expected_names) else endpoint.url
        up = ready(endpoint)
        states.append(NodeState(name, IN if up else "DOWN", count_on(endpoint, key) if up and count else None))
    return states


def local_names(settings: Settings) -> list[str]:
    """The nodes' names (CLUSTER_HOSTNAME) in local mode, in the order of their endpoints: facesearch,
    facesearch2, ...; none for a Weaviate elsewhere (`weaviate_hosts`), whose names facesearch does not set."""
    return [] if settings.weaviate_hosts else [node_hostname(k) for k in range(1, settings.weaviate_nodes + 1)]


def count_on(endpoint: WeaviateEndpoint, key: str | None) -> int | None:
    """Objects of every collection as the node at `endpoint` holds them (its own copies); None if it does not answer."""
    try:
        client = connect_to(endpoint, key)
    except (WeaviateBaseError, httpx.HTTPError):
        return None
    try:
        return sum(
            collection.with_consistency_level(ConsistencyLevel.ONE).aggregate.over_all(total_count=True).total_count or 0
            for collection in (client.collections.get(name) for name in client.collections.list_all(simple=True))
        )
    except WeaviateBaseError:
        return None
    finally:
        client.close()


def natural(name: str) -> tuple[str, int]:
    """facesearch < facesearch2 < facesearch10."""
    stem = name.rstrip("0123456789")
    return stem, int(name[len(stem):] or 1)


def health(client: weaviate.WeaviateClient, settings: Settings, count: bool = True) -> Health:
    """The cluster's nodes as the node `client` talks to sees them; NotReady when it does not answer."""
    try:
        return Health(nodes(client, settings, local_names(settings), count), settings.weaviate_nodes)
    except WeaviateBaseError as e:
        raise NotReady(f"Weaviate at {settings.weaviate_url} did not say which nodes are in its cluster.") from e


def status(settings: Settings) -> Health:
    """`health`, objects counted, through a new connection to the first ready node; when none is ready, each
    node as it answers on its own."""
    try:
        client, _ = connect_node(settings, schema=False)
    except NotReady:
        return Health(by_readiness(settings, local_names(settings), count=True), settings.weaviate_nodes)
    try:
        return health(client, settings)
    finally:
        client.close()


def status_lines(state: Health) -> list[str]:
    """`stack status`'s lines for the cluster: each node, whether it is in, its objects."""
    lines = [f"{'node':<14}{'in cluster':<12}{'objects':>9}"]
    for n in state.nodes:
        held = "-" if n.objects is None else f"{n.objects:,}"
        lines.append(f"{n.name:<14}{'yes' if n.in_cluster else 'no (' + n.status + ')':<12}{held:>9}")
    verdict = "degraded: " + ", ".join(state.down) + " not in the cluster" if state.degraded else "every node in"
    lines.append(f"cluster of {state.expected} node(s): {verdict}")
    return lines
