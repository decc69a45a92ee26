import * as esbuild from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');
export const mediaDist = path.join(repoRoot, 'media', 'dist');

/**
 * Builds the webview bundles exactly as esbuild.mjs does (same entries and options), and only those: the tests
 * must not depend on the extension bundle building, which other work in progress may break.
 */
export async function buildWebviews(): Promise<void> {
  const dir = path.join(repoRoot, 'webview');
  const entryPoints = readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'main.ts')))
    .map((d) => ({ in: path.join(dir, d, 'main.ts'), out: d }));
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'linked',
    entryPoints,
    outdir: mediaDist,
    loader: { '.ttf': 'file', '.woff2': 'file', '.svg': 'file' },
    logLevel: 'warning',
  });
  if (!existsSync(path.join(mediaDist, 'codicons', 'codicon.css'))) {
    const { cpSync, mkdirSync } = await import('node:fs');
    const codicons = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
    mkdirSync(path.join(mediaDist, 'codicons'), { recursive: true });
    for (const f of ['codicon.css', 'codicon.ttf']) cpSync(path.join(codicons, f), path.join(mediaDist, 'codicons', f));
  }
}
