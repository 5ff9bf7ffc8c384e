// The imported-form XPath subset on the phone agrees with the server's (server/xlsform/expr.py).
import { describe, expect, it } from 'vitest';
import { evaluate, holds, parse } from '../src/xform/expr.js';

describe('xform expressions', () => {
  const cases = [
    ['. >= 0 and . <= 60', {}, 12, true],
    ['. >= 0 and . <= 60', {}, 61, false],
    ["${a} > 2 and not(${b} = 'X')", { a: 3, b: 'Y' }, null, true],
    ["${a} > 2 and not(${b} = 'X')", { a: 3, b: 'X' }, null, false],
    ['${a} > 2', {}, null, false],
    ["selected(${m}, 'polio')", { m: ['bcg', 'polio'] }, null, true],
    ["selected(${s}, 'ya')", { s: 'ya' }, null, true],
    ['count-selected(${m}) >= 2', { m: ['bcg', 'polio'] }, null, true],
    ["${b} = 'true'", { b: true }, null, true],
    ['string-length(.) <= 3', {}, 'abcd', false],
    ["regex(., '^[0-9]{4}-Q[1-4]$')", {}, '2025-Q3', true],
    ['. >= ${t}', { t: '2026-03-14T09:00:00+07:00' }, '2026-03-14T01:30:00Z', false],
    ['. >= ${t}', { t: '2026-03-14T09:00:00+07:00' }, '2026-03-14T03:30:00Z', true],
  ];
  for (const [source, values, current, expected] of cases) {
    it(`${source} with ${JSON.stringify(values)} / ${current}`, () => {
      expect(holds(source, values, current)).toBe(expected);
    });
  }

  it('computes calculations', () => {
    expect(evaluate(parse('${berat} * 1000'), { berat: 3.5 })).toBe(3500);
    expect(evaluate(parse("if(${a} > 1, 'besar', 'kecil')"), { a: 2 })).toBe('besar');
    expect(evaluate(parse('(${a} + 2) div 4 - 1'), { a: 6 })).toBe(1);
  });

  it('refuses what is outside the subset, never evaluates it', () => {
    for (const source of ["pulldata('a', 'b', 'c', ${k})", '/data/umur > 5', "alert('x')", '${a} >']) {
      expect(() => parse(source)).toThrow();
      expect(holds(source, {})).toBe(false);
    }
  });
});
