// Transform XForm files with enketo-transformer (Enketo's own code, from pwa/node_modules).
// Usage: node tests/enketo/transform.mjs OUT_DIR FILE.xml...  → one OUT_DIR/<name>.json per XForm
// ({form, model, languageMap}); exit 1 with the file and error on the first failure.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const require = createRequire(new URL('../../pwa/package.json', import.meta.url));
const { transform } = require('enketo-transformer');

const [outDir, ...files] = process.argv.slice(2);
for (const file of files) {
  try {
    const result = await transform({ xform: readFileSync(file, 'utf8') });
    if (!result.form || !result.model) throw new Error('empty form or model');
    writeFileSync(join(outDir, `${basename(file, '.xml')}.json`), JSON.stringify({
      form: result.form, model: result.model, languageMap: result.languageMap,
    }));
    console.log(`${basename(file)}: ok (${result.form.length} + ${result.model.length} chars)`);
  } catch (err) {
    console.error(`${basename(file)}: ${err.stack || err}`);
    process.exit(1);
  }
}
