// Bundles the demo and ops pages for the browser (esbuild: the client and its codecs as one ES
// module each) and copies the HTML and CSS: dist/www is what the edge serves in Development
// (Edge:PagesPath; the embedded suite finds it in this checkout). Run by `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'www');
mkdirSync(join(out, 'ops'), { recursive: true });
await build({
  entryPoints: { demo: join(here, 'demo.ts'), ops: join(here, 'ops.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'ops.html'), join(out, 'ops', 'index.html'));
copyFileSync(join(here, 'style.css'), join(out, 'style.css'));
