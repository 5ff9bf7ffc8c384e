/**
 * Kiosk mode for the `skm` survey on a tablet at the service desk: anonymous, one big-button
 * question at a time with the regulation's four answer words (scores 1→4), an optional profile,
 * `Kirim`, a thank-you screen, then it resets itself for the next citizen. Works offline: answers
 * go to the same IndexedDB outbox and sync in the background.
 *
 * For the citizen: each question asked as a question in plain Indonesian (the regulation's element
 * name stays underneath, as the report names it), a face per answer, buttons that fill the
 * tablet's height, the previous answer highlighted when going back. Nothing on screen leaves the
 * survey: the staff controls (sync, language, log out) sit behind a long press on the SIKK mark
 * (src/app.js), and the browser's back button stays in the kiosk.
 */
import { getMeta, setMeta } from '../db.js';
import { getLang, isoLocal, localized, t } from '../i18n.js';
import { enqueue } from '../outbox.js';
import { renderField } from '../render/index.js';
import { registerBackgroundSync, state, syncNow } from '../state.js';
import { cleanData } from '../validate.js';
import { findDefinition, recordName } from './forms.js';
import { unitOptions } from './form.js';
import { h, mount } from './dom.js';
import { face } from './icons.js';

const RESET_AFTER_MS = 8000;

/**
 * The SKM elements as questions people ask (the regulation's element names are the fields'
 * labels; a definition may carry its own `question`/`question_en`).
 */
const QUESTIONS = {
  id: {
    u1: 'Apakah persyaratan layanan sesuai dengan yang diumumkan?',
    u2: 'Apakah prosedur layanan mudah diikuti?',
    u3: 'Apakah layanan selesai dengan cepat?',
    u4: 'Berapa biaya yang Anda bayar untuk layanan ini?',
    u5: 'Apakah hasil layanan sesuai dengan yang dijanjikan?',
    u6: 'Apakah petugas menguasai pekerjaannya?',
    u7: 'Apakah petugas sopan dan ramah?',
    u8: 'Bagaimana pengaduan warga ditangani di sini?',
    u9: 'Bagaimana ruang tunggu, toilet, dan sarana lainnya?',
  },
  en: {
    u1: 'Did the requirements match what was announced?',
    u2: 'Was the procedure easy to follow?',
    u3: 'Was the service quick?',
    u4: 'How much did you pay for this service?',
    u5: 'Was the result what was promised?',
    u6: 'Did the staff know their job?',
    u7: 'Were the staff polite and friendly?',
    u8: 'How are complaints handled here?',
    u9: 'How are the waiting room, toilets and other facilities?',
  },
};

function questionText(field) {
  return localized(field, 'question') || QUESTIONS[getLang()]?.[field.key] || localized(field, 'label');
}
const IDLE_RESET_MS = 3 * 60 * 1000;

/** Units a kiosk may survey for: its kelurahan offices, or the kecamatan office (bootstrap `units`). */
function units(bootstrap) {
  return unitOptions(bootstrap);
}

/** Back to the start screen after `ms` (the next citizen), unless the kiosk was left meanwhile. */
function restartAfter(kiosk, ms) {
  clearTimeout(kiosk.timer);
  kiosk.timer = setTimeout(() => kiosk.alive && start(kiosk), ms);
}

/** The start screen: the unit surveyed (remembered on the device) and `Mulai survei`. */
async function start(kiosk) {
  clearTimeout(kiosk.timer);
  state.formOpen = false; // between citizens an update may install
  kiosk.answers = {};
  const options = units(state.bootstrap);
  const saved = await getMeta('kiosk_unit');
  const unitSelect = h('select', { id: 'kiosk-unit' }, options.map((o) => h('option', { value: o.value, selected: o.value === saved }, o.label)));
  unitSelect.addEventListener('change', () => setMeta('kiosk_unit', unitSelect.value));
  const begin = h('button', { type: 'button', class: 'big' }, t('kioskStart'));
  begin.addEventListener('click', () => {
    state.formOpen = true; // a citizen is answering: an update waits
    kiosk.startedAt = isoLocal();
    setMeta('kiosk_unit', unitSelect.value);
    ask(kiosk, 0);
  });
  if (!kiosk.alive) return;
  mount(kiosk.root, h('div', { class: 'kiosk' },
    h('h1', {}, t('kioskTitle')), h('p', {}, t('kioskIntro')),
    options.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'kiosk-unit' }, t('kioskUnit')), unitSelect) : null,
    begin));
  kiosk.root.dataset.unit = unitSelect.value || options[0]?.value || '';
  begin.focus();
}

/** Question `index` (after the last: the profile), its answer given before highlighted (`aria-pressed`). */
function ask(kiosk, index) {
  restartAfter(kiosk, IDLE_RESET_MS);
  const { questions, answers } = kiosk;
  if (index >= questions.length) {
    askProfile(kiosk);
    return;
  }
  const question = questions[index];
  const heading = h('h1', { id: 'kiosk-q', tabindex: '-1' }, questionText(question));
  const element = h('p', { class: 'hint element' }, localized(question, 'label'));
  const buttons = (question.choices || []).map((choice) => {
    const chosen = answers[question.key] === choice.value;
    const button = h('button', { type: 'button', class: `big answer a${choice.value}${chosen ? ' chosen' : ''}`, 'aria-pressed': String(chosen) },
      face(choice.value), h('span', {}, localized(choice, 'label')));
    button.addEventListener('click', () => {
      answers[question.key] = choice.value;
      ask(kiosk, index + 1);
    });
    return button;
  });
  const back = index > 0 ? h('button', { type: 'button', class: 'secondary' }, t('previous')) : null;
  back?.addEventListener('click', () => ask(kiosk, index - 1));
  mount(kiosk.root, h('div', { class: 'kiosk kiosk-question' },
    h('p', { class: 'hint' }, t('question', { i: index + 1, n: questions.length })),
    heading, element, h('div', { class: 'answers', role: 'group', 'aria-labelledby': 'kiosk-q' }, buttons), back));
  heading.focus();
}

/** The optional profile (the definition's other fields), `Sebelumnya` and `Kirim`. */
function askProfile(kiosk) {
  const { answers } = kiosk;
  const controls = kiosk.profile.map((field) => {
    const control = renderField(field, answers[field.key], (value) => {
      if (value === undefined) delete answers[field.key];
      else answers[field.key] = value;
      restartAfter(kiosk, IDLE_RESET_MS);
    });
    return control.el;
  });
  const send = h('button', { type: 'submit', class: 'big' }, t('submit'));
  const back = h('button', { type: 'button', class: 'secondary' }, t('previous'));
  back.addEventListener('click', () => ask(kiosk, kiosk.questions.length - 1));
  const form = h('form', { class: 'kiosk form', novalidate: true }, h('h1', {}, t('profile')), controls, h('div', { class: 'actions' }, back, send));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    send.disabled = true;
    await submit(kiosk);
  });
  mount(kiosk.root, form);
}

/** Queue the answers for the chosen unit, sync in the background, thank the citizen. */
async function submit(kiosk) {
  const { definition } = kiosk;
  const unitValue = (await getMeta('kiosk_unit')) || units(state.bootstrap)[0]?.value;
  const unit = units(state.bootstrap).find((u) => u.value === unitValue) || units(state.bootstrap)[0];
  const data = cleanData(definition, kiosk.answers);
  const submission = {
    user_id: state.session.user.id, form: 'skm', form_version: definition.version, subject: unit?.subject,
    observed_at: kiosk.startedAt || isoLocal(), data, photos: [],
  };
  submission.label = recordName(definition, submission, state.bootstrap, Date.now());
  await enqueue(submission);
  registerBackgroundSync();
  syncNow(false);
  thanks(kiosk);
}

/** "Terima kasih!", then back to the start after `RESET_AFTER_MS` (or at once with `Selesai`). */
function thanks(kiosk) {
  const done = h('button', { type: 'button', class: 'big' }, t('nextRespondent'));
  done.addEventListener('click', () => start(kiosk));
  mount(kiosk.root, h('div', { class: 'kiosk thanks' }, h('h1', { tabindex: '-1' }, t('thanks')), h('p', {}, t('thanksBody')), done));
  restartAfter(kiosk, RESET_AFTER_MS);
}

export function renderKiosk(root) {
  const definition = findDefinition(state.bootstrap, 'skm');
  if (!definition) {
    mount(root, h('p', { class: 'error' }, 'Formulir SKM belum tersedia.'));
    return () => {};
  }
  const kiosk = {
    root, definition, alive: true, timer: null, answers: {}, startedAt: null,
    questions: definition.fields.filter((f) => f.type === 'likert'),
    profile: definition.fields.filter((f) => f.type !== 'likert'),
  };
  // The browser's back button (or a swipe) stays in the survey.
  const stay = () => history.pushState(null, '', location.href);
  stay();
  window.addEventListener('popstate', stay);
  start(kiosk);
  return () => {
    kiosk.alive = false;
    state.formOpen = false;
    clearTimeout(kiosk.timer);
    window.removeEventListener('popstate', stay);
  };
}
