import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/core/errors';
import { Playground } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { scenarioToJson, type Scenario } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import { DatabasePool } from '../scenario/databasePool';
import { openWorld, resetDb, type World } from '../sync/world';
import { assertConvergedNothingLost } from '../reliability/faultWorld';

/**
 * Identifiers and values a hostile or just unusual user writes: quotes, spaces, unicode, reserved words and SQL
 * injection attempts, for schema, table and column names and for the values in rows. A full sync with conflicts
 * (field_merge, manual resolution, a custom resolver) must treat them as names and data, never as SQL: the
 * `victim` table next to them survives, and every value comes back byte for byte.
 */
const SCHEMA_NAME = `we"ird schema; --`;
const TABLE = `x"; DROP TABLE victim; --`;
const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
const T = `${q(SCHEMA_NAME)}.${q(TABLE)}`;
const COLS = { id: `id "pk"`, sel: 'select', sp: 'my col', uni: 'ünïcødé ✓ 名前', inj: `v'); DROP TABLE victim; --` };
const C = Object.fromEntries(Object.entries(COLS).map(([k, v]) => [k, q(v)])) as Record<keyof typeof COLS, string>;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Values that break naive quoting or formatting. */
const HOSTILE_VALUES = [`'; DROP TABLE victim; --`, `x"; DROP TABLE victim; --`, '$1 $$ $tag$', '\\x00\\', 'ünïcødé 💥 \u202e', '%s %I %L', "O'Brien", ' '];

const DDL = `CREATE TABLE victim (n int PRIMARY KEY); INSERT INTO victim VALUES (1);
  CREATE SCHEMA ${q(SCHEMA_NAME)};
  CREATE TABLE ${T} (${C.id} text PRIMARY KEY, ${C.sel} text, ${C.sp} int, ${C.uni} text, ${C.inj} text);`;

describe('security: hostile identifiers and values survive every engine path', function () {
  this.timeout(180_000);
  let w: World;
  before(async () => (w = await openWorld()));
  after(() => w?.close());

  it('a sync round trip with field_merge, manual and custom conflicts keeps every name and value intact', async () => {
    await Promise.all([resetDb(w.hub), resetDb(w.a), resetDb(w.b)]);
    const clock = new SimulatedClock();
    const pg = await Playground.create({ hub: w.hub, clock, replicas: [{ name: 'A', db: w.a }, { name: 'B', db: w.b }], defaultStrategy: 'field_merge' });
    await pg.applySchema(DDL);
    await w.hub.exec(`CREATE FUNCTION ${q(SCHEMA_NAME)}.${q(`resolve"; --`)}(base jsonb, hub jsonb, incoming jsonb, t text) RETURNS jsonb
      LANGUAGE sql AS $$ SELECT incoming || jsonb_build_object(${lit(COLS.inj)}, hub->>${lit(COLS.inj)} || ' + ' || (incoming->>${lit(COLS.inj)})) $$`);
    await pg.setRules([
      { table: { schema: SCHEMA_NAME, name: TABLE }, conflict: 'update_origin_differs', strategy: 'field_merge' },
      { table: { schema: SCHEMA_NAME, name: TABLE }, conflict: 'insert_exists', strategy: 'custom', function: { schema: SCHEMA_NAME, name: `resolve"; --` } },
      { table: { schema: SCHEMA_NAME, name: TABLE }, conflict: 'delete_origin_differs', strategy: 'manual' },
    ]);
    const rowsSql = HOSTILE_VALUES.map((v, i) => `(${lit(`k${i} ${v}`)}, ${lit(v)}, ${i}, ${lit(v)}, ${lit(v)})`).join(', ');
    await pg.seed(`INSERT INTO ${T} VALUES ${rowsSql}`);
    clock.advance(1_000);
    // update/update on different columns (merged), insert/insert (custom), delete/update (manual)
    await pg.replica('B').exec(`UPDATE ${T} SET ${C.sel} = ${lit(`B ${HOSTILE_VALUES[0]}`)} WHERE ${C.id} = ${lit(`k0 ${HOSTILE_VALUES[0]}`)};
      INSERT INTO ${T} VALUES (${lit(`new ${HOSTILE_VALUES[1]}`)}, 'b', 1, 'b', ${lit(`B ${HOSTILE_VALUES[2]}`)});
      UPDATE ${T} SET ${C.sp} = 99 WHERE ${C.id} = ${lit(`k3 ${HOSTILE_VALUES[3]}`)}`);
    await pg.syncToEnd('B');
    clock.advance(1_000);
    await pg.replica('A').exec(`UPDATE ${T} SET ${C.uni} = ${lit(`A ${HOSTILE_VALUES[4]}`)} WHERE ${C.id} = ${lit(`k0 ${HOSTILE_VALUES[0]}`)};
      INSERT INTO ${T} VALUES (${lit(`new ${HOSTILE_VALUES[1]}`)}, 'a', 2, 'a', ${lit(`A ${HOSTILE_VALUES[5]}`)});
      DELETE FROM ${T} WHERE ${C.id} = ${lit(`k3 ${HOSTILE_VALUES[3]}`)}`);
    await pg.syncToEnd('A');

    const conflicts = await pg.conflicts();
    assert.deepEqual(conflicts.map((c) => [c.type, c.strategy, c.outcome]), [
      ['update_origin_differs', 'field_merge', 'merged'],
      ['insert_exists', 'custom', 'custom'],
      ['delete_origin_differs', 'manual', 'parked'],
    ]);
    assert.deepEqual(conflicts[0]!.table, { schema: SCHEMA_NAME, name: TABLE });
    assert.deepEqual(conflicts[1]!.pk, { [COLS.id]: `new ${HOSTILE_VALUES[1]}` });
    const preview = await pg.preview(conflicts[2]!.id, 'hub');
    assert.equal(preview.row?.[COLS.sp], 99);
    await pg.resolve(conflicts[2]!.id, 'hub');
    await pg.syncAll();
    await assertConvergedNothingLost(pg, 'hostile names');

    const hub = (await w.hub.query<Record<string, unknown>>(`SELECT * FROM ${T} ORDER BY ${C.sp}, ${C.id}`)).rows;
    const byId = new Map(hub.map((r) => [r[COLS.id], r]));
    assert.deepEqual(byId.get(`k0 ${HOSTILE_VALUES[0]}`), {
      [COLS.id]: `k0 ${HOSTILE_VALUES[0]}`, [COLS.sel]: `B ${HOSTILE_VALUES[0]}`, [COLS.sp]: 0, [COLS.uni]: `A ${HOSTILE_VALUES[4]}`, [COLS.inj]: HOSTILE_VALUES[0],
    });
    assert.equal(byId.get(`new ${HOSTILE_VALUES[1]}`)![COLS.inj], `B ${HOSTILE_VALUES[2]} + A ${HOSTILE_VALUES[5]}`);
    assert.equal(byId.get(`k3 ${HOSTILE_VALUES[3]}`)![COLS.sp], 99, 'the manual choice kept the hub row');
    for (const [i, v] of HOSTILE_VALUES.entries()) if (i !== 0 && i !== 3) assert.equal(byId.get(`k${i} ${v}`)![COLS.sel], v);
    for (const db of [w.hub, w.a, w.b]) assert.deepEqual((await db.query('SELECT n FROM victim')).rows, [{ n: 1 }]);
    // the timeline names the table as it is, and carries the values as data
    const timeline = JSON.stringify(await pg.timeline());
    assert.ok(timeline.includes(JSON.stringify(TABLE).slice(1, -1)));
  });

  it('refuses replica names that could be read as SQL or paths, with the field named', async () => {
    await Promise.all([resetDb(w.hub), resetDb(w.a)]);
    for (const name of [`A"; DROP TABLE victim; --`, `a b`, `../x`, 'hub', '', 'ü', `A'`]) {
      await assert.rejects(
        Playground.create({ hub: w.hub, replicas: [{ name, db: w.a }] }),
        (e: unknown) => InvalidInputError.is(e) && e.path === 'replicas[0].name',
        `replica name ${JSON.stringify(name)} was accepted`,
      );
    }
    assert.deepEqual((await w.hub.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = '_sync'`)).rows, [{ n: 0 }], 'a refused create left a half-built hub');
  });

  it('a scenario with hostile names runs, exports and parses back to the same steps', async () => {
    const pool = new DatabasePool();
    try {
      const scenario: Scenario = parseScenario(
        JSON.stringify({
          name: `hostile "names"`,
          schema: DDL,
          seed: `INSERT INTO ${T} VALUES ('k', ${lit(HOSTILE_VALUES[0]!)}, 1, ${lit(HOSTILE_VALUES[4]!)}, ${lit(HOSTILE_VALUES[1]!)})`,
          replicas: [{ name: 'A' }, { name: 'B' }],
          rules: [{ table: `${SCHEMA_NAME}.${TABLE}`, strategy: 'last_writer_wins' }],
          steps: [
            { replica: 'A', sql: `UPDATE ${T} SET ${C.sel} = ${lit(HOSTILE_VALUES[2]!)}` },
            { replica: 'B', sql: `UPDATE ${T} SET ${C.sel} = ${lit(HOSTILE_VALUES[5]!)}` },
            { sync: 'A' },
            { sync: 'B' },
            { syncAll: true },
            { expect: { converged: true } },
          ],
        }),
      );
      const session = await ScenarioSession.start(scenario, { openDatabase: pool.openDatabase });
      try {
        for (const step of scenario.steps) for (const r of await session.runStep(step)) assert.ok(r.ok, r.message);
        const exported = exportScenario(session.recording());
        const reparsed = parseScenario(JSON.stringify(scenarioToJson(exported), null, 2));
        assert.deepEqual(reparsed.steps, scenario.steps);
        assert.equal(reparsed.schema, DDL);
        assert.deepEqual(reparsed.rules, scenario.rules);
        assert.deepEqual((await session.playground.hub.query(`SELECT ${C.sel} AS v FROM ${T}`)).rows, [{ v: HOSTILE_VALUES[5] }]);
      } finally {
        await session.close();
      }
    } finally {
      await pool.dispose();
    }
  });
});
