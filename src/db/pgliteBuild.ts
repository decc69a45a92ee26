import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pgliteAssetsDir } from './pgliteAssets';

/**
 * Identifies the PGlite build the template was made with. The package version when node_modules is there (from
 * source); bundled, PGlite's package.json is gone, so the size of pglite.wasm tells builds apart as well.
 */
export function pgliteBuildKey(): string {
  let version = 'bundled';
  try {
    // from source the assets are node_modules/@electric-sql/pglite/dist/*, next to the package's own package.json
    const pkg = JSON.parse(readFileSync(path.join(pgliteAssetsDir(), '..', 'package.json'), 'utf8'));
    if (pkg.name === '@electric-sql/pglite' && pkg.version) version = pkg.version;
  } catch {
    // bundled: no node_modules
  }
  return `${version}-${statSync(path.join(pgliteAssetsDir(), 'pglite.wasm')).size}`;
}
