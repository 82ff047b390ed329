"""Start ``streamlit run app.py`` on a free localhost port and wait for it: shared by the browser tests and benches."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A localhost port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_streamlit(port: int, extra_args: Sequence[str] = (), log: IO | None = None,
                    cwd: Path = REPO_ROOT) -> subprocess.Popen:
    """``streamlit run app.py`` of the checkout ``cwd`` on ``port`` (headless, no usage stats); output to
    ``log`` or discarded."""
    sink = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *extra_args],
        cwd=cwd, stdout=sink, stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60.0, poll: float = 0.1) -> None:
    """Poll the health endpoint until the server answers; raise if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(poll)
    raise RuntimeError("streamlit did not answer in time")


def stop(server: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not stop within 10 s."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
