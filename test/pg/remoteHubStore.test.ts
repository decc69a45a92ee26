/**
 * The replication UI's playground store with its hub on a PostgreSQL server (the hook "Use Connection as Hub"
 * sets): the playground survives a restart with the hub re-opened on the server, and moves back to PGlite
 * from its recording before the server copy is removed. Replicas are PGlite workers on disk, as in VS Code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConnectionManager } from '../../src/core/connections/connectionManager';
import { ProfileStore } from '../../src/core/connections/profileStore';
import type { PlaygroundSetup } from '../../src/core/playground/playgroundSetup';
import { remoteHubSource, removeRemoteHub, type RemoteHubDeps, type RemoteHubLocation } from '../../src/core/playground/remoteHubSource';
import { PgConnectionDriver } from '../../src/db/connections/pgConnectionDriver';
import { PgSqlPort } from '../../src/db/pgPort';
import type { Log } from '../../src/vscode/log';
import { PlaygroundStore } from '../../src/vscode/replication/playgroundStore';
import { MemorySecrets, MemorySettings } from '../unit/connections/memoryBackends';
import { pg } from './hooks';

const SETUP: PlaygroundSetup = {
  name: 'notes',
  schema: 'CREATE TABLE note (id int PRIMARY KEY, body text)',
  seed: `INSERT INTO note VALUES (1, 'seeded')`,
  replicas: [
    { name: 'A', clockSkewMs: 0 },
    { name: 'B', clockSkewMs: 0 },
  ],
  rules: [],
};

const quietLog = { info() {}, warn() {}, error() {} } as unknown as Log;

describe('playground store with its hub on a PostgreSQL server', function () {
  this.timeout(180_000);
  let folder: string;
  let deps: RemoteHubDeps;
  let at: RemoteHubLocation;
  let server: PgSqlPort;
  const stores: PlaygroundStore[] = [];
  const newStore = () => {
    const s = new PlaygroundStore(folder, quietLog);
    stores.push(s);
    return s;
  };

  before(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'sp-remote-hub-store-'));
    await pg().createDatabase('rh_store_app');
    const store = new ProfileStore(new MemorySettings(), new MemorySecrets());
    const s = pg();
    const profile = await store.add({ name: 'staging', host: s.host, port: s.port, user: s.user, database: 'rh_store_app', sslMode: 'disable' });
    const options = () => ({ connectTimeoutMs: 10_000, statementTimeoutMs: 0 });
    deps = { store, manager: new ConnectionManager(store, new PgConnectionDriver(), options), driver: new PgConnectionDriver(), options };
    at = { profileId: profile.id, database: 'sync_playground_store' };
    server = PgSqlPort.fromConfig(pg().poolConfig());
  });
  after(async () => {
    for (const s of stores) await s.shutdown().catch(() => undefined); // spares included: no worker outlives the suite
    deps?.manager.dispose();
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('re-opens the playground after a restart with the hub on the server, queues and rows intact', async () => {
    const first = newStore();
    first.remoteHub = remoteHubSource(deps, at);
    const s = await first.create(SETUP);
    await s.runSql('A', `INSERT INTO note VALUES (2, 'from A')`);
    await s.sync('A');
    await s.setOnline('B', false);
    await s.runSql('B', `UPDATE note SET body = 'B offline' WHERE id = 1`);
    await first.close(); // VS Code shuts down

    const second = newStore();
    second.remoteHub = remoteHubSource(deps, at);
    const again = (await second.restore())!;
    assert.deepEqual((await again.database('hub').query('SELECT * FROM note ORDER BY id')).rows, [
      { id: 1, body: 'seeded' },
      { id: 2, body: 'from A' },
    ]);
    assert.equal(again.database('hub').kind, 'pg');
    assert.deepEqual((await again.queue('B')).map((o) => o.status), ['pending'], 'B still has its offline write queued');
    await again.setOnline('B', true);
    await again.sync('B');
    await again.sync('A');
    const hubRows = (await again.database('hub').query('SELECT * FROM note ORDER BY id')).rows;
    assert.deepEqual(hubRows, [
      { id: 1, body: 'B offline' },
      { id: 2, body: 'from A' },
    ]);
    assert.deepEqual((await again.database('A').query('SELECT * FROM note ORDER BY id')).rows, hubRows);
  });

  it('moves back to PGlite from the recording, after which the server copy can be dropped', async () => {
    const store = stores.at(-1)!;
    const recording = store.session!.recording();
    store.remoteHub = undefined;
    const local = await store.replay(recording);
    assert.equal(local.database('hub').kind, 'pglite');
    assert.deepEqual((await local.database('hub').query('SELECT * FROM note ORDER BY id')).rows, [
      { id: 1, body: 'B offline' },
      { id: 2, body: 'from A' },
    ]);
    assert.equal(await removeRemoteHub(deps, at), true, 'nothing holds the server copy any more');
    const left = await server.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`, [at.database]);
    assert.deepEqual(left.rows, [{ n: 0 }]);
  });
});
