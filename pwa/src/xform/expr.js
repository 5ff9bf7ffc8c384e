/**
 * The XPath subset of imported forms (relevant, constraint, calculation), parsed and evaluated —
 * never eval'd. Mirrors server/xlsform/expr.py: `.`, `${name}`, numbers, 'strings', = != < <= > >=,
 * and or, + - * div mod, unary minus, parentheses, and the functions in FUNCTIONS.
 */
const TOKEN = /\s*(?:(\d+(?:\.\d*)?|\.\d+)|('[^']*'|"[^"]*")|(\$\{[A-Za-z_][A-Za-z0-9_.-]*\})|(<=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)|(\.)|([A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z_][A-Za-z0-9_-]*)?))/y;
const WORDS = new Set(['and', 'or', 'div', 'mod']);
const FUNCTIONS = {
  not: [1, 1], selected: [2, 2], 'count-selected': [1, 1], 'string-length': [1, 1], regex: [2, 2], if: [3, 3],
  today: [0, 0], true: [0, 0], false: [0, 0], number: [1, 1], int: [1, 1], string: [1, 1], concat: [1, 20],
  coalesce: [2, 2], round: [1, 2],
};
const LEVELS = [['or'], ['and'], ['=', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', 'div', 'mod']];

function tokens(source) {
  const out = [];
  const text = source.trimEnd();
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m || TOKEN.lastIndex === start) throw new Error(`unsupported at ${start + 1}`);
    if (m[1] !== undefined) out.push(['num', m[1]]);
    else if (m[2] !== undefined) out.push(['str', m[2]]);
    else if (m[3] !== undefined) out.push(['ref', m[3]]);
    else if (m[4] !== undefined) out.push(['op', m[4]]);
    else if (m[5] !== undefined) out.push(['dot', '.']);
    else out.push([WORDS.has(m[6]) ? 'op' : 'name', m[6]]);
  }
  return out;
}

const cache = new Map();

/** Parse an expression to a tree (cached); throws on anything outside the subset. */
export function parse(source) {
  if (cache.has(source)) return cache.get(source);
  const toks = tokens(source);
  let i = 0;
  const peek = () => toks[i];
  const take = () => { if (i >= toks.length) throw new Error('truncated'); return toks[i++]; };
  const expect = (v) => { const t = take(); if (t[0] !== 'op' || t[1] !== v) throw new Error(`expected ${v}`); };
  function binary(level) {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    while (peek() && peek()[0] === 'op' && LEVELS[level].includes(peek()[1])) {
      const op = take()[1];
      left = ['op', op, left, binary(level + 1)];
    }
    return left;
  }
  function unary() {
    if (peek() && peek()[0] === 'op' && peek()[1] === '-') { i++; return ['neg', unary()]; }
    return primary();
  }
  function primary() {
    const [kind, value] = take();
    if (kind === 'num') return ['lit', Number(value)];
    if (kind === 'str') return ['lit', value.slice(1, -1)];
    if (kind === 'ref') return ['ref', value.slice(2, -1)];
    if (kind === 'dot') return ['self'];
    if (kind === 'op' && value === '(') { const inner = binary(0); expect(')'); return inner; }
    if (kind === 'name' && FUNCTIONS[value]) {
      expect('(');
      const args = [];
      if (!(peek() && peek()[0] === 'op' && peek()[1] === ')')) {
        args.push(binary(0));
        while (peek() && peek()[0] === 'op' && peek()[1] === ',') { i++; args.push(binary(0)); }
      }
      expect(')');
      return ['call', value, args];
    }
    throw new Error(`unsupported: ${value}`);
  }
  const tree = binary(0);
  if (i < toks.length) throw new Error('trailing input');
  cache.set(source, tree);
  return tree;
}

function num(v) {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return NaN;
}

function str(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return v.map(str).join(' ');
  if (typeof v === 'object') return [v.lat, v.lon].filter((x) => x !== undefined).join(' ');
  return String(v);
}

function bool(v) {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== '';
}

function instant(s) {
  if (!s.includes('T')) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || !/(Z|[+-]\d{2}:\d{2})$/.test(s) ? null : ms;
}

function compare(op, a, b) {
  const cmp = (x, y) => ({ '=': x === y, '!=': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y }[op]);
  if ((typeof a === 'boolean' || typeof b === 'boolean') && (op === '=' || op === '!=')) {
    return (typeof a === 'boolean' && typeof b === 'boolean') ? cmp(a, b) : cmp(str(a), str(b));
  }
  const numeric = typeof a === 'number' || typeof b === 'number' || !['=', '!='].includes(op);
  if (numeric) {
    const x = num(a); const y = num(b);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (op === '=' || op === '!=') return cmp(str(a), str(b));
      const sa = str(a); const sb = str(b);
      if (!sa || !sb) return false;
      const ta = instant(sa); const tb = instant(sb);
      return ta !== null && tb !== null ? cmp(ta, tb) : cmp(sa, sb);
    }
    return cmp(x, y);
  }
  return cmp(str(a), str(b));
}

function localToday() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Evaluate a tree against the answers (`current` is `.`). */
export function evaluate(tree, values, current) {
  const ev = (t) => evaluate(t, values, current);
  switch (tree[0]) {
    case 'lit': return tree[1];
    case 'ref': return values[tree[1]] ?? '';
    case 'self': return current ?? '';
    case 'neg': return -num(ev(tree[1]));
    case 'op': {
      const op = tree[1];
      if (op === 'and') return bool(ev(tree[2])) && bool(ev(tree[3]));
      if (op === 'or') return bool(ev(tree[2])) || bool(ev(tree[3]));
      const a = ev(tree[2]); const b = ev(tree[3]);
      if (['=', '!=', '<', '<=', '>', '>='].includes(op)) return compare(op, a, b);
      const x = num(a); const y = num(b);
      if (op === '+') return x + y;
      if (op === '-') return x - y;
      if (op === '*') return x * y;
      if (op === 'div') return x / y;
      return x % y;
    }
    default: break;
  }
  const [, name, args] = tree;
  if (name === 'if') return bool(ev(args[0])) ? ev(args[1]) : ev(args[2]);
  const v = args.map(ev);
  switch (name) {
    case 'not': return !bool(v[0]);
    case 'selected': return (Array.isArray(v[0]) ? v[0] : str(v[0]).split(/\s+/)).map(str).includes(str(v[1]));
    case 'count-selected': return Array.isArray(v[0]) ? v[0].length : str(v[0]).split(/\s+/).filter(Boolean).length;
    case 'string-length': return str(v[0]).length;
    case 'regex': try { return new RegExp(str(v[1])).test(str(v[0])); } catch { return false; }
    case 'today': return localToday();
    case 'true': return true;
    case 'false': return false;
    case 'number': return num(v[0]);
    case 'int': return Math.trunc(num(v[0]));
    case 'string': return str(v[0]);
    case 'concat': return v.map(str).join('');
    case 'coalesce': return str(v[0]) !== '' ? v[0] : v[1];
    case 'round': { const f = 10 ** (v.length > 1 ? num(v[1]) : 0); return Math.floor(num(v[0]) * f + 0.5) / f; }
    default: throw new Error(`unsupported: ${name}`);
  }
}

/** XPath boolean() of an expression, false when it cannot be evaluated. */
export function holds(source, values, current) {
  try {
    return bool(evaluate(parse(source), values, current));
  } catch {
    return false;
  }
}
