import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario, ScenarioInvalidError } from '../../../src/core/scenario/parseScenario';
import { runScenario } from '../../../src/core/scenario/runScenario';
import { scenarioToJson } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import type { SqlPort } from '../../../src/core/sql';
import type { Playground } from '../../../src/core/sync/playground';
import { DatabasePool } from './databasePool';

/** A two-replica todo scenario with `steps`, printed one field per line (so lines are exact). */
function scenarioText(steps: unknown[]): string {
  return JSON.stringify(
    {
      name: 'link',
      schema: 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL)',
      seed: "INSERT INTO todo VALUES (1, 'milk'), (2, 'eggs')",
      replicas: [{ name: 'A' }, { name: 'B' }],
      steps,
    },
    null,
    2,
  );
}

function invalid(text: string): ScenarioInvalidError {
  try {
    parseScenario(text, 'x.syncscenario.json');
  } catch (e) {
    assert.ok(e instanceof ScenarioInvalidError, `expected ScenarioInvalidError, got ${e}`);
    return e;
  }
  assert.fail('expected the scenario to be rejected');
}

const lineOf = (text: string, needle: string, from = 0) => text.split('\n').findIndex((l, i) => i >= from && l.includes(needle)) + 1;

/** What a person compares: every replica's rows and queue, the hub's rows, and the timeline with its times. */
async function state(pg: Playground) {
  const rows = async (db: SqlPort) => (await db.query('SELECT * FROM todo ORDER BY id')).rows;
  const replicas: Record<string, unknown> = {};
  for (const r of pg.replicas) replicas[r.name] = { rows: await rows(r.db), queue: await r.counts(), link: pg.link(r.name) };
  const timeline = (await pg.timeline()).map((e) => `${e.seq} ${e.at} ${e.replica} ${e.type}`);
  return { hub: await rows(pg.hub), replicas, timeline };
}

describe('scenario step: link', function () {
  this.timeout(180_000);
  const pool = new DatabasePool();
  after(() => pool.dispose());

  it('parses a link and its switching off, and exports them back to the same steps', () => {
    const s = parseScenario(
      scenarioText([
        { link: { replica: 'A', dropRate: 0.3, latencyMs: 20, seed: 7 }, comment: 'on a train' },
        { link: { replica: 'B', latencyMs: 200 } },
        { link: { replica: 'A', dropRate: 0.5, lose: 'reply', seed: 0 } },
        { link: { replica: 'A', off: true } },
        { link: { replica: 'B', dropRate: 0 } },
      ]),
    );
    assert.deepEqual(s.steps, [
      { kind: 'link', replica: 'A', link: { dropRate: 0.3, latencyMs: 20, lose: 'request', seed: 7 }, comment: 'on a train' },
      { kind: 'link', replica: 'B', link: { dropRate: 0, latencyMs: 200, lose: 'request', seed: 1 } },
      { kind: 'link', replica: 'A', link: { dropRate: 0.5, latencyMs: 0, lose: 'reply', seed: 0 } },
      { kind: 'link', replica: 'A', link: null },
      { kind: 'link', replica: 'B', link: null },
    ]);
    const json = scenarioToJson(s);
    assert.deepEqual((json.steps as unknown[])[0], { link: { replica: 'A', dropRate: 0.3, latencyMs: 20, seed: 7 }, comment: 'on a train' });
    assert.deepEqual((json.steps as unknown[])[3], { link: { replica: 'A', off: true } });
    assert.deepEqual(parseScenario(JSON.stringify(json, null, 2)).steps, s.steps);
  });

  it('names the field and the line of a bad link step', () => {
    const text = scenarioText([
      { link: { replica: 'A', dropRate: 'high' } }, // 0: wrong type
      { link: { replica: 'Z', dropRate: 0.3 } }, // 1: unknown replica
      { link: { dropRate: 0.3 } }, // 2: no replica
      { link: { replica: 'A', latencyMs: -5, lose: 'both', seed: 1.5 } }, // 3: three bad fields
      { link: { replica: 'A', off: true, dropRate: 0.3 } }, // 4: off and a rate
      { link: { replica: 'A' } }, // 5: says nothing
      { link: 'A' }, // 6: not an object
      { link: { replica: 'A', dropRate: 1.2, jitterMs: 3 } }, // 7: out of range, unknown field
      { link: { replica: 'A', off: 'yes' } }, // 8: off not true
    ]);
    const e = invalid(text);
    assert.deepEqual(
      e.issues.map((i) => i.path),
      [
        'steps[0].link.dropRate',
        'steps[1].link.replica',
        'steps[2].link',
        'steps[3].link.latencyMs',
        'steps[3].link.lose',
        'steps[3].link.seed',
        'steps[4].link.dropRate',
        'steps[5].link',
        'steps[6].link',
        'steps[7].link.jitterMs',
        'steps[7].link.dropRate',
        'steps[8].link.off',
      ],
    );
    const msg = (i: number) => e.issues[i]!.message;
    assert.match(msg(0), /dropRate must be a number from 0 to 1 \(0\.3 loses 30% of the round trips to the hub\), got "high"/);
    assert.match(msg(1), /unknown replica "Z"; replicas are: A, B/);
    assert.match(msg(2), /a link step names its replica, like \{ "replica": "A", "dropRate": 0\.3/);
    assert.match(msg(3), /latencyMs must be a whole number of milliseconds from 0 to 10000, got -5/);
    assert.match(msg(4), /lose must be "request" \(the statement never runs\) or "reply"/);
    assert.match(msg(5), /seed must be a whole number/);
    assert.match(msg(6), /"dropRate" has no meaning with "off": true/);
    assert.match(msg(7), /a link step sets dropRate and\/or latencyMs/);
    assert.match(msg(8), /link is an object like/);
    assert.match(msg(9), /unknown field "jitterMs"; expected one of: replica, dropRate, latencyMs, lose, seed, off/);
    assert.match(msg(10), /got 1\.2/);
    assert.match(msg(11), /off must be true/);
    // lines: the field's own line, in the step it belongs to
    assert.equal(e.issues[0]!.line, lineOf(text, '"dropRate": "high"'));
    assert.equal(e.issues[1]!.line, lineOf(text, '"replica": "Z"'));
    assert.equal(e.issues[3]!.line, lineOf(text, '"latencyMs": -5'));
    assert.equal(e.issues[9]!.line, lineOf(text, '"jitterMs"'));
    assert.match(e.message, new RegExp(`x\\.syncscenario\\.json:${e.issues[0]!.line}: steps\\[0\\]\\.link\\.dropRate`));
  });

  it('the flaky-link sample retries (the link did lose round trips) and still converges', async () => {
    const file = path.join(__dirname, '..', '..', '..', 'scenarios', 'flaky-link.syncscenario.json');
    const r = await runScenario(parseScenario(readFileSync(file, 'utf8'), 'flaky-link.syncscenario.json'), { openDatabase: pool.openDatabase });
    assert.equal(r.ok, true, r.error ?? JSON.stringify(r.expectations.filter((x) => !x.ok)));
    const retries = r.timeline.filter((e) => e.type === 'sync_retry');
    assert.ok(retries.length > 0, 'the link lost nothing');
    assert.ok(retries.every((e) => e.replica === 'van'), 'only the van, on the flaky link, retried');
    assert.match(retries[0]!.text, /^link to the hub failed on attempt 1 \(Connection to the hub lost .*\); retrying in 100 ms$/);
    assert.equal(r.timeline.filter((e) => e.type === 'sync_gave_up').length, 0);
  });

  it('a sync that gives up is a timeline line, not a failed run; the ops wait, and an expectation sees them', async () => {
    const r = await runScenario(
      parseScenario(
        scenarioText([
          { link: { replica: 'A', dropRate: 1 } },
          { replica: 'A', sql: "INSERT INTO todo VALUES (3, 'tea')" },
          { sync: 'A' },
          { expect: { queue: { A: { pending: 1 } }, converged: false } },
          { link: { replica: 'A', off: true } },
          { syncAll: true },
          { expect: { queue: { A: { applied: 1, pending: 0 } }, converged: true } },
        ]),
      ),
      { openDatabase: pool.openDatabase },
    );
    assert.equal(r.ok, true, r.error ?? JSON.stringify(r.expectations.filter((x) => !x.ok)));
    const gaveUp = r.timeline.filter((e) => e.type === 'sync_gave_up');
    assert.deepEqual(gaveUp.map((e) => [e.step, e.replica]), [[2, 'A']]);
    assert.match(gaveUp[0]!.text, /^sync gave up after 20 attempts \(Connection to the hub lost .*\); nothing is lost: 1 op\(s\) wait in the queue$/);
  });

  describe('a playground session with a link', () => {
    const stored = new Map<string, SqlPort>();
    const dbs: PlaygroundDatabases = {
      async open(name, fresh) {
        if (fresh || !stored.has(name)) {
          await stored.get(name)?.close();
          stored.set(name, await pool.openDatabase());
        }
        const db = stored.get(name)!;
        return { kind: db.kind, query: (s, p) => db.query(s, p), exec: (s) => db.exec(s), transaction: (fn) => db.transaction(fn), close: async () => {} } as SqlPort;
      },
    };
    after(async () => void (await Promise.all([...stored.values()].map((d) => d.close()))));

    it('records the link as a step; the exported scenario replays to the same rows, queues and timeline; a re-open keeps the link', async () => {
      const todo = PLAYGROUND_SAMPLES.find((s) => s.id === 'todo')!.setup;
      let session = await PlaygroundSession.create(todo, dbs);
      session.linkWaitsFelt = false;
      try {
        const retries: number[] = [];
        await session.setLink('laptop', { dropRate: 0.3, latencyMs: 5, lose: 'reply', seed: 5 });
        await assert.rejects(session.setLink('laptop', { dropRate: 2 }), /dropRate must be a number from 0 to 1/);
        await session.runSql('laptop', "UPDATE todo SET title = 'Buy oat milk' WHERE id = 1");
        await session.runSql('phone', "INSERT INTO todo VALUES (7, 'Call the plumber', false)");
        await session.sync('phone');
        await session.sync('laptop', (e) => e.type === 'sync_retry' && retries.push(e.attempt));
        await session.runSql('laptop', 'DELETE FROM todo WHERE id = 2');
        await session.syncAll();
        assert.ok(retries.length > 0, 'the link lost nothing');

        const live = await state(session.playground);
        assert.deepEqual((live.replicas.laptop as { link: unknown }).link, { dropRate: 0.3, latencyMs: 5, lose: 'reply', seed: 5 });
        const exported = exportScenario(session.recording());
        assert.deepEqual(exported.steps.map((st) => st.kind), ['link', 'sql', 'sql', 'sync', 'sync', 'sql', 'syncAll']);
        const text = JSON.stringify(scenarioToJson(exported), null, 2);
        assert.match(text, /"link": \{\s*"replica": "laptop",\s*"dropRate": 0\.3,\s*"latencyMs": 5,\s*"lose": "reply",\s*"seed": 5\s*\}/);
        const replayed = await ScenarioSession.start(parseScenario(text, 'exported.syncscenario.json'), { openDatabase: pool.openDatabase });
        try {
          for (const st of exported.steps) await replayed.runStep(st);
          assert.deepEqual(await state(replayed.playground), live, 'same rows, queues, link and timeline (times included)');
        } finally {
          await replayed.close();
        }

        const recording = session.recording();
        await session.close();
        session = await PlaygroundSession.open(recording, dbs);
        assert.deepEqual(session.playground.link('laptop'), { dropRate: 0.3, latencyMs: 5, lose: 'reply', seed: 5 });
        assert.equal(session.playground.link('phone'), undefined);
        await session.setLink('laptop', null);
        assert.equal(session.playground.link('laptop'), undefined);
        assert.deepEqual(session.recording().steps.at(-1), { kind: 'link', replica: 'laptop', link: null });
      } finally {
        await session.close();
      }
    });
  });
});
