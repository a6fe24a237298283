import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true },
  server: { proxy: { '/graphql': 'http://127.0.0.1:3000' } },
});
