import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pgliteBuildKey } from './pgliteBuild';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPgliteAssets } from './pgliteAssets';
import { PgliteSqlPort } from './pglitePort';

/**
 * A freshly initialised PGlite data directory, kept as an uncompressed tarball. initdb costs ~2.5-4.5 s of
 * blocked thread; loading this tarball into a new instance costs ~0.7 s. Built once per machine and PGlite version.
 */
let template: Promise<Blob> | undefined;

export function templateCacheFile(cacheDir = path.join(os.tmpdir(), 'sync-playground')): string {
  return path.join(cacheDir, `pglite-${pgliteBuildKey()}-template.tar`);
}

/** The template tarball: read from the cache file, or made by one initdb and written there. */
export function pgliteTemplate(cacheFile = templateCacheFile()): Promise<Blob> {
  template ??= (async () => {
    if (existsSync(cacheFile)) return new Blob([readFileSync(cacheFile)]);
    const assets = await loadPgliteAssets();
    const db = await PGlite.create({ ...assets });
    const tar = await db.dumpDataDir('none');
    await db.close();
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await tar.arrayBuffer()));
    renameSync(tmp, cacheFile); // atomic: a concurrent reader never sees half a file
    return tar;
  })();
  template.catch(() => (template = undefined));
  return template;
}

/** A new, empty in-memory database started from the template (no initdb). */
export async function openPgliteFromTemplate(): Promise<PgliteSqlPort> {
  const [assets, tar] = await Promise.all([loadPgliteAssets(), pgliteTemplate()]);
  const db = await PGlite.create({ ...assets, loadDataDir: tar });
  return new PgliteSqlPort(db);
}
