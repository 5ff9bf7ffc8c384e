/** geopoint: the device's GPS fix with its accuracy ({lat, lon, accuracy} in metres). */
import { h } from '../ui/dom.js';
import { formatNumber, t } from '../i18n.js';

function describe(value) {
  if (!value) return '';
  const where = `${formatNumber(value.lat, 6)}; ${formatNumber(value.lon, 6)}`;
  return value.accuracy !== undefined ? `${where} (${t('accuracy', { m: formatNumber(value.accuracy, 0) })})` : where;
}

export function renderGeopoint(field, value, onValue) {
  const output = h('span', { class: 'hint', 'aria-live': 'polite' }, describe(value));
  const clear = h('button', { type: 'button', class: 'secondary', hidden: !value }, t('clearLocation'));
  const locate = h('button', { type: 'button', class: 'secondary' }, t('getLocation'));
  locate.addEventListener('click', () => {
    if (!navigator.geolocation) {
      output.textContent = t('locationFailed');
      return;
    }
    output.textContent = t('locating');
    navigator.geolocation.getCurrentPosition((position) => {
      const point = {
        lat: position.coords.latitude,
        lon: position.coords.longitude,
        accuracy: Math.round(position.coords.accuracy * 10) / 10,
      };
      output.textContent = describe(point);
      clear.hidden = false;
      onValue(point);
    }, () => {
      output.textContent = t('locationFailed');
    }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
  });
  clear.addEventListener('click', () => {
    output.textContent = '';
    clear.hidden = true;
    onValue(undefined);
  });
  return { el: h('div', { class: 'geo' }, h('div', { class: 'row' }, locate, clear), output), focus: () => locate.focus() };
}
