/** A tiny hyperscript: h('button', {type: 'button', onclick}, 'Kirim') → an element. No framework. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the content of `root` with `children`. */
export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

let idCounter = 0;
/** A unique element id (labels point at inputs by id). */
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Let the browser run what is waiting (input, paint) before the next step of a long piece of work:
 * `scheduler.yield()` where there is one (the rest keeps its place at the front of the queue),
 * otherwise a new task. Keeps each step of a first draw a short task on a slow phone.
 */
export function yieldToMain() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
