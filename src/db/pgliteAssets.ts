import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * PGlite's WASM and filesystem bundle, loaded from disk explicitly.
 *
 * Why: bundled as CommonJS, esbuild leaves `import.meta.url` empty, and PGlite would then look for its assets
 * next to whatever file happens to be running. We pass the compiled modules in ourselves, so where the assets
 * live is decided in one place: next to the bundle (dist/) when bundled, in node_modules when run from source.
 */
export interface PgliteAssets {
  readonly pgliteWasmModule: WebAssembly.Module;
  readonly initdbWasmModule: WebAssembly.Module;
  readonly fsBundle: Blob;
}

const ASSET_FILES = ['pglite.wasm', 'initdb.wasm', 'pglite.data'] as const;

/** The folder holding pglite.wasm, initdb.wasm and pglite.data. */
export function pgliteAssetsDir(): string {
  const candidates = [
    process.env.SYNC_PLAYGROUND_PGLITE_ASSETS,
    // bundled: esbuild.mjs copies the assets next to every node bundle in dist/
    typeof __dirname === 'string' ? __dirname : undefined,
    typeof __dirname === 'string' ? path.join(__dirname, '..') : undefined,
  ];
  for (const dir of candidates) {
    if (dir && ASSET_FILES.every((f) => existsSync(path.join(dir, f)))) return dir;
  }
  // from source (tests, tsx): the package's own dist folder
  const entry = require.resolve('@electric-sql/pglite');
  const dir = path.dirname(entry);
  if (ASSET_FILES.every((f) => existsSync(path.join(dir, f)))) return dir;
  throw new Error(
    `PGlite's assets (${ASSET_FILES.join(', ')}) were not found next to the bundle or in node_modules. ` +
      'Rebuild with `npm run build`, which copies them into dist/.',
  );
}

let cached: Promise<PgliteAssets> | undefined;

/** Reads and compiles the assets once per process (compiling pglite.wasm takes a while; instances share it). */
export function loadPgliteAssets(): Promise<PgliteAssets> {
  cached ??= (async () => {
    const dir = pgliteAssetsDir();
    const [wasm, initdb, data] = await Promise.all(ASSET_FILES.map((f) => readFile(path.join(dir, f))));
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
      WebAssembly.compile(wasm!),
      WebAssembly.compile(initdb!),
    ]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([data!]) };
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}
