// A bare Enketo page: enketo-core renders a form enketo-transformer made from SIKK's XForm, and
// submits the instance to SIKK's OpenRosa endpoint as Enketo does (multipart xml_submission_file).
import { Form } from 'enketo-core';
import { transform } from 'enketo-transformer/web';

window.enketoLoad = async (xform) => {
  const result = await transform({ xform });
  document.querySelector('#form').innerHTML = result.form;
  const form = new Form(document.querySelector('#form form.or'), { modelStr: result.model });
  window.enketoForm = form;
  return form.init();
};

window.enketoSubmit = async (url) => {
  const form = window.enketoForm;
  const valid = await form.validate();
  if (!valid) return { status: 'invalid' };
  const xml = form.getDataStr();
  const body = new FormData();
  body.append('xml_submission_file', new Blob([xml], { type: 'text/xml' }), 'submission.xml');
  const resp = await fetch(url, { method: 'POST', body, headers: { 'X-OpenRosa-Version': '1.0' } });
  return { status: resp.status, body: await resp.text(), xml };
};

window.enketoReady = true;
