"""Local mode: Weaviate, the face vectorizer, the search API and the folder watcher as processes on this machine.

supervisord (facesearch/local/supervision.py) runs them and starts again, after a back-off when it keeps
failing, any that dies. State lives in `settings.state_dir`: `data/` (Weaviate's files),
`logs/<service>.log`, `logs/supervisord.log` and `run/` (the supervisor's configuration, pid file and
socket, and each service's launch file), all of it the owner's only (folders 0700, files 0600: Weaviate's
files hold every face; a start makes an older, more open state folder private). Starting is idempotent (a
service that answers is left running) and so is stopping; stopping ends the supervisor and everything under it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import stat
import sys
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from facesearch import WEAVIATE_VERSION
from facesearch.local.launch import end
from facesearch.local.supervision import (
    ALIVE, START_RETRIES, ProgramStatus, Supervisor, SupervisorError, write_private,
)
from facesearch.settings import ROOT, Settings, node_hostname, node_program, weaviate_key


SERVICES = ("vectorizer", "weaviate", "api")
"""In start order: Weaviate's module waits for the vectorizer at start-up, the API needs both. A cluster
has more Weaviate nodes after the first: see `services_of`."""
LEGACY_MARKERS = {"vectorizer": "facesearch.vectorizer.app", "weaviate": "weaviate", "api": "facesearch.api.app"}
"""What the command line of a service started by an older facesearch (with `run/<service>.pid`) contains."""
CLUSTER_PORTS = 5
"""Ports kept per Weaviate node from FACESEARCH_WEAVIATE_CLUSTER_PORT on: gossip, data, Raft, Raft RPC, one spare."""
PRIVATE_FOLDER = 0o700
"""The state folder and every folder in it: Weaviate's files hold every face, so they are the owner's only."""
WATCHER_MISSED = ("photos that change in the indexed library folders wait for an indexing, and the page says that "
                  "the watcher is not running")
"""What is missed while the folder watcher, an optional service, does not run."""


def services_of(settings: Settings) -> tuple[str, ...]:
    """The supervisor's programs in start order: the vectorizer, every Weaviate node, the API, and the folder
    watcher unless FACESEARCH_WATCH is false."""
    nodes = (node_program(k) for k in range(1, settings.weaviate_nodes + 1))
    return ("vectorizer", *nodes, "api", *(("watcher",) if settings.watch else ()))


class StackError(RuntimeError):
    """A service did not start; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Port:
    """A TCP port a service listens on (`udp`: it binds the same UDP port too), what for, and its setting."""

    number: int
    purpose: str
    setting: str
    udp: bool = False


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    ports: tuple[Port, ...] = ()
    optional: str = ""
    """Empty for a service the stack needs; else what is missed while it does not run: the stack runs without it,
    and a start where it does not get ready says so, and goes on."""


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
    key = weaviate_key(settings)
    if key is None:
        key = secrets.token_urlsafe(32)
        path = settings.weaviate_key_file
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key + "\n")
    return key


def weaviate_env(settings: Settings, k: int, data_dir: Path, api_key: str) -> dict[str, str]:
    """Weaviate's own configuration for local node k (from 1) of `settings.weaviate_nodes` with our face
    vectorizer: API key only, the configured backup module (see `backup_env`), the cluster's ports (see
    `weaviate_ports`)."""
    n = settings.weaviate_nodes
    gossip, data, raft, raft_rpc = cluster_ports(settings, k)
    env = {
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
        "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": api_key,
        "AUTHENTICATION_APIKEY_USERS": "facesearch",
        "PERSISTENCE_DATA_PATH": str(data_dir),
        "ENABLE_MODULES": f"img2vec-neural,{settings.backup_module}",
        **backup_env(settings),
        "IMAGE_INFERENCE_API": settings.image_inference_api,
        "DEFAULT_VECTORIZER_MODULE": "none",
        "QUERY_DEFAULTS_LIMIT": "25",
        "DISABLE_TELEMETRY": "true",
        "GRPC_PORT": str(settings.weaviate_grpc_port + k - 1),
        "CLUSTER_HOSTNAME": node_hostname(k),
        # Loopback, so Raft never binds to a host address it cannot parse (an unbracketed IPv6), and gossip,
        # Raft and Raft RPC listen on loopback only. (gRPC and the cluster data port always listen on every
        # address: Weaviate 1.35 has no setting for theirs; the data port needs this password.)
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "CLUSTER_BIND_ADDR": "127.0.0.1",
        "CLUSTER_BASIC_AUTH_USERNAME": "facesearch",
        "CLUSTER_BASIC_AUTH_PASSWORD": api_key,
        # Every node on one host: each has its own ports, and finds the others' Raft ports in RAFT_JOIN.
        "CLUSTER_IN_LOCALHOST": "true",
        "CLUSTER_GOSSIP_BIND_PORT": str(gossip),
        "CLUSTER_DATA_BIND_PORT": str(data),
        "RAFT_PORT": str(raft),
        "RAFT_INTERNAL_RPC_PORT": str(raft_rpc),  # with CLUSTER_IN_LOCALHOST Weaviate dials Raft port + 1
        "RAFT_JOIN": ",".join(f"{node_hostname(j)}:{cluster_ports(settings, j)[2]}" for j in range(1, n + 1)),
        "RAFT_BOOTSTRAP_EXPECT": str(n),
        # Weaviate always serves Go's profiler, on every address (port 6060 unless this is set); a port
        # that cannot be listened on leaves it off (Weaviate ignores that error).
        "GO_PROFILING_PORT": "-1",
    }
    if n > 1:
        # Every node, itself included (a join succeeds when one answers): a node started again after the others
        # finds them, whichever it is.
        env["CLUSTER_JOIN"] = ",".join(f"127.0.0.1:{cluster_ports(settings, j)[0]}" for j in range(1, n + 1))
    return env


def backup_env(settings: Settings) -> dict[str, str]:
    """Weaviate's variables for the configured backup module: the folder (backup-filesystem), or the bucket, the
    store and the AWS keys (backup-s3). backup-gcs and backup-azure read their own variables (BACKUP_GCS_BUCKET,
    GOOGLE_APPLICATION_CREDENTIALS, BACKUP_AZURE_CONTAINER, AZURE_STORAGE_CONNECTION_STRING, ...) from the
    environment the stack is started in."""
    s = settings
    if s.backup_backend == "filesystem":
        return {"BACKUP_FILESYSTEM_PATH": str(s.backups_path)}
    if s.backup_backend != "s3":
        return {}
    if not s.backup_s3_bucket:
        raise StackError("FACESEARCH_BACKUP_BACKEND is s3 but FACESEARCH_BACKUP_S3_BUCKET is unset: name the bucket "
                         "backups go to (Weaviate does not start without one).")
    if s.backup_s3_endpoint and "://" in s.backup_s3_endpoint:
        raise StackError(f"FACESEARCH_BACKUP_S3_ENDPOINT is {s.backup_s3_endpoint}: give host:port alone (Weaviate's "
                         "module refuses a scheme); FACESEARCH_BACKUP_S3_USE_SSL=false chooses http.")
    env = {
        "BACKUP_S3_BUCKET": s.backup_s3_bucket,
        "BACKUP_S3_ENDPOINT": s.backup_s3_endpoint,
        "BACKUP_S3_PATH": s.backup_s3_path,
        "BACKUP_S3_USE_SSL": "true" if s.backup_s3_use_ssl else "false",
        "AWS_ACCESS_KEY_ID": s.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": s.aws_secret_access_key,
        "AWS_REGION": s.aws_region,
    }
    return {name: value for name, value in env.items() if value}


def cluster_ports(settings: Settings, k: int) -> tuple[int, int, int, int]:
    """Node k's (from 1) gossip, data, Raft and Raft RPC ports: FACESEARCH_WEAVIATE_CLUSTER_PORT + 5(k - 1) + 0..3."""
    base = settings.weaviate_cluster_port + CLUSTER_PORTS * (k - 1)
    return base, base + 1, base + 2, base + 3


def weaviate_ports(settings: Settings, k: int = 1) -> tuple[Port, ...]:
    """The ports node k (from 1) listens on: HTTP, gRPC and four of its five cluster ports (the fifth stays unused)."""
    gossip, data, raft, raft_rpc = cluster_ports(settings, k)
    cluster, node = "FACESEARCH_WEAVIATE_CLUSTER_PORT", f"Weaviate node {k}'s" if settings.weaviate_nodes > 1 else "Weaviate's"
    return (
        Port(settings.weaviate_port + k - 1, f"{node} HTTP API", "FACESEARCH_WEAVIATE_PORT"),
        Port(settings.weaviate_grpc_port + k - 1, f"{node} gRPC API", "FACESEARCH_WEAVIATE_GRPC_PORT"),
        Port(gossip, f"{node} cluster gossip", cluster, udp=True),
        Port(data, f"{node} cluster data", cluster),
        Port(raft, f"{node} Raft", cluster),
        Port(raft_rpc, f"{node} Raft RPC", cluster),
    )


class LocalStack:
    """The services of one state folder (`services_of`), under that folder's supervisord."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = settings.state_dir
        self.state.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        for sub in ("data", "logs", "run"):
            (self.state / sub).mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        self.names = services_of(settings)
        self.supervisor = Supervisor(self.state, ROOT, self.names)

    def services(self) -> list[Service]:
        """The commands, environments, readiness URLs and ports of `services_of(settings)`, in that order."""
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
                (Port(s.vectorizer_port, "the face vectorizer", "FACESEARCH_VECTORIZER_PORT"),),
            ),
            *self.weaviate_nodes(),
            Service(
                "api",
                uvicorn + ["facesearch.api.app:create_app", "--host", s.api_host, "--port", str(s.api_port)],
                env,
                f"{s.api_url}/api/health",
                (Port(s.api_port, "the search API", "FACESEARCH_API_PORT"),),
            ),
            # Ready once the API has its first report (facesearch.cli.watch, which reports while it waits for the
            # library folder too); it listens on no port. Optional: the stack runs without it.
            *([Service("watcher", [py, "-m", "facesearch", "watch"], env, f"{s.api_url}/api/library/watcher",
                       optional=WATCHER_MISSED)] if s.watch else []),
        ]

    def weaviate_nodes(self) -> list[Service]:
        """Every Weaviate node: node k (from 1) has the program `node_program(k)` and the data folder data/<that name>."""
        s, key, binary = self.settings, ensure_weaviate_key(self.settings), str(self.weaviate_bin())
        nodes = []
        for k, endpoint in enumerate(s.weaviate_endpoints, start=1):
            name = node_program(k)
            nodes.append(Service(
                name,
                [binary, "--host", endpoint.host, "--port", str(endpoint.port), "--scheme", "http",
                 "--read-timeout=600s", "--write-timeout=600s"],
                weaviate_env(s, k, self.state / "data" / name, key),
                f"{endpoint.url}/v1/.well-known/ready",
                weaviate_ports(s, k),
            ))
        return nodes

    def weaviate_bin(self) -> Path:
        path = self.settings.weaviate_bin or default_weaviate_bin()
        if not path.is_file():
            raise StackError(f"No weaviate-server at {path}. Run `bash start.sh`, which builds it, or set WEAVIATE_BIN.")
        return path

    def start(self, log=print) -> None:  # noqa: ANN001 - any print-like callable
        """Start the supervisor if it does not run, then every service that does not, stage by stage (the
        vectorizer, every Weaviate node together, the API, the folder watcher), each stage once the one before is
        ready.

        A start that fails leaves nothing running if it started the supervisor itself. An optional service (the
        folder watcher) that does not get ready fails nothing: a sentence says that it is not running, and why.
        The state folder is made private first, with a sentence, if it was not.
        """
        if make_private(self.state):
            log(f"Made {self.state} private (it was readable by other users).")
        self.check_node_count()
        services = self.services()
        launching = not self.supervisor.answers()
        if launching:
            self.clear_stale(log)
        else:
            self.supervisor.update()  # it runs the programs of its start; the settings may want others now
        fresh = [s for s in services if self.state_of(s.name) not in ALIVE]
        check_ports(fresh)
        try:
            if launching:
                self.supervisor.launch()
            for stage in stages(services):
                self.bring_up(stage, [s for s in stage if s in fresh], log)
        except (StackError, SupervisorError) as e:
            if launching:
                self.stop(log=lambda _: None)
            if isinstance(e, SupervisorError):
                raise StackError(str(e)) from e
            raise

    def check_node_count(self) -> None:
        """StackError when this state folder holds a cluster of another size than configured; else record the size.

        A node's Raft state names the cluster's members: a folder made for one node cannot become three by a
        setting (nor three one)."""
        record, n = self.state / "data" / "weaviate-nodes", self.settings.weaviate_nodes
        try:
            held = int(record.read_text()) if record.exists() else (1 if (self.state / "data" / "weaviate").exists() else None)
        except ValueError:
            raise StackError(f"{record} should hold the number of Weaviate nodes; remove it if unsure.") from None
        if held is not None and held != n:
            raise StackError(
                f"{self.state} holds a Weaviate of {held} node(s), but FACESEARCH_WEAVIATE_NODES is {n}: use another "
                f"FACESEARCH_STATE_DIR for {n} node(s) and import the people and index the library there again, "
                "or set FACESEARCH_WEAVIATE_NODES back."
            )
        write_private(record, f"{n}\n")

    def bring_up(self, stage: list[Service], fresh: list[Service], log) -> None:  # noqa: ANN001
        """Start the services of `stage` that the supervisor does not run (`fresh`) together, then wait until
        each is ready (the nodes of a cluster become ready only once enough of them have started)."""
        waiting = []
        for service in stage:
            if service not in fresh and answers(service.ready_url):
                log(f"{service.name}: already running")
                continue
            log(f"{service.name}: starting")
            if service in fresh:
                self.supervisor.write_launch(service.name, service.command, service.env)
                self.supervisor.start(service.name)
            waiting.append(service)
        for service in waiting:
            if service.optional:
                self.wait_optional(service, log)
            else:
                self.wait_ready(service)
                log(f"{service.name}: ready")

    def wait_optional(self, service: Service, log) -> None:  # noqa: ANN001
        """Wait until an optional service is ready, as `wait_ready`; when it does not get ready, say so in a
        sentence, with the end of its log, and go on: the stack runs without it."""
        try:
            self.wait_ready(service)
        except StackError as e:
            log(f"{service.name}: not running; the rest of the stack runs without it ({service.optional}). "
                f"Why:\n{e}")
            return
        log(f"{service.name}: ready{readiness_note(service.ready_url)}")

    def restart(self, names: Iterable[str], log=print) -> None:  # noqa: ANN001 - any print-like callable
        """Stop these services (if they run) and start them with this stack's settings, in start order.

        After a setting changed, `LocalStack(new_settings).restart(["vectorizer", "api"])` on the same
        state folder runs them with the new one (the face model, say) and leaves Weaviate running; the
        supervisor restarts them with it after a crash too (it reads each service's launch file anew).
        """
        wanted = set(names)
        if not self.supervisor.answers():
            self.clear_stale(log)
            self.supervisor.launch()
        for service in (s for s in self.services() if s.name in wanted):
            self.supervisor.stop(service.name)
            check_ports([service])
            log(f"{service.name}: restarting")
            self.supervisor.write_launch(service.name, service.command, service.env)
            self.supervisor.start(service.name)
            self.wait_ready(service)
            log(f"{service.name}: ready")

    def wait_ready(self, service: Service) -> None:
        """Wait until `service` answers, at most `startup_timeout_s` seconds; StackError if the supervisor gave up."""
        deadline = time.monotonic() + self.settings.startup_timeout_s
        while time.monotonic() < deadline:
            if answers(service.ready_url):
                return
            state = self.state_of(service.name)
            if state == "FATAL":
                raise StackError(
                    f"{service.name} exited while starting, {START_RETRIES + 1} times in a row, and was given up.\n"
                    f"{self.log_tail(service.name)}"
                )
            if state == "STOPPED":
                raise StackError(f"{service.name} was stopped while starting.\n{self.log_tail(service.name)}")
            time.sleep(0.25)
        raise StackError(
            f"{service.name} was not ready at {service.ready_url} after {self.settings.startup_timeout_s:.0f} s.\n"
            f"{self.log_tail(service.name)}"
        )

    def stop(self, log=print) -> bool:  # noqa: ANN001
        """Stop every service (API first) and the supervisor, and end anything left of an earlier run;
        False when nothing was running."""
        stopped = False
        if self.supervisor.answers():
            stopped = self.stop_services(self.names, log)
            self.supervisor.shutdown()
        return self.clear_stale(log) or stopped

    def stop_services(self, names: Iterable[str], log=print) -> bool:  # noqa: ANN001
        """Stop these services (in reverse start order) and keep them stopped; the supervisor stays.
        False when none of them was running."""
        stopped = False
        for name in (n for n in reversed(self.names) if n in set(names)):
            if self.supervisor.stop(name):
                log(f"{name}: stopped")
                stopped = True
        return stopped

    def clear_stale(self, log) -> bool:  # noqa: ANN001
        """With no supervisor answering: end one of this folder that hangs and whatever an earlier run left
        running, and remove stale pid and socket files. True when it ended a service."""
        pid = self.supervisor.daemon_pid()
        if pid is not None:
            end([psutil.Process(pid)])
        self.supervisor.remove_files()
        left = self.supervisor.leftovers()
        if left:
            log(f"ending {len(left)} process(es) left from an earlier run")
            end(left)
        return self.end_legacy(log) or bool(left)

    def end_legacy(self, log) -> bool:  # noqa: ANN001
        """End services an older facesearch started with `run/<service>.pid` files, and remove those files."""
        ended = False
        for name in reversed(SERVICES):
            pid_file = self.state / "run" / f"{name}.pid"
            try:
                process = psutil.Process(int(pid_file.read_text()))
                if LEGACY_MARKERS[name] in " ".join(process.cmdline()):
                    terminate(process.pid)
                    log(f"{name}: stopped")
                    ended = True
            except (OSError, ValueError, psutil.Error):
                pass
            pid_file.unlink(missing_ok=True)
        return ended

    def state_of(self, name: str) -> str:
        """The supervisor's state of a service (RUNNING, STARTING, BACKOFF, FATAL, ...); STOPPED when none runs."""
        info = self.supervisor.info(name)
        return info["statename"] if info else "STOPPED"

    def pid(self, name: str) -> int | None:
        """The pid of a running (or starting) service of this state folder, or None."""
        info = self.supervisor.info(name)
        return (info["pid"] or None) if info else None

    def status(self) -> list[ProgramStatus]:
        """Each service's state, pid, uptime and restarts; empty when the supervisor does not run."""
        return self.supervisor.status()

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.state / "logs" / f"{name}.log"
        text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
        return f"--- last lines of {path} ---\n" + "\n".join(text)


def make_private(state: Path) -> bool:
    """Take every right of group and other users off `state` and everything in it (links are left as they are);
    True when anything had one."""
    opened = False
    for path in tree(state):
        try:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
                opened = True
        except FileNotFoundError:  # a running Weaviate removed it meanwhile
            continue
    return opened


def tree(folder: Path) -> Iterable[Path]:
    """`folder` and every folder and file under it, not through links."""
    yield folder
    for dirpath, dirnames, filenames in os.walk(folder):
        yield from (Path(dirpath) / name for name in dirnames + filenames)


def stages(services: list[Service]) -> list[list[Service]]:
    """The services in start order, the Weaviate nodes as one stage: the vectorizer, every node, the API."""
    grouped: list[list[Service]] = []
    for service in services:
        if grouped and service.name.startswith("weaviate") and grouped[-1][0].name.startswith("weaviate"):
            grouped[-1].append(service)
        else:
            grouped.append([service])
    return grouped


def check_ports(services: Iterable[Service]) -> None:
    """StackError naming the first port of these services that another process holds, and that process."""
    for service in services:
        for port in service.ports:
            holder = port_holder(port.number, port.udp)
            if holder:
                raise StackError(
                    f"Port {port.number} ({port.purpose}) is in use by another process, {holder}; "
                    f"stop it or set {port.setting} to a free port."
                )


def port_holder(port: int, udp: bool = False) -> str | None:
    """Who listens on TCP `port` (or, with `udp`, has UDP `port` bound): 'pid N (command)'; None when free."""
    for conn in psutil.net_connections("inet"):
        listening = conn.status == psutil.CONN_LISTEN or (udp and conn.type == socket.SOCK_DGRAM)
        if conn.laddr and conn.laddr.port == port and listening:
            return describe(conn.pid)
    return None


def describe(pid: int | None) -> str:
    """'pid N (its command line)', shortened; processes of other users cannot be named."""
    if pid is None:
        return "a process of another user"
    try:
        process = psutil.Process(pid)
        command = " ".join(process.cmdline()) or process.name()
    except psutil.Error:
        command = "gone already"
    return f"pid {pid} ({textwrap.shorten(command, 120, placeholder=' ...')})"

def readiness_note(url: str) -> str:
    """", <note>" when a ready service's readiness answer says, in its `note`, that it is not doing its job yet (the
    folder watcher waiting for the library folder), else ""."""
    try:
        said = httpx.get(url, timeout=1).json()
    except (httpx.HTTPError, ValueError):
        return ""
    if not isinstance(said, dict) or said.get("state") in (None, "watching") or not said.get("note"):
        return ""
    return f", {said['note']}"


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


def node_lines(settings: Settings) -> list[str]:
    """Each local Weaviate node: its program and cluster name, ports (and the settings that move them), data folder."""
    lines = []
    for k, endpoint in enumerate(settings.weaviate_endpoints, start=1):
        gossip, data, raft, raft_rpc = cluster_ports(settings, k)
        lines.append(
            f"{node_program(k)} (node {node_hostname(k)}): HTTP {endpoint.port}, gRPC {endpoint.grpc_port}, gossip "
            f"{gossip}, data {data}, Raft {raft}, Raft RPC {raft_rpc}; files in {settings.state_dir / 'data' / node_program(k)}"
        )
    lines.append("(HTTP from FACESEARCH_WEAVIATE_PORT, gRPC from FACESEARCH_WEAVIATE_GRPC_PORT, the rest from "
                 f"FACESEARCH_WEAVIATE_CLUSTER_PORT, {CLUSTER_PORTS} per node)")
    return lines


def status_lines(rows: list[ProgramStatus], state: Path) -> list[str]:
    """`stack status` as lines: a table of state, pid, uptime and restarts, or that nothing runs."""
    if not rows:
        return [f"Nothing is running (no supervisor for {state})."]
    lines = [f"{'service':<12}{'state':<10}{'pid':>8}  {'uptime':>9}  restarts"]
    for row in rows:
        uptime = duration(row.uptime_s) if row.state == "RUNNING" else "-"
        lines.append(f"{row.name:<12}{row.state:<10}{row.pid or '-':>8}  {uptime:>9}  {row.restarts}")
    lines.append("restarts: times the supervisor started a service again after it exited, since the supervisor started")
    return lines


def duration(seconds: float) -> str:
    """`seconds` as '42s', '3m 05s' or '2h 07m'."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"
