// Builds tests/enketo/page (enketo-core + enketo-transformer's web build) into ENKETO_OUT, with the
// packages of pwa/node_modules (run from pwa/: `npx vite build --config ../tests/enketo/vite.config.mjs`).
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const modules = fileURLToPath(new URL('../../pwa/node_modules/', import.meta.url));
export default {
  root: `${here}page`,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: {
      'enketo-core': `${modules}enketo-core/src/js/form.js`,
      'enketo/widgets': `${here}page/no-widgets.js`,
      'enketo/config': `${modules}enketo-core/config.js`,
      'enketo/translator': `${modules}enketo-core/src/js/fake-translator.js`,
      'enketo/dialog': `${modules}enketo-core/src/js/fake-dialog.js`,
      'enketo/file-manager': `${modules}enketo-core/src/js/file-manager.js`,
      'enketo/xpath-evaluator-binding': `${modules}enketo-core/src/js/xpath-evaluator-binding.js`,
      'enketo-transformer/web': `${modules}enketo-transformer/dist/enketo-transformer/web/transformer.js`,
    },
    mainFields: ['browser', 'module', 'main'],
  },
  build: { outDir: process.env.ENKETO_OUT, emptyOutDir: true, target: 'es2020', minify: false, sourcemap: false },
};
