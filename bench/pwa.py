"""Benchmark the field app: bundle sizes, Lighthouse (mobile) scores, and the time to sync 500 queued
submissions with one photo each over loopback, driving the real app in Debian's Chromium.

    .venv/bin/python bench/pwa.py [--items 500] [--skip-lighthouse]

Needs pwa/dist (``cd pwa && npm ci && npm run build``). Prints figures; budgets (first-load JS
≤ 60 KB gzipped, Lighthouse accessibility ≥ 95, performance ≥ 90) are reported, not asserted.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.live import DIST, PASSWORD, LiveServer, run_live_server  # noqa: E402

CHROMIUM = os.environ.get("SIKK_CHROMIUM", "/usr/bin/chromium")
LIGHTHOUSE = REPO / "pwa" / "node_modules" / ".bin" / "lighthouse"
JS_BUDGET_GZ = 60 * 1024


def bundle_sizes() -> dict:
    """Raw and gzipped bytes of what index.html loads first (JS and CSS), and of the SW."""
    html = (DIST / "index.html").read_text()
    first_load = re.findall(r'(?:src|href)="/app/(assets/[^"]+\.(?:js|css))"', html)
    sizes: dict = {"js_raw": 0, "js_gz": 0, "css_raw": 0, "css_gz": 0, "files": {}}
    for name in first_load:
        data = (DIST / name).read_bytes()
        raw, gz = len(data), len(gzip.compress(data, compresslevel=9))
        kind = "js" if name.endswith(".js") else "css"
        sizes[f"{kind}_raw"] += raw
        sizes[f"{kind}_gz"] += gz
        sizes["files"][name] = (raw, gz)
    sw = (DIST / "sw.js").read_bytes()
    sizes["sw_raw"], sizes["sw_gz"] = len(sw), len(gzip.compress(sw, compresslevel=9))
    return sizes


def lighthouse(url: str) -> dict:
    """Lighthouse mobile (its default form factor and throttling) with Debian's Chromium."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                        "--only-categories=performance,accessibility,best-practices",
                        "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
                       check=True, env=env, timeout=300, cwd=REPO / "pwa")
        result = json.loads(report.read_text())
    scores = {key: round(cat["score"] * 100) for key, cat in result["categories"].items()}
    audits = result["audits"]
    scores["fcp_ms"] = round(audits["first-contentful-paint"]["numericValue"])
    scores["lcp_ms"] = round(audits["largest-contentful-paint"]["numericValue"])
    scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    failing = [key for key, audit in audits.items()
               if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") == "binary"]
    scores["failing_binary_audits"] = failing
    return scores


# Runs in the page: put `count` items with one distinct JPEG each into the app's own IndexedDB
# stores (the shapes src/outbox.js `enqueue` and src/db.js `putPhoto` write).
_QUEUE_JS = """
async ({count, userId, rwIds}) => {
  const open = () => new Promise((ok, ko) => { const r = indexedDB.open('sikk'); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const db = await open();
  const canvas = document.createElement('canvas');
  canvas.width = 1600; canvas.height = 1200;
  const g = canvas.getContext('2d');
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const pad = (n) => String(n).padStart(2, '0');
  const now = new Date(Date.now() - 3600 * 1000);
  const observed = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}:00+07:00`;
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const grad = g.createLinearGradient(0, 0, 1600, 1200);
    grad.addColorStop(0, `hsl(${i % 360}, 60%, 50%)`); grad.addColorStop(1, `hsl(${(i * 7) % 360}, 60%, 30%)`);
    g.fillStyle = grad; g.fillRect(0, 0, 1600, 1200);
    for (let k = 0; k < 400; k += 1) {
      g.fillStyle = `hsl(${(i * 13 + k * 37) % 360}, 70%, ${30 + (k % 50)}%)`;
      g.fillRect((k * 97 + i * 31) % 1600, (k * 53 + i * 17) % 1200, 20 + (k % 60), 15 + (k % 45));
    }
    g.fillStyle = '#fff'; g.font = '120px sans-serif'; g.fillText(`Foto ${i}`, 100, 600);
    const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.8));
    bytes += blob.size;
    const sha = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    const id = crypto.randomUUID();
    const item = {
      id, user_id: userId, form: 'inspeksi-rw', form_version: 1, subject: { rw_id: rwIds[i % rwIds.length] },
      ref: null, supersedes: null, observed_at: observed,
      data: { kebun_toga: i % 2 === 0, pengelolaan_sampah: 'baik', status_kumuh: 'tidak_kumuh', lembaga_aktif: true,
              kejadian_kriminal: i % 5, konflik_sosial: 0, foto: [sha] },
      photos: [sha], photo_field: 'foto', label: `Inspeksi RW · bench ${i}`,
      state: 'waiting', errors: null, attempts: 0, next_attempt_at: 0, created_at: Date.now() + i, updated_at: Date.now(),
    };
    await new Promise((ok, ko) => {
      const tx = db.transaction(['outbox', 'photos'], 'readwrite');
      tx.objectStore('photos').put({ sha256: sha, blob, type: 'image/jpeg', size: blob.size, created_at: Date.now() });
      tx.objectStore('outbox').put(item);
      tx.oncomplete = ok; tx.onerror = () => ko(tx.error);
    });
  }
  db.close();
  return bytes;
}
"""


def sync_benchmark(server: LiveServer, count: int) -> dict:
    """Queue `count` inspections with one photo each while offline, then time `Sinkronkan` to 0."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(base_url=server.url, viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto("/app/")
        page.get_by_label("Nama pengguna").fill("petugas")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_role("button", name="Keluar")).to_be_visible(timeout=20_000)  # logged in
        status = page.get_by_role("status")
        expect(status).to_contain_text("Belum terkirim: 0", timeout=20_000)
        context.set_offline(True)
        expect(status).to_contain_text("Luring", timeout=20_000)
        rw_ids = [rw["id"] for kel in server.kelurahan for rw in kel["rw"]]
        started = time.perf_counter()
        photo_bytes = page.evaluate(_QUEUE_JS, {"count": count, "userId": server.users["petugas"], "rwIds": rw_ids})
        queue_seconds = time.perf_counter() - started
        page.reload()
        expect(status).to_contain_text(f"Belum terkirim: {count}", timeout=60_000)
        started = time.perf_counter()  # back online: the `online` event starts the sync, the button joins it
        context.set_offline(False)
        page.get_by_role("button", name="Sinkronkan").click()
        expect(status).to_contain_text("Belum terkirim: 0", timeout=600_000)
        sync_seconds = time.perf_counter() - started
        browser.close()
    stored = server.sql("SELECT count(*), count(DISTINCT id) FROM submissions WHERE form_code = 'inspeksi-rw'")[0]
    photos = server.sql("SELECT count(*), coalesce(sum(size), 0) FROM attachments")[0]
    return {"items": count, "photo_mb": photo_bytes / 1024 / 1024, "queue_s": queue_seconds, "sync_s": sync_seconds,
            "stored": stored[0], "distinct": stored[1], "attachments": photos[0], "attachment_mb": photos[1] / 1024 / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--skip-lighthouse", action="store_true")
    args = parser.parse_args()

    sizes = bundle_sizes()
    print("== Bundle (first load, from pwa/dist/index.html) ==")
    for name, (raw, gz) in sizes["files"].items():
        print(f"  {name}: {raw / 1024:.1f} KB raw, {gz / 1024:.1f} KB gz")
    verdict = "OK" if sizes["js_gz"] <= JS_BUDGET_GZ else "OVER BUDGET"
    print(f"  JS  {sizes['js_raw'] / 1024:.1f} KB raw, {sizes['js_gz'] / 1024:.1f} KB gz (budget 60 KB gz: {verdict})")
    print(f"  CSS {sizes['css_raw'] / 1024:.1f} KB raw, {sizes['css_gz'] / 1024:.1f} KB gz")
    print(f"  service worker {sizes['sw_raw'] / 1024:.1f} KB raw, {sizes['sw_gz'] / 1024:.1f} KB gz")

    with tempfile.TemporaryDirectory() as tmp, run_live_server(Path(tmp), workers=4) as server:
        if not args.skip_lighthouse:
            print("== Lighthouse (mobile, /app/ first visit) ==")
            scores = lighthouse(f"{server.url}/app/")
            print(f"  performance {scores['performance']}  accessibility {scores['accessibility']}  "
                  f"best-practices {scores['best-practices']}  (budgets: perf ≥ 90, a11y ≥ 95)")
            print(f"  FCP {scores['fcp_ms']} ms  LCP {scores['lcp_ms']} ms  TBT {scores['tbt_ms']} ms")
            if scores["failing_binary_audits"]:
                print(f"  failing audits: {', '.join(scores['failing_binary_audits'])}")
        print(f"== Sync {args.items} queued submissions, one photo each, loopback ==")
        result = sync_benchmark(server, args.items)
        print(f"  queued {result['items']} items + {result['photo_mb']:.1f} MB photos in {result['queue_s']:.1f} s (setup)")
        print(f"  back online + Sinkronkan → 'Belum terkirim: 0' in {result['sync_s']:.1f} s "
              f"({result['items'] / result['sync_s']:.1f} items/s)")
        lost = result["items"] - result["distinct"]
        doubled = result["stored"] - result["distinct"]
        print(f"  server: {result['stored']} submissions ({result['distinct']} distinct ids), "
              f"{result['attachments']} photos ({result['attachment_mb']:.1f} MB); lost {lost}, doubled {doubled}")


if __name__ == "__main__":
    main()
