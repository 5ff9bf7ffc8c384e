"""`bandit` over the server and worker code finds nothing: make test enforces the security linter.

Any finding (of any severity) fails the test with bandit's own report; a deliberate exception is
marked in the code with ``# nosec BXXX`` and a reason, so it is reviewed where it lives.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".bandit.yml"
PACKAGES = ("server", "workers")


def test_bandit_finds_nothing() -> None:
    targets = [p for p in PACKAGES if (ROOT / p).is_dir()]
    assert "server" in targets
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *targets, "-c", str(CONFIG), "-f", "json", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    report = json.loads(proc.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']} {r['issue_text']}"
                for r in report["results"]]
    assert not findings, "\n".join(findings)
    assert not report["errors"], report["errors"]
    assert proc.returncode == 0, proc.stderr
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the code
