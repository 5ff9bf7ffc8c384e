/**
 * Photos on the device: downscale to ≤ 1600 px on the longest side and compress to JPEG aiming at
 * 200–400 KB (lower the quality until it fits), then address the bytes by their SHA-256 — the same
 * name the server files them under, so an upload retry can never store twice.
 */
export const MAX_SIDE = 1600;
export const TARGET_MAX_BYTES = 400 * 1024;
const QUALITIES = [0.82, 0.72, 0.62, 0.52];

/** Hex SHA-256 of a Blob's bytes. */
export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function scaled(width, height) {
  const ratio = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.round(width * ratio), height: Math.round(height * ratio) };
}

function canvasToBlob(canvas, quality) {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob'))), 'image/jpeg', quality));
}

/** Downscale and compress one camera file; returns {blob, sha256, width, height}. */
export async function preparePhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const { width, height } = scaled(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  bitmap.close?.();
  let blob = null;
  for (const quality of QUALITIES) {
    blob = await canvasToBlob(canvas, quality);
    if (blob.size <= TARGET_MAX_BYTES) break;
  }
  return { blob, sha256: await sha256Hex(blob), width, height, type: 'image/jpeg' };
}
