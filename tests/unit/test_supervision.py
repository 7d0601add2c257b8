"""Local mode's supervision without running services: supervisord's configuration as supervisord itself
reads it, the control socket's path, restarts counted from supervisord's log, a busy port named with its
process, and what `stack status` prints."""

from __future__ import annotations

import os
import shlex
import socket
import sys
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

from facesearch.local.stack import SERVICES, Port, Service, StackError, check_ports, status_lines
from facesearch.local.supervision import START_RETRIES, START_SECONDS, ProgramStatus, Supervisor, restarts, socket_path
from facesearch.settings import ROOT
from facesearch.store.refusals import VECTORIZER_STATUS, vectorizer_reason

LOG = """\
2026-11-25 21:00:00,001 INFO supervisord started with pid 100
2026-11-25 21:00:05,000 WARN exited: weaviate (terminated by SIGKILL; not expected)
2026-11-25 21:01:00,000 INFO supervisord started with pid 200
2026-11-25 21:01:01,000 INFO spawned: 'weaviate' with pid 201
2026-11-25 21:02:00,000 WARN exited: weaviate (terminated by SIGKILL; not expected)
2026-11-25 21:02:01,000 INFO spawned: 'weaviate' with pid 202
2026-11-25 21:03:00,000 WARN exited: api (exit status 1; not expected)
2026-11-25 21:03:01,000 INFO spawned: 'api' with pid 203
2026-11-25 21:03:02,000 WARN exited: api (exit status 1; not expected)
2026-11-25 21:03:03,000 INFO gave up: api entered FATAL state, too many start retries too quickly
2026-11-25 21:04:00,000 WARN stopped: vectorizer (terminated by SIGTERM)
"""


def test_restarts_are_exits_the_supervisor_started_again_since_it_last_started() -> None:
    # weaviate: one exit in this run (the one before the last start is another run's); api: two exits,
    # the second given up (no restart); a deliberate stop is no restart.
    assert restarts(LOG) == {"weaviate": 1, "api": 1}
    assert restarts("") == {}


def test_the_control_socket_moves_to_a_short_path_when_the_state_folder_is_deep(tmp_path: Path) -> None:
    assert socket_path(tmp_path / "state") == tmp_path / "state" / "run" / "supervisor.sock"
    deep = tmp_path / ("x" * 120) / "state"
    short = socket_path(deep)
    assert len(str(short)) < 108 and short.name.startswith("facesearch-") and short != socket_path(tmp_path / "other")


def test_supervisord_reads_the_configuration_as_meant(tmp_path: Path) -> None:
    state = tmp_path / "100% state"  # supervisord's parser expands %(...)s: the % must reach it doubled
    for sub in ("run", "logs"):
        (state / sub).mkdir(parents=True)
    supervisor = Supervisor(state, ROOT, SERVICES)
    supervisor.write_conf()
    options = ServerOptions()
    options.realize(args=["-c", str(supervisor.conf)])
    assert options.pidfile == str(state / "run" / "supervisord.pid")
    assert [(s["family"], s["file"]) for s in options.server_configs] == [(socket.AF_UNIX, str(supervisor.socket))]
    programs = {g.name: g.process_configs[0] for g in options.process_group_configs}
    assert sorted(programs) == sorted(SERVICES)
    for name, program in programs.items():
        launch = [sys.executable, "-m", "facesearch.local.launch", str(state / "run" / f"{name}.json")]
        assert shlex.split(program.command) == launch  # supervisord splits it so
        assert program.stdout_logfile == str(state / "logs" / f"{name}.log")
        assert (program.autostart, program.stopasgroup, program.killasgroup) == (False, True, True)
        assert program.autorestart is RestartUnconditionally
        assert (program.startsecs, program.startretries) == (START_SECONDS, START_RETRIES)


def test_a_port_held_by_another_process_is_named_with_that_process() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        service = Service("api", [], {}, "", (Port(port, "the search API", "FACESEARCH_API_PORT"),))
        with pytest.raises(StackError) as raised:
            check_ports([service])
    message = str(raised.value)
    assert message.startswith(f"Port {port} (the search API) is in use by another process, pid {os.getpid()} (")
    assert message.endswith("; stop it or set FACESEARCH_API_PORT to a free port.")
    assert "pytest" in message or "python" in message
    check_ports([service])  # free again: no error


def test_status_lines_show_state_pid_uptime_and_restarts(tmp_path: Path) -> None:
    rows = [ProgramStatus("vectorizer", "RUNNING", 41, 3725.0, 0), ProgramStatus("weaviate", "BACKOFF", None, 0.0, 2)]
    lines = status_lines(rows, tmp_path)
    assert lines[0].split() == ["service", "state", "pid", "uptime", "restarts"]
    assert lines[1].split() == ["vectorizer", "RUNNING", "41", "1h", "02m", "0"]
    assert lines[2].split() == ["weaviate", "BACKOFF", "-", "-", "2"]
    assert status_lines([], tmp_path) == [f"Nothing is running (no supervisor for {tmp_path})."]


def test_a_face_refused_while_the_vectorizer_restarts_is_told_in_a_sentence() -> None:
    message = ("WeaviateInsertManyAllFailedError('Every object failed during insertion. Here is the set of all errors: "
               'send POST request: Post "http://127.0.0.1:39887/vectors": dial tcp 127.0.0.1:39887: connect: '
               "connection refused')")
    assert vectorizer_reason(message) == "The face vectorizer could not be reached; import again to add this photo."
    assert vectorizer_reason("vectorize params: fail with status 422") == VECTORIZER_STATUS[422]
