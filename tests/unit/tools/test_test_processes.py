"""The tests' own process helper: a process that never becomes healthy is stopped, never left behind."""
import sys

import pytest

from tests.support.processes import Process, free_port


def test_a_process_that_never_gets_healthy_is_stopped_when_start_gives_up(tmp_path):
    never_healthy = Process("sleeper", [sys.executable, "-c", "import time; time.sleep(300)"], None,
                            f"http://127.0.0.1:{free_port()}/health", tmp_path)
    with pytest.raises(AssertionError, match="sleeper"):
        never_healthy.start(timeout=1)
    assert never_healthy.popen.poll() is not None, "the process outlived the failed start"
