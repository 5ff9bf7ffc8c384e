/**
 * Home: what to do today. The forms this role may fill (a link named with each title), the RW
 * visit plan (last inspection per assigned RW, whether this quarter's is still due), drafts under
 * the heading `Draf`, the outbox with each item's state (needs correction, conflict, sent →
 * correction), and the device's storage.
 */
import { deleteDraft, listDrafts, listOutbox } from '../db.js';
import { formatBytes, formatDate, localized, quarterOf, t } from '../i18n.js';
import { STATES } from '../outbox.js';
import { state, storageInfo } from '../state.js';
import { latestForms, draftName } from './forms.js';
import { h, mount } from './dom.js';

const SHOWN_SENT = 10;

export function renderHome(root) {
  let alive = true;
  const user = state.session.user;
  const forms = latestForms(state.bootstrap, user.role);
  const flash = sessionStorage.getItem('flash');
  sessionStorage.removeItem('flash');

  const formLinks = h('ul', { class: 'forms' }, forms.map((form) => h('li', {}, h('a', { class: 'button', href: `#/form/${form.code}` }, localized(form, 'title')))));
  const planBox = h('div');
  const draftsBox = h('div');
  const outboxBox = h('div');
  const storageBox = h('p', { class: 'hint' });

  mount(root,
    flash ? h('p', { class: 'flash', 'aria-live': 'polite' }, flash) : null,
    h('section', { 'aria-labelledby': 'h-forms' }, h('h2', { id: 'h-forms' }, t('forms')), formLinks),
    h('section', { 'aria-labelledby': 'h-drafts' }, h('h2', { id: 'h-drafts' }, t('drafts')), draftsBox),
    h('section', { 'aria-labelledby': 'h-outbox' }, h('h2', { id: 'h-outbox' }, t('outbox')), outboxBox),
    h('section', { 'aria-labelledby': 'h-plan' }, h('h2', { id: 'h-plan' }, t('plan')), planBox),
    storageBox);

  async function drawDrafts() {
    const drafts = await listDrafts(user.id);
    if (!alive) return;
    if (!drafts.length) {
      mount(draftsBox, h('p', { class: 'hint' }, t('noDrafts')));
      return;
    }
    mount(draftsBox, h('ul', { class: 'list' }, drafts.map((draft) => {
      const name = draftName(draft, state.bootstrap);
      const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': t('deleteDraft', { name }) }, '✕');
      remove.addEventListener('click', async () => {
        await deleteDraft(draft.id);
        drawDrafts();
      });
      const open = h('button', { type: 'button', class: 'grow' }, name);
      open.addEventListener('click', () => { location.hash = `#/form/${draft.form}?draft=${draft.id}`; });
      return h('li', { class: 'row' }, open, remove);
    })));
  }

  async function drawOutbox() {
    const items = (await listOutbox()).filter((item) => item.user_id === user.id).reverse();
    if (!alive) return;
    const open = items.filter((item) => item.state !== STATES.SENT);
    const sent = items.filter((item) => item.state === STATES.SENT).slice(0, SHOWN_SENT);
    if (!open.length && !sent.length) {
      mount(outboxBox, h('p', { class: 'hint' }, t('noOutbox')));
      return;
    }
    const go = (text, href, cls = 'small') => {
      const button = h('button', { type: 'button', class: cls }, text);
      button.addEventListener('click', () => { location.hash = href; });
      return button;
    };
    const row = (item) => {
      const name = item.label || item.form;
      const badge = h('span', { class: `badge ${item.state}` }, t(`state_${item.state}`));
      let action = null;
      if (item.state === STATES.INVALID) action = go(t('fix', { name }), `#/form/${item.form}?fix=${item.id}`);
      if (item.state === STATES.CONFLICT) action = go(t('sendAsNew', { name }), `#/form/${item.form}?fix=${item.id}`);
      if (item.state === STATES.SENT && !item.superseded_by) action = go(t('correct', { name }), `#/form/${item.form}?correct=${item.id}`, 'small secondary');
      const errors = item.errors ? h('p', { class: 'error' }, Object.values(item.errors).join(' ')) : null;
      return h('li', { class: `item ${item.state}` }, h('div', {}, badge, ' ', name), errors, action);
    };
    mount(outboxBox, h('ul', { class: 'list' }, open.map(row), sent.map(row)));
  }

  async function drawPlan() {
    const rows = [];
    const inspections = (await listOutbox()).filter((item) => item.form === 'inspeksi-rw' && item.state !== STATES.INVALID && item.user_id === user.id);
    const last = new Map();
    for (const item of inspections) {
      const rwId = item.subject?.rw_id;
      if (rwId && (!last.has(rwId) || last.get(rwId) < item.observed_at)) last.set(rwId, item.observed_at);
    }
    const quarter = quarterOf(new Date());
    for (const kel of state.bootstrap?.kelurahan || []) {
      for (const rw of kel.rw || []) {
        const known = [last.get(rw.id), rw.last_inspected_at, rw.last_inspection].filter(Boolean).sort().pop();
        const due = !known || quarterOf(new Date(known)) !== quarter;
        rows.push(h('tr', {},
          h('th', { scope: 'row' }, `RW ${rw.nomor}`, h('span', { class: 'hint' }, ` ${kel.nama}`)),
          h('td', {}, known ? formatDate(new Date(known)) : t('never')),
          h('td', {}, h('span', { class: due ? 'badge due' : 'badge done' }, due ? t('planDueYes') : t('planDueNo')))));
      }
    }
    if (!alive) return;
    if (!rows.length || !forms.some((f) => f.code === 'inspeksi-rw')) {
      planBox.closest('section').hidden = true;
      return;
    }
    mount(planBox, h('table', { class: 'plan' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('rw')), h('th', { scope: 'col' }, t('planLast')), h('th', { scope: 'col' }, `${t('planDue')} (${quarter})`))),
      h('tbody', {}, rows)));
  }

  async function drawStorage() {
    const info = await storageInfo();
    if (!info || !alive) return;
    storageBox.textContent = t('storage', { used: formatBytes(info.usage), quota: formatBytes(info.quota) })
      + (info.persisted ? ` ${t('persisted')}` : '');
    if (info.low) storageBox.append(h('strong', { class: 'error', role: 'alert' }, ` ${t('storageLow')}`));
  }

  const redraw = () => {
    drawOutbox();
    drawPlan();
  };
  document.addEventListener('sikk:state', redraw);
  drawDrafts();
  redraw();
  drawStorage();
  return () => {
    alive = false;
    document.removeEventListener('sikk:state', redraw);
  };
}
