import assert from 'node:assert/strict';
import { connect } from 'node:net';
import pg from 'pg';
import * as vscode from 'vscode';
import type { ServedDatabase } from '../../src/core/serve/serveModel';
import type { ExtensionApi } from '../../src/extension';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

async function until<T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with the connect error code, or 'connected'. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, query_timeout: 20_000 });
  c.on('error', () => undefined); // a disconnect by the server is asserted below, not thrown at random
  await c.connect();
  return c;
}

describe('Serve on Localhost in VS Code', function () {
  this.timeout(180_000);
  let api: ExtensionApi;
  const run = (command: string, ...args: unknown[]) => vscode.commands.executeCommand(`syncPlayground.${command}`, ...args);
  const session = () => api.replication.store.session!;

  before(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID)!.activate();
    assert.equal(await run('createPlayground', 'todo'), 'todo');
  });
  after(async () => {
    await run('stopServing', { type: 'replica', name: 'laptop' });
    await api?.replication.store.close(true);
  });

  let served: ServedDatabase;

  it('serves a replica from the command; a pg transaction lands in its queue and in the exported steps', async () => {
    served = (await run('serveOnLocalhost', { type: 'replica', name: 'laptop', port: 0 })) as ServedDatabase;
    assert.ok(served, 'the command returns the served database');
    assert.match(served.server.connectionString, new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${served.server.port}/postgres$`));
    const c = await client(served.server.connectionString);
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO todo (id, title) VALUES ($1, $2)', [42, "served 'over' localhost"]);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    const op = await until('the op in the queue', async () => (await session().queue('laptop')).find((o) => o.kind === 'insert' && (o.pk as { id?: number }).id === 42));
    assert.equal(op.status, 'pending');
    assert.deepEqual(op.after, { id: 42, title: "served 'over' localhost", done: false });
    const laptop = await until('the tree to show it', () => {
      const t = api.replication.tree;
      const row = t.getChildren().find((n) => String(t.getTreeItem(n).label) === 'laptop');
      const description = row ? String(t.getTreeItem(row).description ?? '') : '';
      return description.includes('1 pending') && description;
    });
    assert.match(laptop, /online · 1 pending/);
    const step = session().recording().steps.at(-1)!;
    assert.deepEqual({ kind: step.kind, replica: 'replica' in step ? step.replica : undefined, comment: step.comment }, { kind: 'sql', replica: 'laptop', comment: 'over localhost' });
    assert.match((step as { sql: string }).sql, /EXECUTE _served_\d+\('42', 'served ''over'' localhost'\)/);
  });

  it('keeps serving the re-created replica after a reset (same port), telling connected clients to reconnect', async () => {
    const before = await client(served.server.connectionString);
    const gone = new Promise<Error>((resolve) => before.once('error', resolve));
    await run('resetPlayground', true);
    const error = await Promise.race([gone, new Promise<Error>((_, reject) => setTimeout(() => reject(new Error('the old client was not told')), 20_000))]);
    assert.match(error.message, /re-created this database|closed this database/);
    await before.end().catch(() => undefined);
    const after = await until('a connection to the re-created replica', async () => client(served.server.connectionString).catch(() => undefined));
    try {
      const r = await after.query<{ n: number }>('SELECT count(*)::int AS n FROM todo WHERE id = 42');
      assert.equal(r.rows[0]!.n, 0, 'the reset playground has no row 42: same URL, the new database');
    } finally {
      await after.end();
    }
  });

  it('stops serving from the command, and the port is closed', async () => {
    assert.equal(await probe(served.server.port), 'connected');
    await run('stopServing', { type: 'replica', name: 'laptop' });
    assert.equal(await probe(served.server.port), 'ECONNREFUSED');
  });
});
