/**
 * Saved connections as SQL targets inside a real VS Code, against a real PostgreSQL server this suite starts
 * itself (initdb + pg_ctl into a temp dir; stopped in `after`, and by a watchdog if the host dies).
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import { startPgServer, type PgServer } from '../support/pgServer';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';
const RW = { id: '3f0c1f0e-0000-4000-8000-00000000c0de', name: 'vscode test shop' };
const RO = { id: '3f0c1f0e-0000-4000-8000-00000000beef', name: 'vscode test shop ro' };

describe('Connections as SQL targets in VS Code (real PostgreSQL)', function () {
  this.timeout(180_000);
  let api: ExtensionApi;
  let server: PgServer | undefined;
  let previous: unknown;
  const config = () => vscode.workspace.getConfiguration('syncPlayground');

  before(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    api = await extension.activate();
    // the launcher gives the host a private TMPDIR the cluster's OS user (postgres, when run as root) cannot enter
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/tmp';
    try {
      server = await startPgServer({ name: 'vscode-conn' });
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    const admin = new pg.Client(server.poolConfig());
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE shop');
    } finally {
      await admin.end();
    }
    const shop = new pg.Client(server.poolConfig('shop'));
    await shop.connect();
    try {
      await shop.query(`CREATE SCHEMA "Odd"; CREATE TABLE "Odd"."my items" (id int PRIMARY KEY, name text);
        INSERT INTO "Odd"."my items" SELECT g, 'item ' || g FROM generate_series(1, 1500) g;`);
    } finally {
      await shop.end();
    }
    previous = config().inspect('connections')?.globalValue;
    const base = { host: server.host, port: server.port, user: server.user, database: 'shop', sslMode: 'disable' };
    await config().update('connections', [{ ...RW, ...base }, { ...RO, ...base, readOnly: true }], vscode.ConfigurationTarget.Global);
    // the targets follow the setting; wait (bounded) for the change to arrive
    for (let i = 0; i < 100 && !api.query.targets.find(RO.name); i++) await new Promise((r) => setTimeout(r, 50));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api?.results.current?.dispose();
    await config().update('connections', previous, vscode.ConfigurationTarget.Global);
    await server?.stop();
  });

  async function runFile(text: string) {
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('syncPlayground.runQuery');
    await api.query.idle();
    return api.query.lastRun();
  }

  it('lists every saved connection in Choose Target, and a `-- target:` pin runs on it', async () => {
    const labels = api.query.targets.list().map((t) => t.label);
    assert.ok(labels.includes(RW.name) && labels.includes(RO.name), labels.join(', '));
    const run = await runFile(`-- target: ${RW.name}\nSELECT current_database() AS db, count(*) AS n FROM "Odd"."my items";\n`);
    assert.equal(run?.state, 'done', JSON.stringify(run?.error));
    assert.equal(run.target, RW.name);
    const panel = api.results.current;
    assert.ok(panel, 'no results panel');
    await panel.whenReady();
    assert.deepEqual((await panel.inspect()).firstRow, ['shop', '1500']);
  });

  it('Select Top 1000 on a table from the Connections view runs in the results panel', async () => {
    await vscode.commands.executeCommand('syncPlayground.selectTop1000', {
      type: 'relation',
      profileId: RW.id,
      database: 'shop',
      relation: { schema: 'Odd', name: 'my items', kind: 'table' },
    });
    await api.query.idle();
    const run = api.query.lastRun();
    assert.equal(run?.state, 'done', JSON.stringify(run?.error));
    assert.equal(run.target, RW.name);
    assert.match(run.statements[0]?.sql ?? '', /^SELECT \* FROM "Odd"\."my items" LIMIT 1000\b/);
    assert.equal(run.statements[0]?.rowsLoaded, 1000);
  });

  it('making a connection read-only takes effect at once, even though its session was open', async () => {
    const before = await runFile(`-- target: ${RW.name}\nCREATE TABLE public.scratch (id int); INSERT INTO public.scratch VALUES (1);\n`);
    assert.equal(before?.state, 'done', JSON.stringify(before?.error));
    const profiles = (config().get<Array<Record<string, unknown>>>('connections') ?? []).map((p) => (p.id === RW.id ? { ...p, readOnly: true } : p));
    await config().update('connections', profiles, vscode.ConfigurationTarget.Global);
    for (let i = 0; i < 100 && !/read-only/.test(api.query.targets.find(RW.name)?.description ?? ''); i++) await new Promise((r) => setTimeout(r, 50));
    const after = await runFile(`-- target: ${RW.name}\nINSERT INTO public.scratch VALUES (2);\n`);
    assert.equal(after?.state, 'failed');
    assert.equal(after.error?.code, '25006', JSON.stringify(after.error));
  });

  it('a read-only connection refuses writes', async () => {
    const run = await runFile(`-- target: ${RO.name}\nINSERT INTO "Odd"."my items" VALUES (9999, 'no');\n`);
    assert.equal(run?.state, 'failed');
    assert.equal(run.error?.code, '25006', JSON.stringify(run.error));
  });
});
