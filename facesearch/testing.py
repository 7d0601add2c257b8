"""Helpers for the tests and the benchmarks, never imported by the product: private stacks on free ports, Weaviate
collections of a test's own, and a MinIO server (S3) for their backups."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import socket
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from facesearch.local.stack import CLUSTER_PORTS, StackError
from facesearch.settings import Settings

if TYPE_CHECKING:
    from facesearch.store.library import Library
    from facesearch.store.people import People


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
    """Settings for a private stack (tests, benchmarks): free ports, its own state and people folders; no folder
    watcher unless `watch=True` (a test that indexes a folder itself wants no watcher indexing it meanwhile)."""
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
        "watch": False,
    }
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[arg-type]



MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"
"""The MinIO server the backup tests run (github.com/minio/minio has no semver tags: this is its Go module
version, built by scripts/lib.sh's `ensure_minio`)."""
S3_REGION = "us-east-1"


COLLECTIONS = ("collection", "library_collection", "library_photo_collection", "library_group_collection")
"""The settings naming facesearch's Weaviate collections."""


def own_collections(settings: Settings, prefix: str, **update: object) -> Settings:
    """The same install with every collection of its own (named after `prefix` and a random suffix), so that tests
    and benchmarks sharing a Weaviate never meet."""
    suffix = uuid.uuid4().hex[:8]
    names = {field: f"{prefix}{field.title().replace('_', '')}{suffix}" for field in COLLECTIONS}
    return settings.model_copy(update={**names, **update})


def drop_collections(client, settings: Settings) -> None:  # noqa: ANN001 - a weaviate client
    """Delete every collection `settings` names (those that do not exist are left alone)."""
    for field in COLLECTIONS:
        client.collections.delete(getattr(settings, field))


@contextmanager
def private_library(settings: Settings, prefix: str, **update: object) -> Iterator[tuple[Settings, People, Library]]:
    """The people's and the library's collections of a test's own on `settings`' Weaviate (`own_collections`), made
    empty and deleted at the end: (those settings, the people, the library)."""
    from facesearch.store.connection import connect
    from facesearch.store.library import ensure_library
    from facesearch.store.people import ensure_people
    from facesearch.store.space import vector_space

    own = own_collections(settings, prefix, **update)
    client = connect(own)
    try:
        space = vector_space(own)
        yield own, ensure_people(client, own, space), ensure_library(client, own, space)
    finally:
        drop_collections(client, own)
        client.close()


def default_minio_bin() -> Path:
    """Where scripts/lib.sh caches the MinIO it builds ($MINIO_BIN wins): outside the project, one per version."""
    if os.environ.get("MINIO_BIN"):
        return Path(os.environ["MINIO_BIN"])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "facesearch" / f"minio-{MINIO_VERSION}" / "minio"


@dataclass(frozen=True)
class S3Server:
    """A MinIO server on this machine: S3 over plain http on 127.0.0.1:`port`, one access key."""

    port: int
    access_key: str
    secret_key: str
    log: Path

    @property
    def endpoint(self) -> str:
        """host:port, as Weaviate's backup-s3 module takes it (FACESEARCH_BACKUP_S3_ENDPOINT)."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def settings(self, bucket: str, prefix: str) -> dict[str, object]:
        """Settings that send backups to `prefix` in `bucket` of this server, with its key."""
        return {"backup_backend": "s3", "backup_s3_bucket": bucket, "backup_s3_endpoint": self.endpoint,
                "backup_s3_path": prefix, "backup_s3_use_ssl": False, "aws_access_key_id": self.access_key,
                "aws_secret_access_key": self.secret_key, "aws_region": S3_REGION}

    def request(self, method: str, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        """`method` `path` (e.g. /bucket) with no body, signed with AWS Signature Version 4 as S3 wants."""
        params = params or {}
        now = datetime.now(timezone.utc)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        empty = hashlib.sha256(b"").hexdigest()
        query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items()))
        headers = {"host": self.endpoint, "x-amz-content-sha256": empty, "x-amz-date": stamp}
        names = ";".join(headers)
        canonical = "\n".join([method, quote(path), query, *(f"{k}:{v}" for k, v in headers.items()), "", names, empty])
        scope = f"{day}/{S3_REGION}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = f"AWS4{self.secret_key}".encode()
        for part in (day, S3_REGION, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, SignedHeaders={names}, "
                                    f"Signature={signature}")
        return httpx.request(method, f"{self.url}{path}", params=params, headers=headers, timeout=30)

    def create_bucket(self, bucket: str) -> None:
        self.request("PUT", f"/{bucket}").raise_for_status()

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """The keys of the objects in `bucket` under `prefix` (ListObjectsV2: the first 1000)."""
        response = self.request("GET", f"/{bucket}", {"list-type": "2", "prefix": prefix})
        response.raise_for_status()
        ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
        return [key.text or "" for key in ET.fromstring(response.content).findall("s3:Contents/s3:Key", ns)]


@contextmanager
def s3_server(folder: Path, timeout_s: float = 120.0) -> Iterator[S3Server]:
    """A MinIO server (`default_minio_bin()`) on a free port of `own_ports()`, its objects in `folder/data` and
    its output in `folder/minio.log`: started, waited for (at most `timeout_s` s, else StackError with its log),
    and stopped on leaving, whatever happened."""
    binary = default_minio_bin()
    if not binary.is_file():
        raise StackError(f"No MinIO server at {binary}: `bash tests/run.sh` builds it, or set MINIO_BIN.")
    server = S3Server(free_port(), "facesearch-tests", secrets.token_urlsafe(24), folder / "minio.log")
    # No web console (so no second port), and no asking MinIO's site for a newer version (--quiet does not either).
    env = {**os.environ, "MINIO_ROOT_USER": server.access_key, "MINIO_ROOT_PASSWORD": server.secret_key,
           "MINIO_BROWSER": "off", "MINIO_UPDATE": "off"}
    with server.log.open("wb") as out:
        command = [str(binary), "server", str(folder / "data"), "--address", server.endpoint, "--quiet"]
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_s3(server, process, timeout_s)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_s3(server: S3Server, process: subprocess.Popen, timeout_s: float) -> None:
    """Return once `server` is ready; StackError with its log when it exits or `timeout_s` s pass first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{server.url}/minio/health/ready", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    exited = process.poll() is not None
    state = f"exited with {process.returncode}" if exited else f"did not answer in {timeout_s:.0f} s"
    raise StackError(f"MinIO on port {server.port} {state}:\n{server.log.read_text(errors='replace')[-3000:]}")
