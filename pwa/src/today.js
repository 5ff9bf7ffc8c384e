/**
 * "Tugas hari ini": the officer's due work, computed on the device from what it holds (cached
 * bootstrap, outbox, review decisions, cached open items), so the plan works offline.
 *
 * Groups, in this order (deadlines first), each counted and sorted:
 *   report      the last closed quarter's `laporan-kelurahan` per kelurahan, due `report_due_days`
 *               after the quarter's end, until one is on the device or the server (not rejected);
 *   complaint   open complaints without a follow-up (server list + this phone's unsent ones), oldest first;
 *   service     services not completed (same sources), oldest first;
 *   inspection  RW without a counted inspection this quarter (a rejected one does not count), never
 *               inspected first.
 * Every row carries the route that opens its form with the subject (or reference) already chosen.
 * Pure: no DOM, no IndexedDB (src/ui/home.js draws it).
 */
import { describeSubject, findDefinition } from './ui/forms.js';
import { formatDate, localized, quarterOf } from './i18n.js';
import { STATES } from './outbox.js';
import { compareText, lastInspections, normId, REVIEW, reviewOf } from './news.js';

export const DEFAULT_REPORT_DUE_DAYS = 10;

/** The quarter before the one `now` falls in: {periode: "2026-Q3", end: Date (last day)}. */
export function previousQuarter(now) {
  const q = Math.floor(now.getMonth() / 3); // 0..3, the current quarter
  const year = q === 0 ? now.getFullYear() - 1 : now.getFullYear();
  const prev = q === 0 ? 4 : q;
  return { periode: `${year}-Q${prev}`, end: new Date(year, prev * 3, 0) };
}

/** The due date of a quarter's report: its last day + `days`. */
export function reportDueDate(end, days) {
  return new Date(end.getFullYear(), end.getMonth(), end.getDate() + days);
}

const title = (bootstrap, code) => {
  const def = findDefinition(bootstrap, code);
  return def ? localized(def, 'title') : code;
};

const alive = (item, byId) => item.state !== STATES.INVALID && item.state !== STATES.CONFLICT && reviewOf(item, byId) !== REVIEW.REJECTED;

/**
 * @param {{bootstrap: object, formCodes: string[], outbox: object[], reviews: object[],
 *          openItems: {complaints: object[], services: object[]}, remembered?: object, now?: Date}} input
 * @returns {{kind: string, rows: {label: string, detail: string, href: string, late?: boolean}[]}[]} non-empty groups
 */
export function dueWork({ bootstrap, formCodes, outbox, reviews, openItems, remembered = {}, now = new Date() }) {
  const can = new Set(formCodes);
  const byId = new Map(reviews.map((review) => [review.id, review]));
  const records = outbox.filter((item) => alive(item, byId));
  const groups = [];

  if (can.has('laporan-kelurahan')) {
    const { periode, end } = previousQuarter(now);
    const due = reportDueDate(end, bootstrap?.report_due_days ?? DEFAULT_REPORT_DUE_DAYS);
    const done = new Set([...records, ...reviews.filter((r) => r.status !== REVIEW.REJECTED)]
      .filter((r) => r.form === 'laporan-kelurahan' && r.data?.periode === periode)
      .map((r) => r.subject?.kelurahan_id));
    const rows = (bootstrap?.kelurahan || []).filter((kel) => !done.has(kel.id)).map((kel) => ({
      label: `${title(bootstrap, 'laporan-kelurahan')} · ${kel.nama} · ${periode}`,
      detail: formatDate(due),
      late: now > due,
      href: `#/form/laporan-kelurahan?kelurahan=${kel.id}&periode=${periode}`,
    }));
    if (rows.length) groups.push({ kind: 'report', rows });
  }

  const followUps = (form, refForm, server, when, openLocal) => {
    if (!can.has(form)) return null;
    const followed = new Set(records.filter((item) => item.form === form && item.ref).map((item) => normId(item.ref)));
    const seen = new Set();
    const candidates = [];
    for (const entry of server) {
      const id = normId(entry.id);
      if (seen.has(id) || followed.has(id)) continue;
      seen.add(id);
      candidates.push({ id, subject: entry.subject, when: entry[when], extra: entry.kategori || entry.jenis_layanan || '', kelurahan: entry.kelurahan });
    }
    for (const item of records) {
      const id = normId(item.id);
      if (item.form !== refForm || !openLocal(item) || seen.has(id) || followed.has(id) || item.superseded_by) continue;
      if (item.state === STATES.SENT) continue; // once sent, the server's list is the authority
      seen.add(id);
      candidates.push({ id, subject: item.subject, when: item.data?.[when], extra: item.data?.kategori || item.data?.jenis_layanan || '' });
    }
    candidates.sort((a, b) => compareText(a.when || '', b.when || ''));
    const rows = candidates.map((c) => ({
      label: [title(bootstrap, form), c.kelurahan || describeSubject(c.subject, bootstrap), c.when ? formatDate(String(c.when).slice(0, 10)) : '', c.extra].filter(Boolean).join(' · '),
      detail: '',
      href: `#/form/${form}?ref=${c.id}`,
    }));
    return rows.length ? rows : null;
  };
  const complaints = followUps('tindak-lanjut', 'pengaduan', openItems.complaints || [], 'tanggal_terima', () => true);
  if (complaints) groups.push({ kind: 'complaint', rows: complaints });
  const services = followUps('layanan-selesai', 'layanan', openItems.services || [], 'waktu_terima', (item) => !item.data?.waktu_selesai);
  if (services) groups.push({ kind: 'service', rows: services });

  if (can.has('inspeksi-rw')) {
    const quarter = quarterOf(now);
    const last = lastInspections(outbox, reviews, remembered);
    const rows = [];
    for (const kel of bootstrap?.kelurahan || []) {
      for (const rw of kel.rw || []) {
        const known = [last[rw.id], rw.last_inspected_at].filter(Boolean).sort().pop();
        if (known && quarterOf(new Date(known)) === quarter) continue;
        rows.push({
          label: `${title(bootstrap, 'inspeksi-rw')} · RW ${rw.nomor} ${kel.nama}`,
          detail: known ? formatDate(new Date(known)) : '',
          href: `#/form/inspeksi-rw?rw=${rw.id}`,
          sort: known || '',
        });
      }
    }
    rows.sort((a, b) => compareText(a.sort, b.sort));
    if (rows.length) groups.push({ kind: 'inspection', rows: rows.map(({ sort, ...row }) => row) });
  }
  return groups;
}

/** Per form: drafts, waiting (not yet acknowledged) and sent counts on this device. */
export function formCounts(drafts, outbox) {
  const counts = {};
  const bump = (code, key) => {
    counts[code] = counts[code] || { drafts: 0, waiting: 0, sent: 0 };
    counts[code][key] += 1;
  };
  for (const draft of drafts) bump(draft.form, 'drafts');
  for (const item of outbox) bump(item.form, item.state === STATES.SENT ? 'sent' : 'waiting');
  return counts;
}
