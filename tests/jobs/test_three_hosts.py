"""Workers on three "hosts" drain one queue, one host cut off mid-run (docs/operations.md, "Scaling out").

Runs ``bench/three_hosts.py``: three network namespaces joined to a private
PostgreSQL over virtual links, a worker in each, host 2's link cut while it
holds jobs; the lease reaper returns them and the others run them. The script
sets everything up and removes every namespace, link and server it made.
Needs root; skipped without it unless QUEUEGOV_NETNS_REQUIRED=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_three_hosts_drain_one_queue_with_one_cut_off_and_none_lost_or_run_twice() -> None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        if os.environ.get("QUEUEGOV_NETNS_REQUIRED") == "1":
            pytest.fail("the three-host run needs root and iproute2 (QUEUEGOV_NETNS_REQUIRED=1)")
        pytest.skip("the three-host run needs root and iproute2")
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"}
    run = subprocess.Popen(
        [sys.executable, "bench/three_hosts.py", "--deadline", "400"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = run.communicate(timeout=450)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGTERM)  # the script unwinds: namespaces, links, server, workers
        out, err = run.communicate(timeout=60)
        pytest.fail(f"the three-host run did not finish in time:\n{out}\n{err}")
    assert run.returncode == 0, out + err
    assert "FAIL" not in out and out.count("PASS") == 5, out
    # nothing left behind
    assert "qg-h" not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert "qgbr0" not in links and "qgv" not in links
