"""Lighthouse (mobile) on `/app/` logged in — the officer's home, not the login page.

    .venv/bin/python -m tests.e2e.lighthouse_home     # needs pwa/dist

A fresh server (tests/e2e/live.py) with one area whose officer has due work, a review sent back
and a rejected one (tests/e2e/screens.py `seed`); Chromium logs in once in a persistent profile
(IndexedDB holds the session and bootstrap, the service worker is installed), then Lighthouse runs
on that profile with `--disable-storage-reset` so it measures the logged-in home. Prints the scores
as bench/pwa.py does for the login page.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.e2e.live import PASSWORD, REPO, run_live_server
from tests.e2e.screens import CHROMIUM, seed

LIGHTHOUSE = REPO / "pwa" / "node_modules" / ".bin" / "lighthouse"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, run_live_server(Path(tmp)) as server:
        seed(server)
        profile = Path(tmp) / "profile"
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True)
            page = context.new_page()
            page.goto(f"{server.url}/app/")
            page.get_by_label("Nama pengguna").fill("petugas_cc")
            page.get_by_label("Kata sandi").fill(PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            expect(page.get_by_role("heading", name="Perlu perbaikan")).to_be_visible()
            page.wait_for_function("navigator.serviceWorker.ready.then(r => !!r.active)")
            context.close()
        report = Path(tmp) / "report.json"
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run([str(LIGHTHOUSE), f"{server.url}/app/", "--quiet", "--output=json", f"--output-path={report}",
                        "--only-categories=performance,accessibility,best-practices", "--disable-storage-reset",
                        f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}"],
                       check=True, env=env, timeout=300, cwd=REPO / "pwa")
        result = json.loads(report.read_text())
    audits = result["audits"]
    scores = {key: round(cat["score"] * 100) for key, cat in result["categories"].items()}
    scores.update(fcp_ms=round(audits["first-contentful-paint"]["numericValue"]),
                  lcp_ms=round(audits["largest-contentful-paint"]["numericValue"]),
                  tbt_ms=round(audits["total-blocking-time"]["numericValue"]),
                  si_ms=round(audits["speed-index"]["numericValue"]),
                  cls=audits["cumulative-layout-shift"]["numericValue"])
    scores["failing"] = [key for key, audit in audits.items()
                         if audit.get("score") is not None and audit["score"] < 1
                         and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    scores["long_tasks"] = [(round(item["startTime"]), round(item["duration"]), item.get("url", "")[-40:])
                            for item in audits.get("long-tasks", {}).get("details", {}).get("items", [])]
    scores["bootup"] = [(item["url"][-40:], round(item["scripting"]), round(item.get("scriptParseCompile", 0)))
                        for item in audits.get("bootup-time", {}).get("details", {}).get("items", [])]
    print(json.dumps(scores, indent=1))


if __name__ == "__main__":
    main()
