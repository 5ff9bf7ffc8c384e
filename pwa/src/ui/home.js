/**
 * Home: what to do today, answered from what the device holds (works offline).
 *
 *   confirmation   after `Kirim`: "Masuk kotak keluar: …", turning into "Terkirim: …" on the ack
 *   Perlu perbaikan records a reviewer sent back, each a button (title · subject · date) that opens
 *                  the record prefilled as a correction, with the reviewer's `Alasan`
 *   Ditolak        rejected records with their reason
 *   Tugas hari ini due work, counted and sorted (src/today.js), each row one tap to its form
 *   Formulir       one link per form (named with its title), its one-line description and counts
 *   Draf           a button per draft (title · subject · date)
 *   Kotak keluar   unsent items with their state and action; sent items grouped and collapsed
 */
import { deleteDraft, getMeta, listDrafts, listOutbox, listReviews } from '../db.js';
import { formatBytes, getLang, localized, t } from '../i18n.js';
import { STATES } from '../outbox.js';
import { getOpenItems, pendingCorrections, rejected } from '../news.js';
import { dueWork, formCounts } from '../today.js';
import { state, storageInfo } from '../state.js';
import { latestForms, draftName, findDefinition, recordName } from './forms.js';
import { h, mount } from './dom.js';

const SHOWN_PER_GROUP = 5;

/** An outbox item's name in the current language (the stored label is the fallback). */
function itemName(item) {
  const def = findDefinition(state.bootstrap, item.form, item.form_version);
  return def ? recordName(def, item, state.bootstrap, item.observed_at) : item.label || item.form;
}

function go(text, href, cls = 'small', attrs = {}) {
  const button = h('button', { type: 'button', class: cls, ...attrs }, text);
  button.addEventListener('click', () => { location.hash = href; });
  return button;
}

function section(id, title, ...children) {
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function renderHome(root) {
  let alive = true;
  const user = state.session.user;
  const forms = latestForms(state.bootstrap, user.role);
  const flashId = sessionStorage.getItem('flash_item');
  const flashText = sessionStorage.getItem('flash');
  sessionStorage.removeItem('flash');
  sessionStorage.removeItem('flash_item');

  const flash = flashText ? h('p', { class: 'flash', 'aria-live': 'polite' }, flashText) : null;
  const reviewBox = h('div');
  const todayBox = h('div');
  const formsBox = h('div');
  const draftsBox = h('div');
  const outboxBox = h('div');
  const storageBox = h('p', { class: 'hint' });

  async function load() {
    const [drafts, outbox, reviews, openItems, remembered] = await Promise.all([
      listDrafts(user.id),
      listOutbox().then((items) => items.filter((item) => item.user_id === user.id)),
      listReviews(user.id),
      getOpenItems(user.id),
      getMeta(`last_inspection:${user.id}`),
    ]);
    return { drafts, outbox, reviews, openItems, remembered: remembered || {} };
  }

  function drawFlash({ outbox }) {
    if (!flash || !flashId) return;
    const item = outbox.find((i) => i.id === flashId);
    if (item?.state === STATES.SENT) {
      flash.textContent = t('sentItem', { name: itemName(item) });
      flash.classList.add('done');
    }
  }

  function drawReviews({ reviews, outbox }) {
    const fixes = pendingCorrections(reviews, outbox);
    const refused = rejected(reviews);
    const parts = [];
    const row = (review, action) => {
      const def = findDefinition(state.bootstrap, review.form, review.form_version);
      const name = recordName(def, review, state.bootstrap, review.observed_at);
      const reasonId = `reason-${review.id}`;
      const reason = h('p', { class: 'reason', id: reasonId }, t('reason', { reason: review.reason || '—' }));
      const head = action ? go(name, `#/form/${review.form}?review=${review.id}`, 'grow', { 'aria-describedby': reasonId }) : h('p', { class: 'name' }, name);
      return h('li', { class: `item ${review.status}` }, head, reason);
    };
    if (fixes.length) parts.push(section('h-returned', t('needsFix'), h('ul', { class: 'list' }, fixes.map((r) => row(r, true)))));
    if (refused.length) parts.push(section('h-rejected', t('rejectedTitle'), h('ul', { class: 'list' }, refused.slice(0, 20).map((r) => row(r, false)))));
    mount(reviewBox, parts);
  }

  function drawToday(data) {
    const groups = dueWork({ bootstrap: state.bootstrap, formCodes: forms.map((f) => f.code), ...data });
    if (!groups.length) {
      mount(todayBox, h('p', { class: 'hint' }, t('todayEmpty')));
      return;
    }
    const total = groups.reduce((n, g) => n + g.rows.length, 0);
    mount(todayBox, h('p', { class: 'hint' }, t('todayCount', { n: total })), groups.map((group) => {
      const id = `task-${group.kind}`;
      const items = group.rows.map((row) => h('li', {},
        h('a', { class: 'task', href: row.href }, row.label),
        row.detail ? h('span', { class: row.late ? 'badge due' : 'hint' }, ` ${group.kind === 'report' ? t('dueBy', { date: row.detail }) : t('lastVisit', { date: row.detail })}${row.late ? ` · ${t('late')}` : ''}`) : null));
      const shown = items.slice(0, SHOWN_PER_GROUP);
      const rest = items.slice(SHOWN_PER_GROUP);
      return h('div', { class: 'group' },
        h('h3', { id }, `${t(`task_${group.kind}`)} (${group.rows.length})`),
        h('ul', { class: 'tasks', 'aria-labelledby': id }, shown),
        rest.length ? h('details', {}, h('summary', {}, t('showMore', { n: rest.length })), h('ul', { class: 'tasks' }, rest)) : null);
    }));
  }

  function drawForms({ drafts, outbox }) {
    const counts = formCounts(drafts, outbox);
    mount(formsBox, h('ul', { class: 'forms' }, forms.map((form) => {
      const c = counts[form.code] || { drafts: 0, waiting: 0, sent: 0 };
      const descId = `desc-${form.code}`;
      const description = localized(form, 'description');
      return h('li', {},
        h('a', { class: 'button', href: `#/form/${form.code}`, 'aria-describedby': descId }, localized(form, 'title')),
        h('p', { class: 'hint', id: descId }, description ? `${description} · ` : '', t('counts', c)));
    })));
  }

  function drawDrafts({ drafts }) {
    if (!drafts.length) {
      mount(draftsBox, h('p', { class: 'hint' }, t('noDrafts')));
      return;
    }
    mount(draftsBox, h('ul', { class: 'list' }, drafts.map((draft) => {
      const name = draftName(draft, state.bootstrap);
      const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': t('deleteDraft', { name }) }, '✕');
      remove.addEventListener('click', async () => {
        await deleteDraft(draft.id);
        redraw();
      });
      const open = go(name, `#/form/${draft.form}?draft=${draft.id}`, 'grow');
      return h('li', { class: 'row' }, open, remove);
    })));
  }

  function drawOutbox({ outbox }) {
    const items = [...outbox].reverse();
    const open = items.filter((item) => item.state !== STATES.SENT);
    const sent = items.filter((item) => item.state === STATES.SENT);
    if (!open.length && !sent.length) {
      mount(outboxBox, h('p', { class: 'hint' }, t('noOutbox')));
      return;
    }
    const row = (item) => {
      const name = itemName(item);
      const badge = h('span', { class: `badge ${item.state}` }, t(`state_${item.state}`));
      const review = item.review?.status ? h('span', { class: `badge ${item.review.status}` }, t(`review_${item.review.status}`)) : null;
      let action = null;
      if (item.state === STATES.INVALID) action = go(t('fix', { name }), `#/form/${item.form}?fix=${item.id}`);
      if (item.state === STATES.CONFLICT) action = go(t('sendAsNew', { name }), `#/form/${item.form}?fix=${item.id}`);
      if (item.state === STATES.SENT && !item.superseded_by && item.review?.status !== 'rejected') action = go(t('correct', { name }), `#/form/${item.form}?correct=${item.id}`, 'small secondary');
      const errors = item.errors ? h('p', { class: 'error' }, Object.values(item.errors).join(' ')) : null;
      return h('li', { class: `item ${item.state}` }, h('div', {}, badge, ' ', review, review ? ' ' : null, name), errors, action);
    };
    mount(outboxBox,
      open.length ? h('ul', { class: 'list' }, open.map(row)) : null,
      sent.length ? h('details', { class: 'sent' }, h('summary', {}, t('sentGroup', { n: sent.length })), h('ul', { class: 'list' }, sent.map(row))) : null);
  }

  async function drawStorage() {
    const info = await storageInfo();
    if (!info || !alive) return;
    storageBox.textContent = t('storage', { used: formatBytes(info.usage), quota: formatBytes(info.quota) })
      + (info.persisted ? ` ${t('persisted')}` : '');
    if (info.low) storageBox.append(h('strong', { class: 'error', role: 'alert' }, ` ${t('storageLow')}`));
  }

  /**
   * What the screen shows depends on these only: when a state event changes none of them (most
   * events at start-up: online check, counts), the DOM is left alone — no work, no layout shift.
   */
  function signature(data) {
    return JSON.stringify([
      getLang(),
      data.drafts.map((d) => [d.id, d.updated_at]), data.outbox.map((i) => [i.id, i.state, i.review?.status, i.superseded_by]),
      data.reviews.map((r) => [r.id, r.status, r.superseded_by]), data.openItems, data.remembered,
    ]);
  }

  let shown = null;
  let shownBootstrap = null;
  let pending = null;
  let again = false;
  async function redraw() {
    if (pending) { // one redraw at a time; state events come in bursts: run once more after
      again = true;
      return pending;
    }
    pending = (async () => {
      const data = await load();
      const sig = signature(data);
      if (!alive || (sig === shown && state.bootstrap === shownBootstrap)) return;
      const first = shown === null;
      shown = sig;
      shownBootstrap = state.bootstrap;
      const sentOpen = outboxBox.querySelector('details.sent')?.open;
      drawFlash(data);
      drawReviews(data);
      drawToday(data);
      drawForms(data);
      drawDrafts(data);
      drawOutbox(data);
      if (sentOpen) outboxBox.querySelector('details.sent').open = true;
      // The whole screen appears at once, filled (nothing below it moves as parts arrive).
      if (first) {
        mount(root, flash, reviewBox,
          section('h-today', t('today'), todayBox),
          section('h-forms', t('forms'), formsBox),
          section('h-drafts', t('drafts'), draftsBox),
          section('h-outbox', t('outbox'), outboxBox),
          storageBox);
        drawStorage();
        // After `Kirim` the confirmation is where the officer looks: at the top, focused.
        if (flash) {
          flash.tabIndex = -1;
          flash.focus();
        }
      }
    })().finally(() => {
      pending = null;
      if (again) {
        again = false;
        redraw();
      }
    });
    return pending;
  }
  document.addEventListener('sikk:state', redraw);
  redraw();
  return () => {
    alive = false;
    document.removeEventListener('sikk:state', redraw);
  };
}
