"""`make run`'s console (scripts/run-local.sh): quiet, the URL and logins printed last and again
while idle, and Ctrl-C in the terminal ends everything with exit status 0 — also under make.

Driven in a real pseudo-terminal: Ctrl-C is the byte 0x03 typed into it, so the terminal's line
discipline sends SIGINT to its foreground process group, exactly as at a keyboard.
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.e2e.live import _free_port

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _read_until(fd: int, wanted: str, timeout: float, sink: list[str]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:
                return wanted in "".join(sink)
            sink.append(chunk)
        if wanted in "".join(sink):
            return True
    return False


def _controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_make_run_console_is_quiet_repeats_its_banner_and_ctrl_c_exits_0(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'sikk.sqlite'}",
           "SIKK_INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "run-local-test", "PORT": str(_free_port()),
           "SIKK_BANNER_EVERY": "3", "SIKK_RELAY_EVERY_SECONDS": "0.5", "WEB_CONCURRENCY": "1",
           "WORKER_CONCURRENCY": "1", "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    env.pop("REDIS_URL", None)
    env.pop("SIKK_RUN_JOB", None)
    subprocess.run([str(VENV_BIN / "flask"), "--app", "server", "release"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t{REPO / 'scripts' / 'run-local.sh'}\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen(["make", "-s", "-f", str(makefile), "run"], cwd=REPO, env=env, stdin=slave, stdout=slave,
                            stderr=slave, preexec_fn=_controlling_tty, close_fds=True)
    os.close(slave)
    out: list[str] = []
    try:
        assert _read_until(master, "Press Ctrl-C to stop.", 90, out), "".join(out)
        first = "".join(out)
        # The banner is the last thing printed (nothing after it), and it names the URL and logins.
        assert first.rstrip().endswith("Press Ctrl-C to stop."), first[-800:]
        assert f"http://127.0.0.1:{env['PORT']}/admin/" in first and "camat" in first
        # Idle for a few seconds with the relay running every half second: only the banner, again.
        mark = len("".join(out))
        assert _read_until(master, "Press Ctrl-C to stop.\r\n\r\n\r\n  SIKK is running.", 10, out) or \
            "".join(out)[mark:].count("SIKK is running.") >= 1, "".join(out)[mark:]
        idle = "".join(out)[mark:]
        assert "relay" not in idle.lower() and "succeeded" not in idle and "GET /" not in idle, idle
        os.write(master, b"\x03")  # Ctrl-C at the keyboard
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _read_until(master, "\0", 1, out)
        os.close(master)
    assert status == 0, "".join(out)[-2000:]
    assert "Stopped." in "".join(out)
