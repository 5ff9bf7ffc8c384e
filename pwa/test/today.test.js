// "Tugas hari ini" (src/today.js): due work from what the device holds, counted, sorted, each row
// with the route that opens its form preset; and day-first date parsing (src/i18n.js).
import { describe, expect, it } from 'vitest';
import { dueWork, formCounts, previousQuarter, reportDueDate } from '../src/today.js';
import { parseDate, parseDateTime } from '../src/i18n.js';
import { STATES } from '../src/outbox.js';

const bootstrap = {
  report_due_days: 10,
  forms: [
    { code: 'inspeksi-rw', version: 1, title: 'Inspeksi RW', fields: [] },
    { code: 'laporan-kelurahan', version: 1, title: 'Laporan Kelurahan', fields: [] },
    { code: 'tindak-lanjut', version: 1, title: 'Tindak Lanjut Pengaduan', fields: [] },
    { code: 'layanan-selesai', version: 1, title: 'Layanan Selesai', fields: [] },
  ],
  kelurahan: [
    { id: 1, nama: 'Cipaganti', rw: [{ id: 11, nomor: '01' }, { id: 12, nomor: '02' }] },
    { id: 2, nama: 'Dago', rw: [{ id: 21, nomor: '01' }] },
  ],
};
const ALL = ['inspeksi-rw', 'laporan-kelurahan', 'tindak-lanjut', 'layanan-selesai'];
const now = new Date(2026, 9, 5, 9, 0); // 5 October 2026: Q3's reports are due on 10/10/2026

describe('quarters', () => {
  it('knows the previous quarter and its report due date', () => {
    expect(previousQuarter(now).periode).toBe('2026-Q3');
    expect(previousQuarter(new Date(2026, 0, 15)).periode).toBe('2025-Q4');
    expect(reportDueDate(previousQuarter(now).end, 10)).toEqual(new Date(2026, 9, 10));
  });
});

describe('dueWork', () => {
  it('lists reports, complaints, services and RW inspections in that order with their routes', () => {
    const outbox = [
      { id: 'l1', form: 'laporan-kelurahan', subject: { kelurahan_id: 2 }, data: { periode: '2026-Q3' }, state: STATES.SENT },
      { id: 'i1', form: 'inspeksi-rw', subject: { rw_id: 12 }, observed_at: '2026-10-02T09:00:00+07:00', state: STATES.SENT },
      { id: 'i2', form: 'inspeksi-rw', subject: { rw_id: 21 }, observed_at: '2026-10-03T09:00:00+07:00', state: STATES.SENT, review: { status: 'rejected' } },
      { id: 'p-local', form: 'pengaduan', subject: { kelurahan_id: 1 }, data: { tanggal_terima: '2026-10-04', kategori: 'sosial' }, state: STATES.WAITING },
      { id: 't1', form: 'tindak-lanjut', ref: 'C2', state: STATES.WAITING },
    ];
    const openItems = {
      complaints: [
        { id: 'c1', subject: { kelurahan_id: 1 }, kelurahan: 'Cipaganti', tanggal_terima: '2026-10-01', kategori: 'kebersihan' },
        { id: 'c2', subject: { kelurahan_id: 2 }, kelurahan: 'Dago', tanggal_terima: '2026-09-01', kategori: 'keamanan' },
      ],
      services: [{ id: 's1', subject: { kelurahan_id: 2 }, kelurahan: 'Dago', jenis_layanan: 'sktm', waktu_terima: '2026-10-01T09:00:00+07:00' }],
    };
    const groups = dueWork({ bootstrap, formCodes: ALL, outbox, reviews: [], openItems, now });
    expect(groups.map((g) => g.kind)).toEqual(['report', 'complaint', 'service', 'inspection']);
    const [report, complaints, services, inspections] = groups;
    expect(report.rows).toEqual([{ label: 'Laporan Kelurahan · Cipaganti · 2026-Q3', detail: '10/10/2026', late: false, href: '#/form/laporan-kelurahan?kelurahan=1&periode=2026-Q3' }]);
    // c2 has a follow-up on the phone; the phone's own unsent complaint is listed too, oldest first.
    expect(complaints.rows.map((r) => r.href)).toEqual(['#/form/tindak-lanjut?ref=c1', '#/form/tindak-lanjut?ref=p-local']);
    expect(complaints.rows[0].label).toBe('Tindak Lanjut Pengaduan · Cipaganti · 01/10/2026 · kebersihan');
    expect(services.rows.map((r) => r.href)).toEqual(['#/form/layanan-selesai?ref=s1']);
    // RW 02 was inspected this quarter; Dago RW 01's inspection was rejected, so it is due again.
    expect(inspections.rows.map((r) => r.href)).toEqual(['#/form/inspeksi-rw?rw=11', '#/form/inspeksi-rw?rw=21']);
  });

  it('only lists work of forms this role may fill, and a late report says so', () => {
    const late = new Date(2026, 9, 20);
    const groups = dueWork({ bootstrap, formCodes: ['laporan-kelurahan'], outbox: [], reviews: [], openItems: { complaints: [], services: [] }, now: late });
    expect(groups.map((g) => g.kind)).toEqual(['report']);
    expect(groups[0].rows.every((r) => r.late)).toBe(true);
    expect(dueWork({ bootstrap, formCodes: [], outbox: [], reviews: [], openItems: { complaints: [], services: [] }, now })).toEqual([]);
  });
});

describe('formCounts', () => {
  it('counts drafts, waiting and sent per form', () => {
    const counts = formCounts([{ form: 'a' }], [{ form: 'a', state: STATES.SENT }, { form: 'a', state: STATES.INVALID }, { form: 'b', state: STATES.WAITING }]);
    expect(counts).toEqual({ a: { drafts: 1, waiting: 1, sent: 1 }, b: { drafts: 0, waiting: 1, sent: 0 } });
  });
});

describe('day-first dates', () => {
  it('reads 23/11/2026 and ISO, and refuses what is not a date', () => {
    expect(parseDate('23/11/2026')).toBe('2026-11-23');
    expect(parseDate('3-1-26')).toBe('2026-01-03');
    expect(parseDate('2026-11-23')).toBe('2026-11-23');
    expect(parseDate('31/02/2026')).toBe(null);
    expect(parseDate('11/23/2026')).toBe(null);
    expect(parseDate('kemarin')).toBe(null);
  });

  it('reads date-times day-first with a dot or a colon, and ISO', () => {
    expect(parseDateTime('24/11/2026 08.30')).toEqual(new Date(2026, 10, 24, 8, 30));
    expect(parseDateTime('2026-11-24T08:30')).toEqual(new Date(2026, 10, 24, 8, 30));
    expect(parseDateTime('24/11/2026 25.00')).toBe(null);
    expect(parseDateTime('24/11/2026')).toBe(null);
  });
});
