"""Helpers for the tests and the benchmarks, never imported by the product: private stacks on free ports."""

from __future__ import annotations

import socket
from pathlib import Path

from facesearch.local.stack import CLUSTER_PORTS, StackError
from facesearch.settings import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_block(n: int) -> int:
    """The first of `n` consecutive free ports."""
    for _ in range(100):
        base = free_port()
        if base + n < 65536 and all(_is_free(base + i) for i in range(n)):
            return base
    raise StackError(f"found no {n} consecutive free ports")


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
