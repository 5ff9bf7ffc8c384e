// Vite build of the SIKK field app: served by Flask at /app/, service worker by Workbox (injectManifest).
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  base: '/app/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false },
  plugins: [
    VitePWA({
      // Our own sw.js (src/sw.js): precache by hashed names, never touch POST/PUT or /api/.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.js',
      injectRegister: false, // src/update.js registers it and runs the update prompt
      registerType: 'prompt',
      manifest: {
        name: 'SIKK — Sistem Indikator Kinerja Kecamatan',
        short_name: 'SIKK',
        description: 'Formulir lapangan kecamatan yang bekerja tanpa sinyal.',
        lang: 'id',
        start_url: '/app/',
        scope: '/app/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#155e75',
        background_color: '#ffffff',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
        ],
      },
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'] },
    }),
  ],
  test: { environment: 'node', include: ['test/**/*.test.js'] },
});
