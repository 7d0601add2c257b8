"""How supervisord starts a local-mode service: `python -m facesearch.local.launch <state>/run/<service>.json`.

The file (written by `LocalStack`) holds the service's command and environment, so a restart after a
crash runs it with the settings it was last started with. Before it becomes the service (exec, so the
supervisor's pid is the service's), it ends what is left of the service's previous run: when a uvicorn
master is killed with SIGKILL its workers live on and keep the port, and the new one could not bind it. The
service runs with umask 077, so what it writes (Weaviate's files, which hold every face) is the owner's only.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import psutil


def leftovers(server_url: str, name: str) -> list[psutil.Process]:
    """Other processes this supervisord started as `name` (its socket URL and the name are in their environment)."""
    found = []
    for process in psutil.process_iter():
        try:
            env = process.environ()
        except psutil.Error:
            continue
        if process.pid != os.getpid() and (env.get("SUPERVISOR_SERVER_URL"), env.get("SUPERVISOR_PROCESS_NAME")) == (
            server_url, name
        ):
            found.append(process)
    return found


def end(processes: list[psutil.Process], timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL whatever still runs after `timeout_s` seconds."""
    for process in processes:
        try:
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass


def main(argv: list[str]) -> None:
    spec = json.loads(Path(argv[0]).read_text())
    name, url = os.environ.get("SUPERVISOR_PROCESS_NAME"), os.environ.get("SUPERVISOR_SERVER_URL")
    if name and url and (left := leftovers(url, name)):
        print(f"launch: ending {len(left)} process(es) left from {name}'s previous run: "
              f"{', '.join(str(p.pid) for p in left)}", flush=True)
        end(left)
    os.umask(0o077)  # Weaviate's files (every face), the logs: new files are the owner's only, whatever starts us
    os.execvpe(spec["command"][0], spec["command"], {**os.environ, **spec["env"]})


if __name__ == "__main__":
    main(sys.argv[1:])
