import * as assert from 'node:assert/strict';
import { HUB, PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { scenarioToJson } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import type { SqlPort } from '../../../src/core/sql';
import type { Playground } from '../../../src/core/sync/playground';
import { openPgliteFromTemplate } from '../../../src/db/template';

/**
 * Real in-memory PGlite databases kept by name, as the extension keeps them on disk: a session's close() leaves
 * them for the next open(name, false); open(name, true) starts a fresh one. `dispose()` closes them all.
 */
function storedDatabases(): PlaygroundDatabases & { dispose(): Promise<void> } {
  const stored = new Map<string, SqlPort>();
  const all: SqlPort[] = [];
  return {
    async open(name, fresh) {
      let db = fresh ? undefined : stored.get(name);
      if (!db) {
        db = await openPgliteFromTemplate();
        all.push(db);
        stored.set(name, db);
      }
      const real = db;
      return { kind: real.kind, query: (sql, params) => real.query(sql, params), exec: (sql) => real.exec(sql), transaction: (fn) => real.transaction(fn), close: async () => {} } as SqlPort;
    },
    async dispose() {
      await Promise.allSettled(all.map((d) => d.close()));
    },
  };
}

const todo = PLAYGROUND_SAMPLES.find((s) => s.id === 'todo')!.setup;
const rows = async (db: SqlPort) => (await db.query('SELECT * FROM todo ORDER BY id')).rows;

/** What a person would compare: the replicas, every table, every queue and the timeline's events. */
async function state(pg: Playground) {
  const replicas: Record<string, unknown> = {};
  for (const r of pg.replicas) replicas[r.name] = { online: r.online, rows: await rows(r.db), queue: await r.counts() };
  const timeline = (await pg.timeline()).map((e) => `${e.seq} ${e.at} ${e.replica} ${e.type}`);
  return { hub: await rows(pg.hub), replicas, timeline };
}

describe('PlaygroundSession: replicas added and removed are scenario steps', function () {
  this.timeout(120_000);
  let dbs: ReturnType<typeof storedDatabases>;
  let session: PlaygroundSession | undefined;
  beforeEach(() => {
    dbs = storedDatabases();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    await dbs.dispose();
  });

  it('a session that adds a replica, writes and syncs on it and removes another exports a scenario that replays to the same state', async () => {
    session = await PlaygroundSession.create(todo, dbs);
    await session.runSql('laptop', "INSERT INTO todo VALUES (4, 'Water plants', false)"); // pending until laptop syncs
    await session.addReplica('tablet', 60_000);
    await session.runSql('tablet', "UPDATE todo SET title = 'Buy oat milk' WHERE id = 1");
    await session.sync('tablet');
    await session.runSql('phone', 'DELETE FROM todo WHERE id = 2'); // queued at phone: lost with it
    await session.removeReplica('phone');
    await session.sync('laptop');
    await session.runSql('tablet', "INSERT INTO todo VALUES (5, 'Renew passport', false)"); // left in tablet's queue

    const live = await state(session.playground);
    assert.deepEqual(Object.keys(live.replicas), ['laptop', 'tablet']);
    assert.deepEqual((live.replicas.tablet as { queue: { pending: number } }).queue.pending, 1);
    assert.deepEqual(live.hub.map((r) => r.id), [1, 2, 3, 4], "phone's delete never reached the hub");
    assert.ok(live.timeline.some((t) => t.endsWith('tablet replica_added')) && live.timeline.some((t) => t.endsWith('phone replica_removed')));

    const exported = exportScenario(session.recording());
    assert.deepEqual(exported.replicas.map((r) => r.name), ['laptop', 'phone'], 'the file starts as the playground did');
    assert.deepEqual(
      exported.steps.map((st) => `${st.kind}${'replica' in st ? ` ${st.replica}` : ''}`),
      ['sql laptop', 'addReplica tablet', 'sql tablet', 'sync tablet', 'sql phone', 'removeReplica phone', 'sync laptop', 'sql tablet'],
    );
    const text = JSON.stringify(scenarioToJson(exported), null, 2);
    assert.match(text, /"addReplica": "tablet",\s*"clockSkewMs": 60000/);
    const again = parseScenario(text, 'exported.syncscenario.json');
    const replayed = await ScenarioSession.start(again, { openDatabase: openPgliteFromTemplate });
    try {
      for (const st of again.steps) await replayed.runStep(st);
      assert.deepEqual(await state(replayed.playground), live, 'same replicas, rows, queues and timeline');
    } finally {
      await replayed.close();
    }
  });

  it('a stored playground re-opens with the replicas its steps added and removed', async () => {
    session = await PlaygroundSession.create(todo, dbs);
    await session.addReplica('tablet');
    await session.runSql('tablet', "UPDATE todo SET done = true WHERE id = 1");
    await session.removeReplica('laptop');
    const recording = session.recording();
    const before = await rows(session.database('tablet'));
    await session.close();

    session = await PlaygroundSession.open(recording, dbs);
    assert.deepEqual(session.playground.replicas.map((r) => r.name), ['phone', 'tablet']);
    assert.deepEqual(await rows(session.database('tablet')), before);
    assert.equal((await session.queue('tablet')).length, 1, "tablet's write is still queued");
    assert.deepEqual(session.recording(), recording);
    assert.equal(session.replicaNameProblem('laptop'), 'A replica named "laptop" was removed from this playground: choose another name.');
    assert.equal(session.replicaNameProblem(HUB), '"hub" is the hub\'s name: choose another.');
    assert.equal(session.replicaNameProblem('pad'), undefined);
  });
});
