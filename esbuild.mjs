// Builds every bundle: node (extension, CLI, database worker, benchmarks, in-VS Code tests) and browser (webviews).
//   node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = path.dirname(new URL(import.meta.url).pathname);
const rel = (p) => path.join(root, p);

/** Node bundles: [entry, output] — entries that do not exist yet are skipped. */
const nodeEntries = [
  ['src/extension.ts', 'dist/extension.js'],
  ['src/cli/main.ts', 'dist/cli.js'],
  ['src/db/pgliteWorker.ts', 'dist/pgliteWorker.js'],
  ['bench/main.ts', 'dist/bench.js'],
  ['test/vscode/index.ts', 'dist/test/vscode/index.js'],
].filter(([entry]) => existsSync(rel(entry)));

/** Webview bundles: every webview/<panel>/main.ts becomes media/dist/<panel>.js (+ .css when it imports css). */
const webviewEntries = existsSync(rel('webview'))
  ? readdirSync(rel('webview'))
      .filter((d) => existsSync(rel(`webview/${d}/main.ts`)))
      .map((d) => ({ in: rel(`webview/${d}/main.ts`), out: d }))
  : [];

// esbuild leaves `import.meta` empty in CommonJS output. PGlite's assets are found without it (src/db/pgliteAssets.ts),
// and any code that starts relying on it again must fail the build loudly instead of failing at run time.
const failOnEmptyImportMeta = { 'empty-import-meta': 'error' };

/**
 * PGlite's ESM build reads `import.meta.url`, which is empty in CommonJS output; its CommonJS build (the package's
 * "require" export) does not. Node bundles therefore resolve every PGlite import as a require.
 */
const pgliteAsCommonJs = {
  name: 'pglite-as-commonjs',
  setup(build) {
    build.onResolve({ filter: /^@electric-sql\/pglite(\/|$)/ }, (args) =>
      (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') || args.pluginData === 'pglite-cjs'
        ? undefined
        : build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, pluginData: 'pglite-cjs' }),
    );
  },
};

/** @type {esbuild.BuildOptions} */
const nodeOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode', 'pg-native', 'mocha', 'playwright-core'],
  plugins: [pgliteAsCommonJs],
  // require.resolve of packages is only reached when running from source (tsx), never from the bundle: see
  // src/db/pgliteAssets.ts and src/db/worker/workerEntry.ts, which look next to the bundle first.
  logOverride: { ...failOnEmptyImportMeta, 'require-resolve-not-external': 'silent' },
  logLevel: 'warning',
  metafile: true,
};

/** @type {esbuild.BuildOptions} */
const webviewOptions = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: production ? false : 'linked',
  minify: production,
  entryPoints: webviewEntries,
  outdir: rel('media/dist'),
  loader: { '.ttf': 'file', '.woff2': 'file', '.svg': 'file' },
  logOverride: failOnEmptyImportMeta,
  logLevel: 'warning',
};

function copyAssets() {
  mkdirSync(rel('dist'), { recursive: true });
  // PGlite: WASM + filesystem bundle, next to every node bundle that may open a database
  const pgliteDir = path.dirname(require.resolve('@electric-sql/pglite'));
  for (const f of ['pglite.wasm', 'initdb.wasm', 'pglite.data']) cpSync(path.join(pgliteDir, f), rel(`dist/${f}`));
  // codicons: the font + css the webviews link to
  const codicons = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  mkdirSync(rel('media/dist/codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(path.join(codicons, f), rel(`media/dist/codicons/${f}`));
}

function verify() {
  const missing = ['dist/pglite.wasm', 'dist/initdb.wasm', 'dist/pglite.data']
    .concat(nodeEntries.map(([, out]) => out))
    .filter((f) => !existsSync(rel(f)) || statSync(rel(f)).size === 0);
  if (missing.length) throw new Error(`build incomplete, missing: ${missing.join(', ')}`);
}

async function main() {
  const t0 = Date.now();
  copyAssets();
  const builds = nodeEntries.map(([entry, out]) => ({ ...nodeOptions, entryPoints: [rel(entry)], outfile: rel(out) }));
  if (webviewEntries.length) builds.push(webviewOptions);
  if (watch) {
    const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    console.log(`[esbuild] watching ${builds.length} builds`);
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
  verify();
  console.log(`[esbuild] ${nodeEntries.length} node + ${webviewEntries.length} webview bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}

main().catch((e) => {
  console.error(`[esbuild] FAILED: ${e.message}`);
  process.exit(1);
});
