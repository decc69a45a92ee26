import assert from 'node:assert/strict';
import { ServeManager } from '../../../src/core/serve/serveManager';
import type { ServedDatabase, ServedDatabaseChange } from '../../../src/core/serve/serveModel';
import type { PgliteSqlPort } from '../../../src/db/pglitePort';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { protocolTargetFor } from '../../../src/db/serve/protocolTarget';
import { WireServer } from '../../../src/db/serve/wireServer';
import { connectPg, connectPgError } from './serveHelpers';

// The vscode-free model behind the commands and the status bar: one server per database, events forwarded with
// the database's key, everything stopped with the playground.
describe('ServeManager', function () {
  this.timeout(60_000);
  let db: PgliteSqlPort;
  let manager: ServeManager;
  before(async () => {
    db = await openPgliteFromTemplate();
    await db.exec('CREATE TABLE item (id int PRIMARY KEY)');
    manager = new ServeManager((_candidate, port) => WireServer.start(protocolTargetFor(db)!, { port }));
  });
  after(async () => {
    manager?.dispose();
    await manager?.stopAll();
    await db?.close();
  });

  it('serves a database once, forwards "database changed" with its key, and stops it', async () => {
    const changes: ServedDatabaseChange[] = [];
    const sets: (readonly ServedDatabase[])[] = [];
    const subs = [manager.onDidChangeDatabase((c) => changes.push(c)), manager.onDidChange((s) => sets.push(s))];
    try {
      const served = await manager.serve({ key: 'replica:A', label: 'Replica A' });
      assert.equal(await manager.serve({ key: 'replica:A', label: 'Replica A' }), served, 'the same server, not a second one');
      assert.deepEqual(manager.served.map((s) => s.candidate.key), ['replica:A']);
      const c = await connectPg(served.server.connectionString);
      try {
        await c.query('INSERT INTO item VALUES (1)');
      } finally {
        await c.end();
      }
      assert.deepEqual(changes.map((ch) => ch.key), ['replica:A']);
      assert.ok(changes[0]!.tags.includes('INSERT 0 1'));
      await manager.stop('replica:A');
      assert.deepEqual(manager.served, []);
      assert.deepEqual(sets.at(-1), []);
      const refused = await connectPgError(served.server.connectionString);
      assert.equal((refused as { code?: string }).code, 'ECONNREFUSED', 'the port is closed');
    } finally {
      subs.forEach((d) => d.dispose());
    }
  });

  it('stopAll stops every server', async () => {
    await manager.serve({ key: 'hub', label: 'Hub' });
    await manager.serve({ key: 'replica:B', label: 'Replica B' });
    assert.equal(manager.served.length, 2);
    await manager.stopAll();
    assert.equal(manager.served.length, 0);
  });
});
