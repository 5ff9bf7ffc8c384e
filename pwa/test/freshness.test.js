// The review feed is pulled again when the app comes back on screen (src/freshness.js), against
// a stand-in document whose visibility the test switches.
import { describe, expect, it } from 'vitest';
import { pullWhenVisible } from '../src/freshness.js';

function page(visibilityState = 'hidden') {
  const doc = new EventTarget();
  doc.visibilityState = visibilityState;
  doc.show = (state) => {
    doc.visibilityState = state;
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  return doc;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('pullWhenVisible', () => {
  it('pulls when the app becomes visible and the last pull is old, once per burst', async () => {
    const doc = page();
    let clock = 1_000_000;
    let lastPull = clock - 5 * 60 * 1000;
    let release;
    const pulls = [];
    pullWhenVisible({
      doc, now: () => clock, lastPullAt: () => lastPull, minGapMs: 60_000,
      refresh: () => { pulls.push(clock); return new Promise((resolve) => { release = () => { lastPull = clock; resolve(); }; }); },
    });
    doc.show('hidden');
    expect(pulls).toEqual([]); // hidden: nothing
    doc.show('visible');
    doc.show('hidden');
    doc.show('visible'); // while the first pull runs: not a second one
    expect(pulls).toEqual([clock]);
    release();
    await settle();
    clock += 10_000;
    doc.show('visible'); // pulled 10 s ago: fresh enough
    expect(pulls.length).toBe(1);
    clock += 60_000;
    doc.show('visible'); // a minute later: pulled again
    expect(pulls.length).toBe(2);
  });

  it('keeps watching after a failed pull (offline) and stops when asked', async () => {
    const doc = page();
    let calls = 0;
    const stop = pullWhenVisible({
      doc, lastPullAt: () => 0,
      refresh: async () => { calls += 1; throw new Error('offline'); },
    });
    doc.show('visible');
    await settle();
    doc.show('visible');
    await settle();
    expect(calls).toBe(2);
    stop();
    doc.show('visible');
    await settle();
    expect(calls).toBe(2);
  });
});
