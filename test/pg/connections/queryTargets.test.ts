import assert from 'node:assert/strict';
import { ConnectionManager } from '../../../src/core/connections/connectionManager';
import { ConnectionQueryTargets } from '../../../src/core/connections/connectionQueryTargets';
import { ProfileStore } from '../../../src/core/connections/profileStore';
import { QueryConsole } from '../../../src/core/query/queryConsole';
import { splitStatements } from '../../../src/core/query/splitStatements';
import { pinnedTargetName, TargetRegistry, type QueryTarget } from '../../../src/core/query/targetRegistry';
import { selectTopSql } from '../../../src/db/connections/catalogQueries';
import { PgConnectionDriver } from '../../../src/db/connections/pgConnectionDriver';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { PgSqlPort } from '../../../src/db/pgPort';
import { runScript } from '../../unit/query/runRecorder';
import { MemorySecrets, MemorySettings } from '../../unit/connections/memoryBackends';
import { pg } from '../hooks';

const options = () => ({ connectTimeoutMs: 10_000, statementTimeoutMs: 0 });

describe('connections as SQL playground targets (real server)', () => {
  let store: ProfileStore;
  let manager: ConnectionManager;
  let registry: TargetRegistry;
  let targets: ConnectionQueryTargets;
  let admin: PgSqlPort;
  const consoles: QueryConsole[] = [];
  const consoleOn = (t: QueryTarget) => {
    const qc = new QueryConsole(async () => openQuerySession(await t.open()));
    consoles.push(qc);
    return qc;
  };

  before(async () => {
    admin = PgSqlPort.fromConfig(await pg().createDatabase('conn_targets'));
    await pg().createDatabase('conn_targets_other');
    await admin.exec(`
      CREATE SCHEMA "Odd ""Schema""";
      CREATE TABLE "Odd ""Schema"""."Order ""Items"" x" (id int PRIMARY KEY, v text);
      INSERT INTO "Odd ""Schema"""."Order ""Items"" x" SELECT g, 'v' || g FROM generate_series(1, 1500) g;
      CREATE TABLE public.notes (id int PRIMARY KEY, body text);
      GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC;
    `);
    store = new ProfileStore(new MemorySettings(), new MemorySecrets());
    manager = new ConnectionManager(store, new PgConnectionDriver(), options);
    registry = new TargetRegistry();
    const s = pg();
    const base = { host: s.host, port: s.port, user: s.user, database: 'conn_targets', sslMode: 'disable' as const };
    await store.add({ ...base, name: 'staging' });
    await store.add({ ...base, name: 'prod (read-only)', readOnly: true });
    targets = new ConnectionQueryTargets(store, manager, registry);
  });
  after(async () => {
    await Promise.all(consoles.map((c) => c.close()));
    targets?.dispose();
    manager?.dispose();
    await admin.close();
  });

  it('lists every saved connection; a `-- target:` pin finds one by its name', () => {
    assert.deepEqual(registry.list().map((t) => t.label).sort(), ['prod (read-only)', 'staging']);
    const pinned = registry.find(pinnedTargetName('-- target: Staging\nSELECT 1')!);
    assert.equal(pinned?.label, 'staging');
    assert.match(registry.find('prod (read-only)')!.description ?? '', /conn_targets · read-only$/);
  });

  it('follows profile changes: a rename relabels, a new profile appears, a removed one goes', async () => {
    const id = store.list().profiles.find((p) => p.name === 'staging')!.id;
    const s = pg();
    const added = await store.add({ name: 'scratch', host: s.host, port: s.port, user: s.user, database: 'postgres', sslMode: 'disable' });
    await store.update(id, { ...store.get(id)!, name: 'stage' });
    assert.deepEqual(registry.list().map((t) => t.label).sort(), ['prod (read-only)', 'scratch', 'stage']);
    await store.remove(added.id);
    await store.update(id, { ...store.get(id)!, name: 'staging' });
    assert.deepEqual(registry.list().map((t) => t.label).sort(), ['prod (read-only)', 'staging']);
  });

  it('adds another database of a server when it is used, labelled with the database', () => {
    const id = store.list().profiles.find((p) => p.name === 'staging')!.id;
    const t = targets.ensure(id, 'conn_targets_other')!;
    assert.equal(t.label, 'staging · conn_targets_other');
    assert.equal(registry.find('staging · conn_targets_other')?.id, t.id);
  });

  it('Select Top 1000 on a table with quotes in its names pages through a cursor (1000 of 1500 rows)', async () => {
    const qc = consoleOn(registry.find('staging')!);
    const { run, final } = await runScript(qc, selectTopSql('Odd "Schema"', 'Order "Items" x'), 200);
    const st = final.statements[0]!;
    assert.equal(final.error, undefined, final.error?.message);
    assert.deepEqual([st.rowsLoaded, st.hasMore], [200, true]);
    const page = await run.fetchMore(st.resultId, 5000);
    assert.deepEqual([page!.start + page!.rows.length, page!.hasMore], [1000, false]);
    await run.dispose();
  });

  it('cancels a running statement on the server', async () => {
    const qc = consoleOn(registry.find('staging')!);
    const run = await qc.run(splitStatements('SELECT pg_sleep(30); SELECT 2'), { target: 'staging', rowCap: 10 }, { onSnapshot() {}, onRows() {} });
    for (let i = 0; i < 200; i++) {
      const r = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'");
      if (r.rows[0]!.n === '1') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await run.cancel();
    const final = await run.done;
    assert.equal(final.state, 'cancelled');
    assert.equal(final.statements.length, 0);
  });

  it('a read-only connection stays read-only: writes fail, and so does switching the session to read-write', async () => {
    const qc = consoleOn(registry.find('prod (read-only)')!);
    const write = await runScript(qc, `INSERT INTO notes VALUES (1, 'no')`);
    assert.equal(write.final.error?.code, '25006', write.final.error?.message);
    const sneak = await runScript(qc, 'SET default_transaction_read_only = off');
    assert.equal(sneak.final.error?.code, '25006');
    const sneak2 = await runScript(qc, `BEGIN READ WRITE; INSERT INTO notes VALUES (2, 'no'); COMMIT`);
    assert.ok(sneak2.final.error, 'BEGIN READ WRITE is refused');
    await runScript(qc, 'ROLLBACK');
    const reads = await runScript(qc, 'SELECT count(*) AS n FROM notes');
    assert.deepEqual(reads.rec.rowsOf(0), [['0']]);
    assert.equal((await admin.query<{ n: string }>('SELECT count(*) AS n FROM notes')).rows[0]!.n, '0');
  });
});
