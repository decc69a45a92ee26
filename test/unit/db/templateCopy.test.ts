import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyTree } from '../../../src/db/copyTree';
import { LOCK_FILE } from '../../../src/db/dataDirLock';
import { copyTemplateInto, templateDataDir } from '../../../src/db/dataDirTemplate';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';

const USER_TABLES = "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";

function listing(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? [`${r}/`, ...listing(dir, r)] : [`${r} ${statSync(path.join(dir, r)).size}`];
  });
}

describe('Databases made from the template data directory', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-template-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('copies every folder and file of the template, and no lock file', async () => {
    const template = await templateDataDir();
    const dir = path.join(root, 'copy');
    assert.equal(await copyTemplateInto(dir, template), true);
    assert.deepEqual(listing(dir), listing(template).filter((l) => !l.startsWith(LOCK_FILE)));
    assert.deepEqual(readFileSync(path.join(dir, 'PG_VERSION')), readFileSync(path.join(template, 'PG_VERSION')));
    assert.equal(await copyTemplateInto(dir, template), false, 'a database folder is never copied over');
  });

  it('copyTree leaves out what it is told to skip, at any depth', async () => {
    const src = path.join(root, 'tree-src');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(src, 'a', 'b', 'keep'), 'k');
    writeFileSync(path.join(src, 'a', 'skip.me'), 's');
    await copyTree(src, path.join(root, 'tree-dst'), (n) => n === 'skip.me');
    assert.deepEqual(listing(path.join(root, 'tree-dst')), ['a/', 'a/b/', 'a/b/keep 1']);
  });

  it('gives each new database a blank copy: a write in one is in no other', async () => {
    const dbs = await Promise.all(['hub', 'a', 'b'].map((n) => openPgliteWorker({ dataDir: path.join(root, n) })));
    try {
      for (const db of dbs) assert.equal((await db.query<{ n: number }>(USER_TABLES)).rows[0]!.n, 0);
      await dbs[0]!.exec('CREATE TABLE only_here (x int); INSERT INTO only_here VALUES (1)');
      for (const db of dbs.slice(1)) assert.equal((await db.query<{ n: number }>(USER_TABLES)).rows[0]!.n, 0);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
    // nor in the template that later databases are copied from
    const next = await openPgliteWorker({ dataDir: path.join(root, 'later') });
    try {
      assert.equal((await next.query<{ n: number }>(USER_TABLES)).rows[0]!.n, 0);
    } finally {
      await next.close();
    }
  });
});
