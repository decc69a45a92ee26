import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/core/errors';
import { parseScenario, ScenarioInvalidError } from '../../../src/core/scenario/parseScenario';
import { scenarioToJson } from '../../../src/core/scenario/scenarioModel';

/** A valid scenario as text; `patch` edits the object before it is printed (2-space JSON, one field per line). */
function scenarioText(patch: (s: Record<string, any>) => void = () => {}): string {
  const s: Record<string, any> = {
    name: 'todo',
    schema: 'CREATE TABLE t (id int PRIMARY KEY, title text)',
    seed: "INSERT INTO t VALUES (1, 'a')",
    replicas: [{ name: 'A', clockSkewMs: 0 }, { name: 'B' }],
    rules: [{ table: 't', conflict: 'update_origin_differs', strategy: 'field_merge' }, { strategy: 'last_writer_wins' }],
    steps: [
      { replica: 'A', sql: "UPDATE t SET title = 'x' WHERE id = 1" },
      { offline: 'B' },
      { online: 'B' },
      { sync: 'A' },
      { syncAll: true },
      { advanceMs: 1000 },
      { resolve: { conflict: 0, take: 'hub' } },
      { resolve: { conflict: 0, take: { row: { id: 1, title: 'y' } } } },
      { expect: { converged: true, hub: { t: [{ id: 1, title: 'x' }] }, conflicts: ['update_origin_differs'], queue: { A: { applied: 1 } } } },
    ],
  };
  patch(s);
  return JSON.stringify(s, null, 2);
}

function invalid(text: string): ScenarioInvalidError {
  try {
    parseScenario(text, 'x.syncscenario.json');
  } catch (e) {
    assert.ok(e instanceof ScenarioInvalidError, `expected ScenarioInvalidError, got ${e}`);
    assert.ok(InvalidInputError.is(e));
    return e;
  }
  assert.fail('expected the scenario to be rejected');
}

/** The 1-based line of the first line of `text` containing `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('parseScenario', () => {
  it('reads every step kind, rule and expectation of the documented format', () => {
    const s = parseScenario(scenarioText(), 'todo.syncscenario.json');
    assert.deepEqual(s.replicas, [{ name: 'A', clockSkewMs: 0 }, { name: 'B', clockSkewMs: 0 }]);
    assert.deepEqual(s.steps.map((x) => x.kind), ['sql', 'offline', 'online', 'sync', 'syncAll', 'advance', 'resolve', 'resolve', 'expect']);
    assert.deepEqual(s.rules[1], { strategy: 'last_writer_wins' });
    assert.deepEqual(s.steps[7], { kind: 'resolve', conflict: 0, take: { row: { id: 1, title: 'y' } } });
  });

  it('exports back to the same file form', () => {
    const text = scenarioText();
    const s = parseScenario(text);
    const again = parseScenario(JSON.stringify(scenarioToJson(s), null, 2));
    assert.deepEqual({ ...again, lines: undefined }, { ...s, lines: undefined });
  });

  it('names the field and line of an unknown step kind', () => {
    const text = scenarioText((s) => s.steps.splice(3, 0, { teleport: 'A' }));
    const e = invalid(text);
    assert.equal(e.path, 'steps[3].teleport');
    assert.equal(e.line, lineOf(text, '"teleport"'));
    assert.match(e.message, /unknown step kind "teleport"/);
    assert.match(e.message, new RegExp(`x\\.syncscenario\\.json:${e.line}:`));
  });

  it('rejects replica names that are not declared, in steps and expectations', () => {
    const text = scenarioText((s) => {
      s.steps.push({ sync: 'C' });
      s.steps.push({ expect: { queue: { Z: { pending: 0 } } } });
    });
    const e = invalid(text);
    assert.deepEqual(e.issues.map((i) => i.path), ['steps[9].sync', 'steps[10].expect.queue.Z']);
    assert.match(e.message, /unknown replica "C"; replicas are: A, B/);
    assert.equal(e.issues[0]!.line, lineOf(text, '"sync": "C"'));
  });

  it('rejects unknown strategies and conflict types, and a custom rule without a function', () => {
    const text = scenarioText((s) => {
      s.rules = [{ strategy: 'coin_flip' }, { conflict: 'update_vanished', strategy: 'hub_wins' }, { table: 't', strategy: 'custom' }];
    });
    const e = invalid(text);
    assert.deepEqual(e.issues.map((i) => i.path), ['rules[0].strategy', 'rules[1].conflict', 'rules[2].function']);
    assert.match(e.issues[0]!.message, /unknown strategy "coin_flip"; expected one of: last_writer_wins/);
    assert.equal(e.issues[0]!.line, lineOf(text, 'coin_flip'));
  });

  it('reports a JSON syntax error with its line', () => {
    const text = scenarioText().replace('"offline": "B"', '"offline": "B",');
    const e = (() => {
      try {
        parseScenario(text, 'f.json');
      } catch (x) {
        return x as InvalidInputError;
      }
      assert.fail('expected a syntax error');
    })();
    assert.ok(InvalidInputError.is(e));
    assert.equal(e.line, lineOf(text, '"offline": "B",') + 1);
    assert.match(e.message, /^f\.json:\d+: invalid JSON: expected a property name/);
  });

  it('requires the top-level fields and rejects unknown ones', () => {
    const e = invalid(JSON.stringify({ name: 'x', replicas: [], steps: [], colour: 'red' }));
    assert.deepEqual(e.issues.map((i) => i.path), ['colour', 'schema', 'replicas']);
  });

  it('rejects duplicate replicas, bad skews, bad resolve and bad expectation values', () => {
    const e = invalid(
      scenarioText((s) => {
        s.replicas.push({ name: 'A' }, { name: 'C', clockSkewMs: 'fast' });
        s.steps = [
          { resolve: { conflict: -1, take: 'hub' } },
          { resolve: { conflict: 0, take: 'mine' } },
          { expect: { conflicts: ['nope'], converged: 'yes' } },
          { syncAll: false },
          { replica: 'A' },
        ];
      }),
    );
    assert.deepEqual(e.issues.map((i) => i.path), [
      'replicas[2].name',
      'replicas[3].clockSkewMs',
      'steps[0].resolve.conflict',
      'steps[1].resolve.take',
      'steps[2].expect.converged',
      'steps[2].expect.conflicts[0]',
      'steps[3].syncAll',
      'steps[4]',
    ]);
  });
  it('reads rules, hub, discard and stopped-sync steps, and exports them back to the same form', () => {
    const text = scenarioText((s) => {
      s.steps = [
        { rules: [{ table: 't', strategy: 'hub_wins' }, { strategy: 'replica_wins' }], comment: 'from here on' },
        { hub: "UPDATE t SET title = 'h'" },
        { discard: 'A:3' },
        { sync: 'B', batchSize: 1, maxEvents: 7 },
      ];
    });
    const s = parseScenario(text, 'x.syncscenario.json');
    assert.deepEqual(s.steps, [
      { kind: 'rules', rules: [{ table: 't', strategy: 'hub_wins' }, { strategy: 'replica_wins' }], comment: 'from here on' },
      { kind: 'hub', sql: "UPDATE t SET title = 'h'" },
      { kind: 'discard', replica: 'A', opId: 'A:3' },
      { kind: 'sync', replica: 'B', batchSize: 1, maxEvents: 7 },
    ]);
    assert.equal(s.lines!['steps[2]'], lineOf(text, '"discard"') - 1, 'the step object starts on the line before its field');
    assert.deepEqual(scenarioToJson(s).steps, JSON.parse(text).steps);
  });

  it('validates the new steps, naming field and line', () => {
    const text = scenarioText((s) => {
      s.steps = [
        { rules: [{ strategy: 'coin_flip' }] },
        { rules: 'hub_wins' },
        { hub: '  ' },
        { discard: 'C:1' },
        { discard: 'A' },
        { sync: 'A', maxEvents: 0 },
        { offline: 'A', maxEvents: 2 },
      ];
    });
    const e = invalid(text);
    assert.deepEqual(e.issues.map((i) => i.path), [
      'steps[0].rules[0].strategy',
      'steps[1].rules',
      'steps[2].hub',
      'steps[3].discard',
      'steps[4].discard',
      'steps[5].maxEvents',
      'steps[6].maxEvents',
    ]);
    assert.equal(e.issues[0]!.line, lineOf(text, 'coin_flip'));
    assert.match(e.issues[3]!.message, /unknown replica "C"/);
    assert.match(e.issues[4]!.message, /"replica:seq"/);
    assert.match(e.issues[6]!.message, /belongs to a sync step/);
  });
});
