/** Form definitions from the bootstrap, and the names that tell records apart (title + RW + date). */
import { formatDateTime, localized, t } from '../i18n.js';

/** The latest published version of each form this role may fill, in catalogue order. */
export function latestForms(bootstrap, role) {
  const byCode = new Map();
  for (const form of bootstrap?.forms || []) {
    if (role && Array.isArray(form.roles) && !form.roles.includes(role)) continue;
    const known = byCode.get(form.code);
    if (!known || known.version < form.version) byCode.set(form.code, form);
  }
  return [...byCode.values()];
}

/**
 * A definition by code and (optionally) version; the latest when the version is unknown. A field
 * with `"choices_from": "service_types"` gets the kecamatan's active service types from the
 * bootstrap (the admin edits that catalogue; the definition's own choices are the fallback).
 */
export function findDefinition(bootstrap, code, version) {
  const forms = (bootstrap?.forms || []).filter((form) => form.code === code);
  const found = forms.find((form) => form.version === version) || forms.sort((a, b) => b.version - a.version)[0] || null;
  const serviceTypes = bootstrap?.service_types;
  if (!found || !Array.isArray(serviceTypes) || !serviceTypes.length) return found;
  return {
    ...found,
    fields: found.fields.map((field) => (field.choices_from === 'service_types'
      ? { ...field, choices: serviceTypes.map((st) => ({ value: st.code, label: st.name })) }
      : field)),
  };
}

/** "RW 01 Sukarasa", "Sukarasa", "Kantor Kecamatan" for a subject. */
export function describeSubject(subject, bootstrap) {
  if (!subject) return '';
  const kelurahan = bootstrap?.kelurahan || [];
  if (subject.rw_id) {
    for (const kel of kelurahan) {
      const rw = (kel.rw || []).find((r) => r.id === subject.rw_id);
      if (rw) return `RW ${rw.nomor} ${kel.nama}`;
    }
    return `RW #${subject.rw_id}`;
  }
  if (subject.kelurahan_id) return kelurahan.find((k) => k.id === subject.kelurahan_id)?.nama || `#${subject.kelurahan_id}`;
  if (subject.kecamatan_id) return t('kantorKecamatan');
  return '';
}

/** The form's title followed by what tells this record apart: subject (or reference) and date. */
export function recordName(definition, record, bootstrap, when) {
  const title = definition ? localized(definition, 'title') : record.form;
  const hint = record.kelurahan_hint ? describeSubject({ kelurahan_id: record.kelurahan_hint }, bootstrap) : null;
  const parts = [title, describeSubject(record.subject, bootstrap) || hint || record.ref_label, formatDateTime(when)].filter(Boolean);
  return parts.join(' · ');
}

export function draftName(draft, bootstrap) {
  return recordName(findDefinition(bootstrap, draft.form, draft.form_version), draft, bootstrap, draft.updated_at || draft.created_at);
}
