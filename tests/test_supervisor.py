"""The supervisor reports a crashed server with its log, and refuses a port in use."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from practice.supervisor import Stack, StackConfig, StackError, _Service, free_port


def test_a_crashed_server_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", state_dir=tmp_path))
    service = _Service(
        name="action server",
        argv=[sys.executable, "-c", "import sys; print('cannot load actions.sdk'); sys.exit(3)"],
        health_url="http://127.0.0.1:9/health",
        env={},
        log_path=tmp_path / "actions.log",
    )
    stack._services = [service]
    stack._spawn(service)
    with pytest.raises(StackError) as raised:
        stack._wait_ready(30, [service])
    message = str(raised.value)
    assert "action server stopped unexpectedly (exit code 3)" in message
    assert "cannot load actions.sdk" in message
    assert stack.crashed() is service


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        stack = Stack(StackConfig(model=tmp_path / "model.tar.gz", state_dir=tmp_path, api_port=port))
        with pytest.raises(StackError, match=f"Port {port} .* already in use"):
            stack.start()
    assert not (tmp_path / "run").exists()
