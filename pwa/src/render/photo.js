/**
 * photo: a camera button (`Ambil foto`; opens the camera on phones) over a visually hidden file
 * input that keeps the field's label — no "No file chosen" — and a thumbnail per photo.
 * Several photos up to the field's max. Each photo is downscaled and
 * compressed on the device, stored in IndexedDB by SHA-256 and named in the form's data by hash.
 */
import { h } from '../ui/dom.js';
import { camera } from '../ui/icons.js';
import { t } from '../i18n.js';
import { getPhoto, putPhoto } from '../db.js';
import { preparePhoto } from '../photo.js';

export function renderPhoto(field, value, onValue, { id, errorId }) {
  let hashes = Array.isArray(value) ? [...value] : [];
  const list = h('ul', { class: 'photos' });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' });
  const input = h('input', { id, type: 'file', class: 'visually-hidden', tabindex: '-1', accept: 'image/*', capture: 'environment', multiple: true, 'aria-describedby': errorId });
  const cameraButton = h('button', { type: 'button', class: 'secondary camera', 'aria-describedby': errorId }, camera(), t('takePhoto'));
  cameraButton.addEventListener('click', () => input.click());

  let previews = []; // object URLs of the thumbnails on screen, released on every redraw

  async function draw() {
    for (const url of previews) URL.revokeObjectURL(url);
    previews = [];
    const items = [];
    for (const [index, sha] of hashes.entries()) {
      const stored = await getPhoto(sha);
      const remove = h('button', { type: 'button', class: 'secondary small' }, t('removePhoto', { n: index + 1 }));
      remove.addEventListener('click', () => {
        hashes = hashes.filter((s) => s !== sha);
        onValue(hashes.length ? [...hashes] : undefined);
        draw();
      });
      let preview = h('span', {}, t('photoUploaded', { n: index + 1 }));
      if (stored) {
        const url = URL.createObjectURL(stored.blob);
        previews.push(url);
        preview = h('img', { src: url, alt: `Foto ${index + 1}`, width: 96, height: 96 });
      }
      items.push(h('li', {}, preview, remove));
    }
    list.replaceChildren(...items);
  }

  input.addEventListener('change', async () => {
    const files = [...(input.files || [])];
    input.value = '';
    status.textContent = t('photoProcessing');
    try {
      for (const file of files) {
        const photo = await preparePhoto(file);
        await putPhoto({ sha256: photo.sha256, blob: photo.blob, type: photo.type, size: photo.blob.size });
        if (!hashes.includes(photo.sha256)) hashes.push(photo.sha256);
      }
      status.textContent = '';
    } catch {
      status.textContent = t('photoFailed');
    }
    onValue(hashes.length ? [...hashes] : undefined);
    draw();
  });
  draw();
  return { el: h('div', { class: 'photo' }, input, cameraButton, status, list), focus: () => cameraButton.focus() };
}
