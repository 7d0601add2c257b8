"""The importer's command turns SIGTERM and Ctrl-C into an exception it ends on, and only while it runs."""

from __future__ import annotations

import os
import signal
import time

import pytest

from facesearch.cli.people import Stopped, stoppable


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_importing_raises_stopped_and_the_handlers_come_back(sig: signal.Signals) -> None:
    before = signal.getsignal(sig)
    with pytest.raises(Stopped) as stopped:
        with stoppable():
            os.kill(os.getpid(), sig)
            time.sleep(5)  # the handler raises during the sleep at the latest
    assert (stopped.value.signum, str(stopped.value)) == (sig, sig.name)
    assert signal.getsignal(sig) is before
