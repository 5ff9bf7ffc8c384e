/**
 * Small inline SVG icons (no emoji: many Android and desktop fonts lack them). Decorative: each
 * is aria-hidden, the words next to it carry the meaning.
 */
const NS = 'http://www.w3.org/2000/svg';

function svg(size, ...shapes) {
  const el = document.createElementNS(NS, 'svg');
  el.setAttribute('viewBox', '0 0 24 24');
  el.setAttribute('width', size);
  el.setAttribute('height', size);
  el.setAttribute('aria-hidden', 'true');
  el.setAttribute('focusable', 'false');
  el.setAttribute('class', 'icon');
  for (const [tag, attrs] of shapes) {
    const shape = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries({ fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', ...attrs })) shape.setAttribute(name, value);
    el.append(shape);
  }
  return el;
}

/** A face for an answer from 1 (unhappy) to 4 (very happy): the mouth bends with the score. */
export function face(score, size = 40) {
  const mouths = { 1: 'M7.5 17 Q12 12.5 16.5 17', 2: 'M8 16.5 Q12 14.5 16 16.5', 3: 'M8 15 Q12 17.5 16 15', 4: 'M7 14 Q12 20 17 14' };
  return svg(size,
    ['circle', { cx: 12, cy: 12, r: 10 }],
    ['circle', { cx: 8.5, cy: 9.5, r: 1, fill: 'currentColor', stroke: 'none' }],
    ['circle', { cx: 15.5, cy: 9.5, r: 1, fill: 'currentColor', stroke: 'none' }],
    ['path', { d: mouths[score] || mouths[3] }]);
}

export function camera(size = 22) {
  return svg(size,
    ['path', { d: 'M3 8h4l2-3h6l2 3h4v11H3z', 'stroke-linejoin': 'round' }],
    ['circle', { cx: 12, cy: 13, r: 3.5 }]);
}
