/**
 * The review feed pulled when the officer comes back to the app, not only on a sync: a phone left
 * in a pocket with the app open (or switched to another app) shows the camat's decisions as soon
 * as the app is on screen again.
 *
 * When the page becomes visible and the last pull is older than `minGapMs`, `refresh()` runs once
 * (never two at a time; a burst of visibility events pulls once). Coming back online already pulls
 * the feed (src/state.js: the `online` event runs a forced sync, which pulls it); with the app
 * closed, Background Sync wakes the service worker, which pulls it after the outbox (src/sw.js).
 * Browsers without Background Sync rely on these page events and the schedule of src/state.js.
 */
export const VISIBLE_PULL_GAP_MS = 60 * 1000;

/**
 * @param {{doc: EventTarget & {visibilityState: string}, refresh: () => Promise<unknown>,
 *          lastPullAt: () => number, minGapMs?: number, now?: () => number}} options
 * @returns {() => void} stops watching
 */
export function pullWhenVisible({ doc, refresh, lastPullAt, minGapMs = VISIBLE_PULL_GAP_MS, now = Date.now }) {
  let running = null;
  const onChange = () => {
    if (doc.visibilityState !== 'visible' || running || now() - lastPullAt() < minGapMs) return;
    running = (async () => {
      try {
        await refresh();
      } catch {
        // offline or refused: the next visibility change or sync tries again
      } finally {
        running = null;
      }
    })();
  };
  doc.addEventListener('visibilitychange', onChange);
  return () => doc.removeEventListener('visibilitychange', onChange);
}
