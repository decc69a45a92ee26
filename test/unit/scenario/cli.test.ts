import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../../../src/cli/runCommand';

const root = path.join(__dirname, '..', '..', '..');
const sample = (name: string) => path.join(root, 'scenarios', `${name}.syncscenario.json`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'scenario-cli-'));

async function run(file: string, json = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCommand(file, { json }, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function write(name: string, scenario: unknown): string {
  const f = path.join(tmp, name);
  writeFileSync(f, typeof scenario === 'string' ? scenario : JSON.stringify(scenario, null, 2));
  return f;
}

const base = {
  name: 'cli',
  schema: 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);',
  seed: 'INSERT INTO t VALUES (1, 10);',
  replicas: [{ name: 'A' }, { name: 'B' }],
  rules: [{ strategy: 'last_writer_wins' }],
  steps: [{ replica: 'A', sql: 'UPDATE t SET v = 11 WHERE id = 1;' }, { sync: 'A' }, { expect: { hub: { t: [{ id: 1, v: 11 }] } } }],
};

describe('CLI: run FILE [--json]', function () {
  this.timeout(120_000);

  it('prints one deterministic JSON object: the same file gives byte-identical output', async () => {
    const a = await run(sample('strategy-last-writer-wins'), true);
    const b = await run(sample('strategy-last-writer-wins'), true);
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, b.out);
    const r = JSON.parse(a.out);
    assert.deepEqual(Object.keys(r), ['ok', 'name', 'hub', 'replicas', 'conflicts', 'timeline', 'expectations']);
    assert.deepEqual(Object.keys(r.replicas), ['A', 'B', 'C']);
    assert.deepEqual(r.replicas.B.queue.discarded, 1);
    assert.deepEqual(r.conflicts.map((c: { type: string; outcome: string }) => `${c.type}:${c.outcome}`), [
      'update_origin_differs:kept_hub',
      'update_origin_differs:applied_incoming',
    ]);
    assert.ok(r.timeline.some((e: { type: string }) => e.type === 'conflict_detected'));
  });

  it('prints a human report with the timeline, final state, conflicts and ✓ per expectation; exit 0', async () => {
    const { code, out } = await run(write('ok.syncscenario.json', base));
    assert.equal(code, 0);
    assert.match(out, /Timeline\n.*step:sql\s+UPDATE t SET v = 11/);
    assert.match(out, /op_applied\s+A:1 update t\(id=1\) applied at the hub/);
    assert.match(out, /Final state\n  hub\n    t \(1 row\)\n      id=1  v=11/);
    assert.match(out, /✓ step 2 \(line \d+\): hub\.t has the 1 expected row/);
    assert.match(out, /PASS/);
  });

  it('exits 1 and says which row and column differ when an expectation fails', async () => {
    const f = write('fail.syncscenario.json', { ...base, steps: [...base.steps.slice(0, 2), { expect: { hub: { t: [{ id: 1, v: 12 }] }, converged: true } }] });
    const { code, out } = await run(f);
    assert.equal(code, 1);
    assert.match(out, /✗ step 2 \(line \d+\): hub\.t row id=1: v is 11, expected 12/);
    assert.match(out, /✗ step 2 \(line \d+\): not converged: B\.t row id=1: v is 10, expected 11/);
  });

  it('exits 2 for an invalid file, naming the field and line, before running anything', async () => {
    const f = write('bad.syncscenario.json', { ...base, steps: [{ sync: 'A' }, { sync: 'Z' }] });
    const { code, out, err } = await run(f);
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.match(err, /bad\.syncscenario\.json:\d+: steps\[1\]\.sync: unknown replica "Z"; replicas are: A, B/);
  });

  it('exits 2 for bad SQL in the schema or seed, before any step runs', async () => {
    const schema = await run(write('schema.syncscenario.json', { ...base, schema: 'CREATE TABLE t (id int PRIMARY KEY, v nosuchtype);' }));
    assert.equal(schema.code, 2);
    assert.match(schema.err, /schema\.syncscenario\.json:3: schema: the schema SQL failed: type "nosuchtype" does not exist/);
    const seed = await run(write('seed.syncscenario.json', { ...base, seed: 'INSERT INTO t VALUES (1);' }));
    assert.equal(seed.code, 2);
    assert.match(seed.err, /seed: the seed SQL failed: null value in column "v"/);
  });

  it('exits 1 with the step and line when a step cannot run (resolving a conflict that is not open)', async () => {
    const { code, out } = await run(write('resolve.syncscenario.json', { ...base, steps: [{ resolve: { conflict: 0, take: 'hub' } }] }));
    assert.equal(code, 1);
    assert.match(out, /✗ Stopped: step 0 \(line \d+\) .*there is no open manual conflict #0 \(open: 0\)/);
  });

  it('the built bundle runs (node dist/cli.js) when it has been built', async function () {
    const cli = path.join(root, 'dist', 'cli.js');
    if (!existsSync(cli)) this.skip();
    const r = await promisify(execFile)(process.execPath, [cli, 'run', sample('conflict-delete-missing'), '--json']);
    assert.equal(JSON.parse(r.stdout).ok, true);
    await assert.rejects(promisify(execFile)(process.execPath, [cli, 'run']), (e: { code?: number }) => e.code === 2);
  });
});
