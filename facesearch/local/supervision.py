"""supervisord for local mode: one per state folder, restarting a service that dies.

Everything supervisord and the services write is private to the owner (umask 077: folders 0700, files 0600),
since Weaviate's files hold every face. The supervisor's files: `run/supervisord.conf`, `run/supervisord.pid`,
its control socket (`run/supervisor.sock`, or a short path in the temporary folder when that path is too long for
a Unix socket), `logs/supervisord.log`, and per service `run/<service>.json`, the command and environment
`facesearch.local.launch` starts it with.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

import psutil
from supervisor.xmlrpc import Faults

START_SECONDS = 20
"""A service must stay up this long (s) to count as started; an exit sooner is a failed start."""
START_RETRIES = 3
"""Failed starts in a row before the supervisor gives up (FATAL); it waits 1, 2, 3 s between them."""
STOP_SECONDS = 20
"""How long (s) a service has to end after SIGTERM before its process group gets SIGKILL."""
SOCKET_PATH_MAX = 100
"""Longest control-socket path used inside the state folder (Linux allows 107 bytes)."""
ALIVE = ("STARTING", "RUNNING", "BACKOFF", "STOPPING")
"""States in which the supervisor runs the service or will run it again by itself."""


class SupervisorError(RuntimeError):
    """supervisord did not start or did not answer."""


def write_private(path: Path, text: str) -> None:
    """Write `path` whole, readable and writable by its owner only (mode 0600, also when it was there before)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


@dataclass(frozen=True)
class ProgramStatus:
    """One service as the supervisor sees it; `uptime_s` in seconds, 0 unless RUNNING."""

    name: str
    state: str
    pid: int | None
    uptime_s: float
    restarts: int


def socket_path(state: Path) -> Path:
    """The control socket: in `run/`, or `<tmp>/facesearch-<hash of the state folder>.sock` when that is too long."""
    inside = state / "run" / "supervisor.sock"
    if len(str(inside)) <= SOCKET_PATH_MAX:
        return inside
    digest = hashlib.sha256(str(state).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"facesearch-{digest}.sock"


def conf_value(text: str, expansions: int = 1) -> str:
    """`text` as a supervisord.conf value that supervisord expands (`%(name)s`) `expansions` times:
    each expansion halves the `%` signs."""
    return text.replace("%", "%" * 2**expansions)


def program_section(name: str, state: Path, root: Path) -> str:
    """One `[program:x]`: started only when asked, restarted whenever it exits, its whole process group stopped."""
    launch = [sys.executable, "-m", "facesearch.local.launch", str(state / "run" / f"{name}.json")]
    log = state / "logs" / f"{name}.log"
    return f"""
[program:{name}]
command={conf_value(" ".join(map(shlex.quote, launch)))}
directory={conf_value(str(root))}
autostart=false
autorestart=true
startsecs={START_SECONDS}
startretries={START_RETRIES}
stopsignal=TERM
stopwaitsecs={STOP_SECONDS}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={conf_value(str(log), expansions=2)}
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=2
"""


class Supervisor:
    """The supervisord of one state folder, driven through its XML-RPC interface on a Unix socket."""

    def __init__(self, state: Path, root: Path, programs: tuple[str, ...]) -> None:
        self.state, self.root, self.programs = state, root, programs
        self.conf = state / "run" / "supervisord.conf"
        self.pid_file = state / "run" / "supervisord.pid"
        self.log = state / "logs" / "supervisord.log"
        self.socket = socket_path(state)
        self.url = f"unix://{self.socket}"

    def write_conf(self) -> None:
        """supervisord.conf: the control socket (owner only), the log, umask 077 (so the logs and every file the
        services write are the owner's only), and one section per program."""
        head = f"""[unix_http_server]
file={conf_value(str(self.socket))}
chmod=0700

[supervisord]
umask=077
logfile={conf_value(str(self.log))}
logfile_maxbytes=10MB
logfile_backups=2
pidfile={conf_value(str(self.pid_file))}
childlogdir={conf_value(str(self.state / "logs"))}
directory={conf_value(str(self.root))}
identifier=facesearch

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl={conf_value(self.url)}
"""
        sections = "".join(program_section(name, self.state, self.root) for name in self.programs)
        write_private(self.conf, head + sections)

    def call(self, method: str, *args: object, timeout_s: float = 60.0) -> object:
        """supervisord's XML-RPC `supervisor.<method>(*args)`, waiting at most `timeout_s` seconds for the answer."""
        transport = UnixTransport(str(self.socket), timeout_s)
        with xmlrpc.client.ServerProxy("http://localhost", transport=transport) as proxy:
            return getattr(proxy.supervisor, method)(*args)

    def answers(self) -> bool:
        """True when this state folder's supervisord runs and answers."""
        try:
            return self.call("getState", timeout_s=5)["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Error):
            return False

    def launch(self, timeout_s: float = 60.0) -> None:
        """Start supervisord (it detaches itself) and wait until it answers, at most `timeout_s` seconds."""
        self.write_conf()
        with tempfile.TemporaryFile() as err:
            done = subprocess.run(
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.conf)],
                cwd=self.root, stdin=subprocess.DEVNULL, stdout=err, stderr=err, timeout=timeout_s,
                umask=0o077,  # its log is made before the configuration's umask applies
            )
            err.seek(0)
            output = err.read().decode(errors="replace").strip()
        if done.returncode != 0:
            raise SupervisorError(f"supervisord did not start: {output or self.log_tail()}")
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            if time.monotonic() > deadline:
                raise SupervisorError(f"supervisord did not answer on {self.socket}.\n{self.log_tail()}")
            time.sleep(0.1)

    def update(self) -> None:
        """Have the running supervisord take the programs of now (a setting, FACESEARCH_WATCH say, changed which
        run): those it lacks are added, those no longer wanted stopped and removed."""
        self.write_conf()
        added, _, removed = self.call("reloadConfig")[0]
        for name in removed:
            self.call("stopProcessGroup", name, True, timeout_s=STOP_SECONDS + 30)
            self.call("removeProcessGroup", name)
        for name in added:
            self.call("addProcessGroup", name)

    def write_launch(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """The command and environment `facesearch.local.launch` starts `name` with (mode 0600: it holds keys)."""
        write_private(self.state / "run" / f"{name}.json", json.dumps({"command": command, "env": env}))

    def info(self, name: str) -> dict | None:
        """supervisord's record of a program, or None when supervisord does not run."""
        try:
            return self.call("getProcessInfo", name, timeout_s=10)
        except (OSError, xmlrpc.client.Error):
            return None

    def start(self, name: str) -> None:
        """Ask supervisord to start `name`; returns at once (readiness is the caller's to wait for)."""
        self.call("startProcess", name, False)

    def stop(self, name: str) -> bool:
        """Stop `name` and wait until it has ended; False when it was not running."""
        try:
            return bool(self.call("stopProcess", name, True, timeout_s=STOP_SECONDS + 30))
        except xmlrpc.client.Fault as e:
            if e.faultCode in (Faults.NOT_RUNNING, Faults.BAD_NAME):
                return False
            raise

    def shutdown(self, timeout_s: float = STOP_SECONDS + 30) -> None:
        """Ask supervisord to stop everything and exit; wait for it, SIGKILL it after `timeout_s` seconds."""
        pid = self.daemon_pid()
        try:
            self.call("shutdown", timeout_s=10)
        except (OSError, xmlrpc.client.Error):
            pass
        if pid is not None:
            try:
                psutil.Process(pid).wait(timeout_s)
            except psutil.TimeoutExpired:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass
        self.remove_files()

    def daemon_pid(self) -> int | None:
        """The pid of this state folder's supervisord if it runs, else None (a stale pid file gives None)."""
        try:
            process = psutil.Process(int(self.pid_file.read_text()))
            return process.pid if str(self.conf) in process.cmdline() else None
        except (OSError, ValueError, psutil.Error):
            return None

    def remove_files(self) -> None:
        """Forget a supervisord that is gone: its pid file and its socket."""
        self.pid_file.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)

    def leftovers(self) -> list[psutil.Process]:
        """Processes supervisord started from this state folder that outlived it (or their children).

        They carry SUPERVISOR_SERVER_URL, which names this folder's socket, in their environment.
        """
        found = []
        for process in psutil.process_iter():
            try:
                if process.pid != os.getpid() and process.environ().get("SUPERVISOR_SERVER_URL") == self.url:
                    found.append(process)
            except psutil.Error:
                continue
        return found

    def status(self) -> list[ProgramStatus]:
        """Every program's state, pid, uptime and restarts; empty when supervisord does not run."""
        try:
            infos = self.call("getAllProcessInfo", timeout_s=10)
        except (OSError, xmlrpc.client.Error):
            return []
        counts = restarts(self.log_text())
        return [
            ProgramStatus(
                i["name"], i["statename"], i["pid"] or None,
                float(i["now"] - i["start"]) if i["statename"] == "RUNNING" else 0.0, counts.get(i["name"], 0),
            )
            for i in sorted(infos, key=lambda i: self.programs.index(i["name"]) if i["name"] in self.programs else 99)
        ]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_text().splitlines()[-lines:]
        return f"--- last lines of {self.log} ---\n" + "\n".join(text)


EXITED = re.compile(r" exited: (\S+) \(")
GAVE_UP = re.compile(r" gave up: (\S+) entered FATAL state")
STARTED = " supervisord started with pid "


def restarts(log: str) -> dict[str, int]:
    """How many times supervisord restarted each program since it last started, from its log.

    supervisord keeps no such count. Its log says `exited: NAME (...)` whenever a program ends without
    being asked to (a deliberate stop says `stopped:`), and each such exit is followed by a new start,
    unless it then says `gave up: NAME entered FATAL state`. So restarts = exits - give-ups.
    """
    counts: dict[str, int] = {}
    for line in log[log.rfind(STARTED):].splitlines() if STARTED in log else []:
        if m := EXITED.search(line):
            counts[m[1]] = counts.get(m[1], 0) + 1
        elif m := GAVE_UP.search(line):
            counts[m[1]] = counts.get(m[1], 0) - 1
    return counts


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, with a timeout (supervisor's own transport has none)."""

    def __init__(self, path: str, timeout_s: float) -> None:
        super().__init__("localhost", timeout=timeout_s)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class UnixTransport(xmlrpc.client.Transport):
    """XML-RPC transport to supervisord's Unix socket; `timeout_s` in seconds per call."""

    def __init__(self, path: str, timeout_s: float) -> None:
        super().__init__()
        self.path, self.timeout_s = path, timeout_s

    def make_connection(self, host: str) -> http.client.HTTPConnection:
        connection = UnixHTTPConnection(self.path, self.timeout_s)
        self._connection = host, connection  # what Transport.close() closes
        return connection
