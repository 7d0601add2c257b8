"""Helpers for the tests and the benchmarks, never imported by the product: private stacks on free ports."""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

from facesearch.local.stack import CLUSTER_PORTS, StackError
from facesearch.settings import Settings


PORTS = range(10_000, 32_000)
"""Where private stacks take their ports: below Linux's ephemeral range (32768-60999, see
/proc/sys/net/ipv4/ip_local_port_range), so that no outgoing connection and no `bind(0)` on this machine can take
one while a stack is stopped and started again (Weaviate then failed to bind its gRPC port)."""


def own_ports() -> range:
    """This process's share of PORTS: pytest-xdist's workers (PYTEST_XDIST_WORKER gwN of
    PYTEST_XDIST_WORKER_COUNT) each pick from their own part, so two never pick the same port."""
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % count
    size = len(PORTS) // count
    return range(PORTS.start + worker * size, PORTS.start + (worker + 1) * size)


def _is_free(port: int) -> bool:
    """Whether TCP `port` can be bound on every address now (as Weaviate binds its gRPC port)."""
    with socket.socket() as s:
        try:
            s.bind(("", port))
            return True
        except OSError:
            return False


def free_port_block(n: int) -> int:
    """The first of `n` consecutive free TCP ports of `own_ports()`."""
    ports = own_ports()
    for _ in range(200):
        base = random.randrange(ports.start, ports.stop - n)
        if all(_is_free(base + i) for i in range(n)):
            return base
    raise StackError(f"found no {n} consecutive free ports in {ports.start}-{ports.stop - 1}")


def free_port() -> int:
    """A TCP port of `own_ports()` that nothing listens on now."""
    return free_port_block(1)


def isolated_settings(state_dir: Path, images_dir: Path, **overrides: object) -> Settings:
    """Settings for a private stack (tests, benchmarks): free ports, its own state and people folders."""
    n = int(overrides.get("weaviate_nodes", 1))  # type: ignore[call-overload]
    weaviate = free_port_block((2 + CLUSTER_PORTS) * n)  # HTTP, gRPC, then the cluster ports of every node
    values: dict[str, object] = {
        "weaviate_port": weaviate,
        "weaviate_grpc_port": weaviate + n,
        "weaviate_cluster_port": weaviate + 2 * n,
        "vectorizer_port": free_port(),
        "api_port": free_port(),
        "state_dir": state_dir,
        "images_dir": images_dir,
        "startup_timeout_s": 180,
    }
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[arg-type]
