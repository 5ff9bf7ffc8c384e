/**
 * The login form. Its names are a contract that outside browser tests use, never renamed: the
 * fields `Nama pengguna` and `Kata sandi`, the button `Masuk`.
 */
import { t } from '../i18n.js';
import { ApiError, NetworkError } from '../api.js';
import { login } from '../state.js';
import { h, mount } from './dom.js';

export function renderLogin(root, { onDone, username = '' }) {
  const user = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', autocapitalize: 'none', required: true, value: username });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, t('login'));
  const form = h('form', { class: 'card', novalidate: true },
    h('h1', {}, t('loginTitle')),
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('username')), user),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('password')), pass),
    error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!user.value.trim() || !pass.value) {
      error.textContent = t('required');
      return;
    }
    submit.disabled = true;
    try {
      await login(user.value.trim(), pass.value);
      onDone();
    } catch (err) {
      if (err instanceof NetworkError) error.textContent = t('loginOffline');
      else if (err instanceof ApiError && err.status === 401) error.textContent = t('loginFailed');
      else error.textContent = err.message || String(err);
    } finally {
      submit.disabled = false;
    }
  });
  mount(root, form);
  user.focus();
}
