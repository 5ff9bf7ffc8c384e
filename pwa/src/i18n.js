/**
 * Words and formats. Indonesian by default (these interface names are the contract: Daring/Luring,
 * Belum terkirim, Simpan draf, Kirim, Sinkronkan, Wajib diisi …); English switchable.
 * Dates and numbers the Indonesian way: 23/11/2026, 42,86.
 */
const STRINGS = {
  id: {
    appName: 'SIKK',
    username: 'Nama pengguna',
    password: 'Kata sandi',
    login: 'Masuk',
    loginTitle: 'Masuk ke SIKK',
    loginFailed: 'Nama pengguna atau kata sandi salah.',
    loginOffline: 'Tidak ada koneksi ke server. Masuk pertama kali harus daring (online).',
    logout: 'Keluar',
    online: 'Daring (online)',
    offline: 'Luring (offline)',
    unsent: 'Belum terkirim: {n}',
    sync: 'Sinkronkan',
    syncing: 'Menyinkronkan… {done}/{total}',
    lastSync: 'Sinkron terakhir: {when}',
    syncDone: 'Terkirim: {sent}.',
    syncOffline: 'Luring: data tetap tersimpan di perangkat.',
    syncRetry: 'Koneksi terputus; dicoba lagi otomatis.',
    forms: 'Formulir',
    drafts: 'Draf',
    noDrafts: 'Belum ada draf.',
    deleteDraft: 'Hapus draf {name}',
    outbox: 'Kotak keluar',
    noOutbox: 'Kotak keluar kosong.',
    needsFix: 'Perlu perbaikan',
    fix: 'Perbaiki {name}',
    correct: 'Koreksi {name}',
    sendAsNew: 'Kirim sebagai data baru: {name}',
    state_waiting: 'Menunggu',
    state_sending: 'Mengirim',
    state_sent: 'Terkirim',
    state_invalid: 'Perlu perbaikan',
    state_conflict: 'Konflik',
    plan: 'Rencana kunjungan RW',
    planLast: 'Inspeksi terakhir',
    planDue: 'Triwulan ini',
    planDueYes: 'Perlu inspeksi',
    planDueNo: 'Sudah',
    never: 'Belum pernah',
    kelurahan: 'Kelurahan',
    rw: 'RW',
    ref: 'Rujukan',
    observedAt: 'Waktu pengamatan',
    kantorKecamatan: 'Kantor Kecamatan',
    choose: '— Pilih —',
    saveDraft: 'Simpan draf',
    submit: 'Kirim',
    back: 'Kembali ke beranda',
    draftSaved: 'Draf tersimpan.',
    queued: 'Masuk kotak keluar. Akan dikirim saat daring.',
    fixErrors: 'Periksa isian yang ditandai.',
    required: 'Wajib diisi.',
    min: 'Minimal {n}.',
    max: 'Maksimal {n}.',
    minLength: 'Panjang teks: Minimal {n}.',
    maxLength: 'Panjang teks: Maksimal {n}.',
    integer: 'Harus berupa bilangan bulat.',
    number: 'Harus berupa angka.',
    pattern: 'Format tidak sesuai.',
    notBefore: 'Tidak boleh sebelum {label}.',
    tooManyPhotos: 'Jumlah foto: Maksimal {n}.',
    minChoices: 'Jumlah pilihan: Minimal {n}.',
    maxChoices: 'Jumlah pilihan: Maksimal {n}.',
    yes: 'Ya',
    no: 'Tidak',
    getLocation: 'Ambil lokasi',
    locating: 'Mencari lokasi…',
    locationFailed: 'Lokasi tidak dapat diambil.',
    accuracy: 'akurasi ±{m} m',
    clearLocation: 'Hapus lokasi',
    addPhoto: 'Tambah foto',
    removePhoto: 'Hapus foto {n}',
    photoProcessing: 'Memproses foto…',
    photoFailed: 'Foto tidak dapat diproses.',
    photoUploaded: 'foto {n} (sudah terunggah)',
    noRecords: 'Belum ada data untuk dirujuk.',
    correctionOf: 'Koreksi atas data {when}. Data lama diganti setelah terkirim.',
    serverErrors: 'Server menolak data ini. Perbaiki isian yang ditandai lalu Kirim lagi.',
    conflictHelp: 'Server sudah menyimpan data lain dengan kode yang sama.',
    storage: 'Penyimpanan: {used} terpakai dari {quota}',
    persisted: '(permanen: tidak dihapus otomatis oleh peramban)',
    storageLow: 'Ruang penyimpanan hampir penuh. Sinkronkan lalu hapus berkas lain di perangkat.',
    authRequired: 'Sesi berakhir. Masuk lagi untuk mengirim; data tetap aman di perangkat.',
    loginAgain: 'Masuk lagi',
    updateReady: 'Versi baru tersedia.',
    updateNow: 'Perbarui sekarang',
    updateAfterForm: 'Versi baru tersedia; dipasang setelah formulir ditutup.',
    language: 'English',
    langCode: 'id',
    kioskTitle: 'Survei Kepuasan Masyarakat',
    kioskIntro: 'Bantu kami memperbaiki pelayanan. Survei ini tanpa nama dan hanya 1 menit.',
    kioskStart: 'Mulai survei',
    kioskUnit: 'Unit layanan',
    question: 'Pertanyaan {i} dari {n}',
    previous: 'Sebelumnya',
    profile: 'Tentang Anda (boleh dilewati)',
    thanks: 'Terima kasih!',
    thanksBody: 'Jawaban Anda sudah tersimpan.',
    nextRespondent: 'Selesai',
    today: 'Tugas hari ini',
    todayEmpty: 'Tidak ada tugas yang jatuh tempo. Semua beres.',
    todayCount: '{n} tugas',
    task_report: 'Laporan triwulan belum dikirim',
    task_complaint: 'Pengaduan belum ditindaklanjuti',
    task_service: 'Layanan belum selesai',
    task_inspection: 'RW perlu inspeksi triwulan ini',
    dueBy: 'batas {date}',
    late: 'terlambat',
    lastVisit: 'terakhir {date}',
    showMore: 'Tampilkan {n} lagi',
    reason: 'Alasan: {reason}',
    rejectedTitle: 'Ditolak',
    review_accepted: 'Diterima',
    review_rejected: 'Ditolak',
    review_returned: 'Perlu perbaikan',
    review_pending: 'Menunggu tinjauan',
    counts: '{drafts} draf · {waiting} belum terkirim · {sent} terkirim',
    sentGroup: 'Terkirim ({n})',
    queuedItem: 'Masuk kotak keluar: {name}. Akan dikirim saat daring.',
    sentItem: 'Terkirim: {name}. Sudah diterima server.',
    now: 'Sekarang',
    takePhoto: 'Ambil foto',
    dateFormat: 'Tulis tanggal sebagai hh/bb/tttt, misalnya 23/11/2026.',
    datePlaceholder: 'hh/bb/tttt',
    dateTimeFormat: 'Tulis sebagai hh/bb/tttt jj.mm, misalnya 23/11/2026 09.30.',
    dateTimePlaceholder: 'hh/bb/tttt jj.mm',
    unanswered: 'Belum dijawab',
    staffMenu: 'Menu petugas',
    staffClose: 'Tutup menu petugas',
    fromServer: 'Dari server (semua petugas)',
    fromDevice: 'Dari perangkat ini',
    returnedOf: 'Perbaikan data yang dikembalikan. {reason}',
  },
  en: {
    appName: 'SIKK',
    username: 'Username',
    password: 'Password',
    login: 'Log in',
    loginTitle: 'Log in to SIKK',
    loginFailed: 'Wrong username or password.',
    loginOffline: 'No connection to the server. The first login must be online.',
    logout: 'Log out',
    online: 'Online',
    offline: 'Offline',
    unsent: 'Not sent: {n}',
    sync: 'Sync now',
    syncing: 'Syncing… {done}/{total}',
    lastSync: 'Last sync: {when}',
    syncDone: 'Sent: {sent}.',
    syncOffline: 'Offline: data stays on this device.',
    syncRetry: 'Connection lost; will retry automatically.',
    forms: 'Forms',
    drafts: 'Drafts',
    noDrafts: 'No drafts yet.',
    deleteDraft: 'Delete draft {name}',
    outbox: 'Outbox',
    noOutbox: 'The outbox is empty.',
    needsFix: 'Needs correction',
    fix: 'Correct {name}',
    correct: 'Amend {name}',
    sendAsNew: 'Send as a new record: {name}',
    state_waiting: 'Waiting',
    state_sending: 'Sending',
    state_sent: 'Sent',
    state_invalid: 'Needs correction',
    state_conflict: 'Conflict',
    plan: 'RW visit plan',
    planLast: 'Last inspection',
    planDue: 'This quarter',
    planDueYes: 'Due',
    planDueNo: 'Done',
    never: 'Never',
    kelurahan: 'Kelurahan',
    rw: 'RW',
    ref: 'Record',
    observedAt: 'Time observed',
    kantorKecamatan: 'Kecamatan office',
    choose: '— Choose —',
    saveDraft: 'Save draft',
    submit: 'Send',
    back: 'Back to home',
    draftSaved: 'Draft saved.',
    queued: 'Put in the outbox. It will be sent when online.',
    fixErrors: 'Check the marked fields.',
    required: 'Required.',
    min: 'At least {n}.',
    max: 'At most {n}.',
    minLength: 'Text length: at least {n}.',
    maxLength: 'Text length: at most {n}.',
    integer: 'Must be a whole number.',
    number: 'Must be a number.',
    pattern: 'Wrong format.',
    notBefore: 'Must not be before {label}.',
    tooManyPhotos: 'Photos: at most {n}.',
    minChoices: 'Choices: at least {n}.',
    maxChoices: 'Choices: at most {n}.',
    yes: 'Yes',
    no: 'No',
    getLocation: 'Get location',
    locating: 'Locating…',
    locationFailed: 'Could not get the location.',
    accuracy: 'accuracy ±{m} m',
    clearLocation: 'Clear location',
    addPhoto: 'Add photo',
    removePhoto: 'Remove photo {n}',
    photoProcessing: 'Processing photo…',
    photoFailed: 'The photo could not be processed.',
    photoUploaded: 'photo {n} (already uploaded)',
    noRecords: 'No records to refer to yet.',
    correctionOf: 'Amends the record of {when}. The old one is replaced once this is sent.',
    serverErrors: 'The server refused this record. Correct the marked fields and send again.',
    conflictHelp: 'The server already holds another record with the same id.',
    storage: 'Storage: {used} used of {quota}',
    persisted: '(persistent: the browser will not evict it)',
    storageLow: 'Storage is almost full. Sync, then free space on the device.',
    authRequired: 'Session ended. Log in again to send; your data is safe on this device.',
    loginAgain: 'Log in again',
    updateReady: 'A new version is available.',
    updateNow: 'Update now',
    updateAfterForm: 'A new version is available; it installs once the form is closed.',
    language: 'Bahasa Indonesia',
    langCode: 'en',
    kioskTitle: 'Public satisfaction survey',
    kioskIntro: 'Help us improve our service. Anonymous, one minute.',
    kioskStart: 'Start the survey',
    kioskUnit: 'Service unit',
    question: 'Question {i} of {n}',
    previous: 'Previous',
    profile: 'About you (optional)',
    thanks: 'Thank you!',
    thanksBody: 'Your answers are saved.',
    nextRespondent: 'Done',
    today: 'Today\'s tasks',
    todayEmpty: 'Nothing is due. All done.',
    todayCount: '{n} tasks',
    task_report: 'Quarterly reports not sent',
    task_complaint: 'Complaints without follow-up',
    task_service: 'Services not completed',
    task_inspection: 'RW due for inspection this quarter',
    dueBy: 'due {date}',
    late: 'late',
    lastVisit: 'last {date}',
    showMore: 'Show {n} more',
    reason: 'Reason: {reason}',
    rejectedTitle: 'Rejected',
    review_accepted: 'Accepted',
    review_rejected: 'Rejected',
    review_returned: 'Needs correction',
    review_pending: 'Awaiting review',
    counts: '{drafts} drafts · {waiting} not sent · {sent} sent',
    sentGroup: 'Sent ({n})',
    queuedItem: 'In the outbox: {name}. It will be sent when online.',
    sentItem: 'Sent: {name}. The server has it.',
    now: 'Now',
    takePhoto: 'Take photo',
    dateFormat: 'Write the date as dd/mm/yyyy, e.g. 23/11/2026.',
    datePlaceholder: 'dd/mm/yyyy',
    dateTimeFormat: 'Write it as dd/mm/yyyy hh:mm, e.g. 23/11/2026 09:30.',
    dateTimePlaceholder: 'dd/mm/yyyy hh:mm',
    unanswered: 'Not answered',
    staffMenu: 'Staff menu',
    staffClose: 'Close staff menu',
    fromServer: 'From the server (all officers)',
    fromDevice: 'From this device',
    returnedOf: 'Correction of a record sent back. {reason}',
  },
};

let lang = 'id';

export function getLang() {
  return lang;
}

export function setLang(code) {
  lang = STRINGS[code] ? code : 'id';
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

/** The text for `key` in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const template = STRINGS[lang][key] ?? STRINGS.id[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? ''));
}

const WORDS = { en: {} };

/** English for data words that come without `*_en` (src/render/words.js, loaded on demand). */
export function addWords(english) {
  Object.assign(WORDS.en, english);
}

/**
 * A definition's text in the current language (`label_en`, `title_en` when English; else the
 * app's own English for that word, else the Indonesian text).
 */
export function localized(object, key) {
  if (lang === 'en' && object[`${key}_en`]) return object[`${key}_en`];
  if (lang === 'en' && typeof object[key] === 'string' && WORDS.en[object[key]]) return WORDS.en[object[key]];
  return object[key];
}

const pad = (n) => String(n).padStart(2, '0');

/** 23/11/2026 from a Date, a timestamp or an ISO string (local time for datetimes). */
export function formatDate(value) {
  if (!value) return '';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-');
    return `${d}/${m}/${y}`;
  }
  const date = value instanceof Date ? value : new Date(value);
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`;
}

/**
 * A date typed day-first ("23/11/2026", "23-11-2026", "23.11.2026", "23/11/26") or as ISO
 * ("2026-11-23") → "2026-11-23"; null when it is not a real calendar date.
 */
export function parseDate(text) {
  const value = String(text || '').trim();
  let y;
  let m;
  let d;
  let match = value.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  if (match) [, y, m, d] = match.map(Number);
  else if ((match = value.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/))) {
    [, d, m, y] = match.map(Number);
    if (y < 100) y += 2000;
  } else return null;
  const date = new Date(y, m - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * A date-time typed day-first ("24/11/2026 08.30", "24/11/2026 8:30") or ISO-like
 * ("2026-11-24T08:30") → a local Date; null when it is not one.
 */
export function parseDateTime(text) {
  const match = String(text || '').trim().match(/^(\S+?)(?:[T ,]+)(\d{1,2})[.:](\d{2})(?::\d{2})?$/);
  if (!match) return null;
  const day = parseDate(match[1]);
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  if (!day || hours > 23 || minutes > 59) return null;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d, hours, minutes);
}

/** 23/11/2026 09.30 (Indonesian time separator is a dot). */
export function formatDateTime(value) {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  const sep = lang === 'id' ? '.' : ':';
  return `${formatDate(date)} ${pad(date.getHours())}${sep}${pad(date.getMinutes())}`;
}

const SEPARATORS = { id: { group: '.', decimal: ',' }, en: { group: ',', decimal: '.' } };

/**
 * 42,86 in Indonesian, 42.86 in English: at most `digits` decimals, thousands grouped — exactly what
 * `Intl.NumberFormat` writes. Like `Intl`, it rounds the number's shortest decimal text (the one
 * `String()` gives) half away from zero, on the digits themselves: scaling the double instead
 * (`x * 10^digits`) can round twice (429275719.90813947 to 6 places gave …,90814, not …,908139).
 * Written out rather than `Intl.NumberFormat`, whose first use loads locale data — some 70 ms of
 * main thread on a slow phone, on the home screen's storage line. Values it does not cover (not
 * finite, exponent notation) go to `Intl`.
 */
export function formatNumber(value, digits = 2) {
  const abs = Math.abs(value);
  if (!Number.isFinite(abs) || String(abs).includes('e')) {
    return new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: digits }).format(value);
  }
  const { group, decimal } = SEPARATORS[lang] || SEPARATORS.id;
  const text = roundedDigits(String(abs), digits).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+$)/g, group);
  const fraction = text.slice(text.length - digits).replace(/0+$/, '');
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  return `${sign}${whole}${fraction ? `${decimal}${fraction}` : ''}`;
}

/** "12.345" with 2 digits → "1235": the decimal text rounded half up to `digits` places, as an integer's digits. */
function roundedDigits(plain, digits) {
  const [int, frac = ''] = plain.split('.');
  const kept = `${int}${frac.slice(0, digits).padEnd(digits, '0')}`;
  return frac.length > digits && frac[digits] >= '5' ? String(BigInt(kept) + 1n) : String(BigInt(kept));
}

export function formatBytes(bytes) {
  if (bytes >= 1024 ** 3) return `${formatNumber(bytes / 1024 ** 3, 1)} GB`;
  if (bytes >= 1024 ** 2) return `${formatNumber(bytes / 1024 ** 2, 1)} MB`;
  return `${formatNumber(bytes / 1024, 0)} KB`;
}

/** An ISO 8601 datetime with the device's own offset: 2026-03-14T09:30:00+07:00. */
export function isoLocal(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "2026-Q4" for a date (the quarter an inspection counts for). */
export function quarterOf(date) {
  const d = date instanceof Date ? date : new Date(date);
  return `${d.getFullYear()}-Q${Math.floor(d.getMonth() / 3) + 1}`;
}
