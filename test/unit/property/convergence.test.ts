import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkExpectation } from '../../../src/core/scenario/expectations';
import type { Scenario, ScenarioRule, ScenarioStep, ScenarioStrategy } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import { DatabasePool } from '../scenario/databasePool';

/**
 * Random scenarios (2-4 replicas with skewed clocks, random writes on a small table with a simple or composite
 * key, offline periods, random sync orders), under every strategy but `manual`: after all replicas come online
 * and sync, every replica equals the hub, every captured op ended applied, discarded or rejected, and the hub
 * processed each op exactly once.
 *
 *   SYNC_PROPERTY_RUNS=10000 npx mocha … test/unit/property/convergence.test.ts
 */
const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 200);
const SEED = process.env.SYNC_PROPERTY_SEED !== undefined ? Number(process.env.SYNC_PROPERTY_SEED) : undefined;

const NON_MANUAL: ScenarioStrategy[] = ['last_writer_wins', 'first_writer_wins', 'hub_wins', 'replica_wins', 'higher_version_wins', 'field_merge', 'custom'];
const CUSTOM_FN = `CREATE FUNCTION prop_resolve(base jsonb, hub jsonb, incoming jsonb, conflict_type text) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT CASE WHEN incoming IS NULL THEN NULL WHEN (incoming->>'v')::int % 3 = 0 THEN hub ELSE incoming END $$;`;

/** The two table shapes: a simple key, and a composite key with a text part. */
const SHAPES = {
  simple: {
    schema: 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s text);',
    seed: "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, NULL);",
    where: (k: number) => `id = ${k}`,
    insert: (k: number, v: number) => `INSERT INTO t VALUES (${k}, ${v}, 'n${v}') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v`,
  },
  composite: {
    schema: 'CREATE TABLE t (org text NOT NULL, num int NOT NULL, v int NOT NULL, s text, PRIMARY KEY (org, num));',
    seed: "INSERT INTO t VALUES ('x', 1, 10, 'a'), ('y', 1, 20, 'b'), ('x', 2, 30, NULL);",
    where: (k: number) => `org = '${'xy'[k % 2]}' AND num = ${k >> 1}`,
    insert: (k: number, v: number) =>
      `INSERT INTO t VALUES ('${'xy'[k % 2]}', ${k >> 1}, ${v}, 'n${v}') ON CONFLICT (org, num) DO UPDATE SET v = EXCLUDED.v`,
  },
} as const;


const actionArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ a: fc.constantFrom('insert', 'update', 'updateS', 'delete' as const), r: fc.nat(3), k: fc.integer({ min: 1, max: 5 }), v: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constantFrom('offline', 'online' as const), r: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ a: fc.constant('sync' as const), r: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 120_000 }) }) },
);

const scenarioArb = fc.record({
  shape: fc.constantFrom('simple', 'composite' as const),
  skews: fc.array(fc.integer({ min: -90_000, max: 90_000 }), { minLength: 2, maxLength: 4 }),
  strategy: fc.constantFrom(...NON_MANUAL),
  /** Sometimes a second, per-conflict-type rule on top of the default. */
  override: fc.option(fc.record({ conflict: fc.constantFrom('update_origin_differs', 'insert_exists', 'update_deleted', 'delete_origin_differs' as const), strategy: fc.constantFrom(...NON_MANUAL) })),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 24 }),
});

type Generated = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The random scenario as a Scenario, ending with every replica online and a syncAll. */
function toScenario(g: Generated): Scenario {
  const shape = SHAPES[g.shape];
  const names = g.skews.map((_, i) => `R${i}`);
  const rule = (strategy: ScenarioStrategy, extra: Partial<ScenarioRule> = {}): ScenarioRule => ({ ...extra, strategy, ...(strategy === 'custom' ? { function: CUSTOM_FN } : {}) });
  const rules = [rule(g.strategy)];
  if (g.override) rules.unshift(rule(g.override.strategy, { table: 't', conflict: g.override.conflict }));
  const steps: ScenarioStep[] = g.actions.map((x): ScenarioStep => {
    if (x.a === 'advance') return { kind: 'advance', ms: x.ms };
    const replica = names[x.r % names.length]!;
    switch (x.a) {
      case 'offline':
      case 'online':
      case 'sync':
        return { kind: x.a, replica };
      case 'insert':
        return { kind: 'sql', replica, sql: shape.insert(x.k, x.v) };
      case 'update':
        return { kind: 'sql', replica, sql: `UPDATE t SET v = ${x.v} WHERE ${shape.where(x.k)}` };
      case 'updateS':
        return { kind: 'sql', replica, sql: `UPDATE t SET s = 's${x.v}' WHERE ${shape.where(x.k)}` };
      case 'delete':
        return { kind: 'sql', replica, sql: `DELETE FROM t WHERE ${shape.where(x.k)}` };
    }
  });
  for (const r of names) steps.push({ kind: 'online', replica: r });
  steps.push({ kind: 'syncAll' });
  return {
    name: 'random',
    schema: shape.schema,
    seed: shape.seed,
    replicas: names.map((name, i) => ({ name, clockSkewMs: g.skews[i]! })),
    rules,
    steps,
  };
}

describe('property: random scenarios converge and lose or repeat no op', function () {
  this.timeout(Math.max(300_000, RUNS * 5_000));
  const pool = new DatabasePool();
  after(() => pool.dispose());
  const stats = { runs: 0, ops: 0, conflicts: 0, applied: 0, discarded: 0, rejected: 0 };

  it(`holds for ${RUNS} random scenarios under every non-manual strategy`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (g) => {
        const scenario = toScenario(g);
        const session = await ScenarioSession.start(scenario, { openDatabase: pool.openDatabase });
        try {
          for (const step of scenario.steps) await session.runStep(step);
          const state = await session.expectationState();
          const [converged] = checkExpectation({ converged: true }, state);
          assert.ok(converged!.ok, converged!.message);

          let captured = 0;
          const opIds: string[] = [];
          for (const r of session.playground.replicas) {
            const ops = await r.ops();
            captured += ops.length;
            for (const op of ops) {
              assert.ok(['applied', 'discarded', 'rejected'].includes(op.status), `${op.opId} ended ${op.status}${op.error ? `: ${op.error}` : ''}`);
              opIds.push(op.opId);
              stats[op.status as 'applied' | 'discarded' | 'rejected']++;
            }
          }
          const processed = await session.playground.processedOpIds();
          assert.equal(new Set(processed).size, processed.length, `the hub processed an op twice: ${processed.join(', ')}`);
          assert.deepEqual([...processed].sort(), opIds.sort(), 'the hub processed exactly the captured ops');
          stats.runs++;
          stats.ops += captured;
          stats.conflicts += (await session.playground.conflicts()).length;
          // a long run says how far it got, so a run that is stopped still reports its counts
          if (RUNS > 200 && stats.runs % 500 === 0) console.log(`      ${stats.runs} of ${RUNS} scenarios hold (${stats.ops} ops, ${stats.conflicts} conflicts)`);
        } finally {
          await session.close();
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    // What ran, for the CI log: a property test that exercises no conflicts proves little.
    console.log(`      ${stats.runs} scenarios, ${stats.ops} ops (${stats.applied} applied, ${stats.discarded} discarded, ${stats.rejected} rejected), ${stats.conflicts} conflicts, ${pool.opened} databases opened`);
    assert.ok(stats.conflicts > 0, 'the random scenarios produced no conflict at all');
  });
});
