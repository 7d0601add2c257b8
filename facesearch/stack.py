"""Local mode: Weaviate, the face vectorizer and the search API as processes on this machine.

State lives in `settings.state_dir`: `data/` (Weaviate's files), `logs/<service>.log`, `run/<service>.pid`.
Starting is idempotent (a service that answers is left running) and so is stopping.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from facesearch import WEAVIATE_VERSION
from facesearch.settings import ROOT, Settings


SERVICES = ("vectorizer", "weaviate", "api")
"""In start order: Weaviate's module waits for the vectorizer at start-up, the API needs both."""


class StackError(RuntimeError):
    """A service did not start; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str


def default_weaviate_bin() -> Path:
    """Where start.sh caches the weaviate-server it builds: outside the project, one per version."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "facesearch" / f"weaviate-{WEAVIATE_VERSION}" / "weaviate-server"


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as FACESEARCH_* variables, so child processes see the same configuration."""
    env = {}
    for field, value in settings.model_dump().items():
        if value is not None:
            env[f"FACESEARCH_{field.upper()}"] = json.dumps(value) if isinstance(value, list) else str(value)
    return env


def ensure_weaviate_key(settings: Settings) -> str:
    """Weaviate's API key: the configured one, else the one in the state folder, made there (mode 0600) if absent."""
    from facesearch.store import weaviate_key

    key = weaviate_key(settings)
    if key is None:
        key = secrets.token_urlsafe(32)
        path = settings.weaviate_key_file
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key + "\n")
    return key


def weaviate_env(settings: Settings, data_dir: Path, api_key: str) -> dict[str, str]:
    """Weaviate's own configuration for a single local node with our face vectorizer: API key only,
    backups to `settings.backups_path` through its backup-filesystem module."""
    base = settings.weaviate_cluster_port
    return {
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
        "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": api_key,
        "AUTHENTICATION_APIKEY_USERS": "facesearch",
        "PERSISTENCE_DATA_PATH": str(data_dir),
        "ENABLE_MODULES": "img2vec-neural,backup-filesystem",
        "BACKUP_FILESYSTEM_PATH": str(settings.backups_path),
        "IMAGE_INFERENCE_API": settings.image_inference_api,
        "DEFAULT_VECTORIZER_MODULE": "none",
        "QUERY_DEFAULTS_LIMIT": "25",
        "DISABLE_TELEMETRY": "true",
        "GRPC_PORT": str(settings.weaviate_grpc_port),
        "CLUSTER_HOSTNAME": "facesearch",
        # Loopback, so Raft never binds to a host address it cannot parse (an unbracketed IPv6).
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "CLUSTER_IN_LOCALHOST": "true",
        "CLUSTER_GOSSIP_BIND_PORT": str(base),
        "CLUSTER_DATA_BIND_PORT": str(base + 1),
        "RAFT_PORT": str(base + 2),
        "RAFT_INTERNAL_RPC_PORT": str(base + 3),  # with CLUSTER_IN_LOCALHOST Weaviate dials Raft port + 1
        "RAFT_JOIN": f"facesearch:{base + 2}",
        "RAFT_BOOTSTRAP_EXPECT": "1",
        "PROFILING_PORT": str(base + 4),
    }


class LocalStack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = settings.state_dir
        self._children: list[subprocess.Popen] = []  # kept so they are reaped, not warned about
        for sub in ("data", "logs", "run"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)

    def services(self) -> list[Service]:
        """The commands, environments and readiness URLs of SERVICES, in that order."""
        s, py = self.settings, sys.executable
        env = settings_env(s)
        uvicorn = [py, "-m", "uvicorn", "--factory", "--no-access-log"]
        return [
            Service(
                "vectorizer",
                uvicorn + ["facesearch.vectorizer.app:create_app", "--host", s.vectorizer_host,
                           "--port", str(s.vectorizer_port), "--workers", str(s.vectorizer_workers)],
                env,
                f"{s.vectorizer_url}/.well-known/ready",
            ),
            Service(
                "weaviate",
                [str(self.weaviate_bin()), "--host", s.weaviate_host, "--port", str(s.weaviate_port), "--scheme", "http",
                 "--read-timeout=600s", "--write-timeout=600s"],
                weaviate_env(s, self.state / "data" / "weaviate", ensure_weaviate_key(s)),
                f"{s.weaviate_url}/v1/.well-known/ready",
            ),
            Service(
                "api",
                uvicorn + ["facesearch.api.app:create_app", "--host", s.api_host, "--port", str(s.api_port)],
                env,
                f"{s.api_url}/api/health",
            ),
        ]

    def weaviate_bin(self) -> Path:
        path = self.settings.weaviate_bin or default_weaviate_bin()
        if not path.is_file():
            raise StackError(f"No weaviate-server at {path}. Run `bash start.sh`, which builds it, or set WEAVIATE_BIN.")
        return path

    def start(self, log=print) -> None:  # noqa: ANN001 - any print-like callable
        for service in self.services():
            if self.pid(service.name) and answers(service.ready_url):
                log(f"{service.name}: already running")
                continue
            log(f"{service.name}: starting")
            self.spawn(service)
            self.wait_ready(service)
            log(f"{service.name}: ready")

    def restart(self, names: Iterable[str], log=print) -> None:  # noqa: ANN001 - any print-like callable
        """Stop these services (if they run) and start them with this stack's settings, in start order.

        After a setting changed, `LocalStack(new_settings).restart(["vectorizer", "api"])` on the same
        state folder runs them with the new one (the face model, say) and leaves Weaviate running.
        """
        wanted = set(names)
        for service in (s for s in self.services() if s.name in wanted):
            pid = self.pid(service.name)
            if pid:
                terminate(pid)
            log(f"{service.name}: restarting")
            self.spawn(service)
            self.wait_ready(service)
            log(f"{service.name}: ready")

    def spawn(self, service: Service) -> None:
        log_file = self.state / "logs" / f"{service.name}.log"
        with open(log_file, "ab") as out:
            process = subprocess.Popen(
                service.command, env={**os.environ, **service.env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self._children.append(process)
        (self.state / "run" / f"{service.name}.pid").write_text(str(process.pid))

    def wait_ready(self, service: Service) -> None:
        deadline = time.monotonic() + self.settings.startup_timeout_s
        while time.monotonic() < deadline:
            if answers(service.ready_url):
                return
            if not self.pid(service.name):
                raise StackError(f"{service.name} exited while starting.\n{self.log_tail(service.name)}")
            time.sleep(0.25)
        raise StackError(
            f"{service.name} was not ready at {service.ready_url} after {self.settings.startup_timeout_s:.0f} s.\n"
            f"{self.log_tail(service.name)}"
        )

    def stop(self, log=print) -> bool:  # noqa: ANN001
        """Stop every running service, API first; False when nothing was running."""
        stopped = False
        for service in reversed(SERVICES):
            pid = self.pid(service)
            if pid:
                terminate(pid)
                log(f"{service}: stopped")
                stopped = True
            (self.state / "run" / f"{service}.pid").unlink(missing_ok=True)
        for child in self._children:
            child.poll()  # collect the exit status of what this object started
        return stopped

    def pid(self, name: str) -> int | None:
        """The pid of a running service started from this state folder, or None."""
        pid_file = self.state / "run" / f"{name}.pid"
        try:
            pid = int(pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return None if is_zombie(pid) else pid

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.state / "logs" / f"{name}.log"
        text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
        return f"--- last lines of {path} ---\n" + "\n".join(text)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).is_success
    except httpx.HTTPError:
        return False


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return False


def reap(pid: int) -> None:
    """Collect a child that has exited (a no-op for processes another run started)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def terminate(pid: int, timeout_s: float = 20.0) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after `timeout_s` seconds."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if is_zombie(pid):
            reap(pid)
            return
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)


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
    values: dict[str, object] = {
        "weaviate_port": free_port(),
        "weaviate_grpc_port": free_port(),
        "weaviate_cluster_port": free_port_block(5),
        "vectorizer_port": free_port(),
        "api_port": free_port(),
        "state_dir": state_dir,
        "images_dir": images_dir,
        "startup_timeout_s": 180,
    }
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[arg-type]
