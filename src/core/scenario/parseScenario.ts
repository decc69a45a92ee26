import { InvalidInputError } from '../errors';
import { formatPath, parseJsonWithPositions, type JsonPath, type PositionedJson } from './jsonPositions';
import { CONFLICT_TYPES, OP_STATUSES, STRATEGIES } from '../sync/types';
import { checkLink } from '../sync/replicaLink';
import {
  customFunctionName,
  REPLICA_NAME,
  REPLICA_NAME_RULE,
  type ResolveTake,
  type Scenario,
  type ScenarioConflictType,
  type ScenarioExpectation,
  type ScenarioReplica,
  type ScenarioRule,
  type ScenarioStep,
  type ScenarioStrategy,
  type TableRows,
} from './scenarioModel';

/** One problem in a scenario file. */
export interface ScenarioIssue {
  readonly path: string;
  readonly line: number | undefined;
  readonly message: string;
}

/**
 * Thrown for an invalid scenario: the message lists every problem found (so a person fixes them in one go);
 * `path` and `line` point at the first.
 */
export class ScenarioInvalidError extends InvalidInputError {
  constructor(
    readonly fileName: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    const first = issues[0]!;
    const where = (i: ScenarioIssue) => `${fileName}${i.line !== undefined ? `:${i.line}` : ''}: ${i.path}: ${i.message}`;
    super(
      issues.length === 1
        ? `Invalid scenario ${where(first)}`
        : `Invalid scenario ${fileName} (${issues.length} problems):\n${issues.map((i) => `  ${where(i)}`).join('\n')}`,
      first.path,
      first.line,
    );
  }
}

const STEP_KINDS = ['sql', 'offline', 'online', 'sync', 'syncAll', 'advanceMs', 'resolve', 'expect', 'rules', 'hub', 'discard', 'addReplica', 'removeReplica', 'link'] as const;
/** Fields a `sync` step may carry besides the replica (a step-mode sync, stopped half-way). */
const SYNC_OPTIONS = ['batchSize', 'maxEvents'] as const;
/** Fields an `addReplica` step may carry besides the name. */
const ADD_OPTIONS = ['clockSkewMs'] as const;
const list = (xs: readonly string[]) => xs.join(', ');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and validates a whole scenario file before anything runs: shape, step kinds, replica names used by
 * steps and expectations, rule strategies and conflict types, custom rules without a function.
 * Throws ScenarioInvalidError (an InvalidInputError) naming the field and its line.
 */
export function parseScenario(text: string, fileName = 'scenario'): Scenario {
  const doc = parseJsonWithPositions(text, fileName);
  return validateScenario(doc.value, fileName, doc);
}

/** Validates an already-parsed value (e.g. from the UI); lines are reported when `positions` is given. */
export function validateScenario(value: unknown, fileName = 'scenario', positions?: PositionedJson): Scenario {
  const issues: ScenarioIssue[] = [];
  const issue = (path: JsonPath, message: string): undefined => {
    issues.push({ path: formatPath(path), line: positions?.lineOf(path), message });
    return undefined;
  };
  const unknownKeys = (obj: Record<string, unknown>, path: JsonPath, allowed: readonly string[]) => {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) issue([...path, k], `unknown field "${k}"; expected one of: ${list(allowed)}`);
    }
  };
  const str = (obj: Record<string, unknown>, k: string, path: JsonPath, required: boolean): string | undefined => {
    const v = obj[k];
    if (v === undefined) return required ? issue([...path, k], `"${k}" is required (a string)`) : undefined;
    if (typeof v !== 'string') return issue([...path, k], `"${k}" must be a string, got ${JSON.stringify(v)}`);
    return v;
  };

  if (!isObject(value)) {
    issue([], 'a scenario is a JSON object with name, schema, seed, replicas, rules and steps');
    throw new ScenarioInvalidError(fileName, issues);
  }
  unknownKeys(value, [], ['name', 'description', 'schema', 'seed', 'replicas', 'rules', 'steps']);
  const name = str(value, 'name', [], true);
  if (name !== undefined && !name.trim()) issue(['name'], 'name must not be empty');
  const description = str(value, 'description', [], false);
  const schema = str(value, 'schema', [], true) ?? '';
  const seed = str(value, 'seed', [], false) ?? '';

  // replicas
  const replicas: ScenarioReplica[] = [];
  if (!Array.isArray(value.replicas) || value.replicas.length === 0) {
    issue(['replicas'], 'replicas must be a non-empty array like [{ "name": "A" }, { "name": "B" }]');
  } else {
    value.replicas.forEach((r, i) => {
      const p = ['replicas', i];
      if (!isObject(r)) return issue(p, 'a replica is an object like { "name": "A", "clockSkewMs": 0 }');
      unknownKeys(r, p, ['name', 'clockSkewMs']);
      const rn = str(r, 'name', p, true);
      if (rn === undefined) return;
      if (!REPLICA_NAME.test(rn)) return issue([...p, 'name'], `replica name "${rn}" ${REPLICA_NAME_RULE}`);
      if (rn === 'hub') return issue([...p, 'name'], '"hub" is reserved for the hub');
      if (replicas.some((x) => x.name === rn)) return issue([...p, 'name'], `duplicate replica name "${rn}"`);
      const skew = r.clockSkewMs ?? 0;
      if (typeof skew !== 'number' || !Number.isInteger(skew)) {
        return issue([...p, 'clockSkewMs'], `clockSkewMs must be an integer number of milliseconds, got ${JSON.stringify(skew)}`);
      }
      replicas.push({ name: rn, clockSkewMs: skew });
    });
  }
  // the replicas at the step being read: addReplica and removeReplica steps change them as the steps go
  const replicaNames = new Set(replicas.map((r) => r.name));
  /** Removed replicas, with where: their names are not used again (the hub knows their op ids). */
  const removedAt = new Map<string, string>();
  const replicaRef = (v: unknown, path: JsonPath): string | undefined => {
    if (typeof v !== 'string') return issue(path, `must be a replica name (a string), got ${JSON.stringify(v)}`);
    const gone = removedAt.get(v);
    if (gone !== undefined) return issue(path, `replica "${v}" was removed by ${gone}; replicas here are: ${list([...replicaNames])}`);
    if (!replicaNames.has(v)) return issue(path, `unknown replica "${v}"; replicas are: ${list([...replicaNames])}`);
    return v;
  };

  // rules
  const rules: ScenarioRule[] = [];
  if (value.rules !== undefined && !Array.isArray(value.rules)) issue(['rules'], 'rules must be an array');
  (Array.isArray(value.rules) ? value.rules : []).forEach((r, i) => {
    const rule = parseRule(r, ['rules', i]);
    if (rule) rules.push(rule);
  });

  // a rule, at the top or in a `rules` step
  function parseRule(r: unknown, p: JsonPath): ScenarioRule | undefined {
    if (!isObject(r)) return issue(p, 'a rule is an object like { "table": "t", "conflict": "insert_exists", "strategy": "hub_wins" }');
    unknownKeys(r, p, ['table', 'conflict', 'strategy', 'function']);
    const table = str(r, 'table', p, false);
    const conflict = str(r, 'conflict', p, false);
    const strategy = str(r, 'strategy', p, true);
    const fn = str(r, 'function', p, false);
    if (conflict !== undefined && !(CONFLICT_TYPES as readonly string[]).includes(conflict)) {
      issue([...p, 'conflict'], `unknown conflict type "${conflict}"; expected one of: ${list(CONFLICT_TYPES)}`);
    }
    if (strategy !== undefined && !(STRATEGIES as readonly string[]).includes(strategy)) {
      issue([...p, 'strategy'], `unknown strategy "${strategy}"; expected one of: ${list(STRATEGIES)}`);
    }
    if (strategy === 'custom' && !fn?.trim()) {
      issue([...p, 'function'], 'a custom rule needs "function": SQL creating a function (base jsonb, hub jsonb, incoming jsonb, type text) returns jsonb');
    }
    if (strategy === 'custom' && fn?.trim() && !customFunctionName(fn)) {
      issue([...p, 'function'], 'the custom function SQL must create a function: CREATE [OR REPLACE] FUNCTION name(base jsonb, hub jsonb, incoming jsonb, type text) RETURNS jsonb …');
    }
    if (strategy !== undefined && strategy !== 'custom' && fn !== undefined) {
      issue([...p, 'function'], `"function" is only used by the custom strategy, not by ${strategy}`);
    }
    if (strategy === undefined) return undefined;
    return {
      ...(table !== undefined ? { table } : {}),
      ...(conflict !== undefined ? { conflict: conflict as ScenarioConflictType } : {}),
      strategy: strategy as ScenarioStrategy,
      ...(fn !== undefined ? { function: fn } : {}),
    };
  }

  // steps
  const steps: ScenarioStep[] = [];
  if (!Array.isArray(value.steps)) issue(['steps'], 'steps must be an array');
  (Array.isArray(value.steps) ? value.steps : []).forEach((s, i) => {
    const p: JsonPath = ['steps', i];
    const step = parseStep(s, p);
    if (step) steps.push(step);
  });

  function parseStep(s: unknown, p: JsonPath): ScenarioStep | undefined {
    if (!isObject(s)) return issue(p, `a step is an object with one of: ${list(STEP_KINDS)}`);
    const comment = str(s, 'comment', p, false);
    const c = comment !== undefined ? { comment } : {};
    const keys = Object.keys(s).filter((k) => k !== 'comment');
    const options = keys.filter((k) => (SYNC_OPTIONS as readonly string[]).includes(k) || (ADD_OPTIONS as readonly string[]).includes(k));
    const kinds = keys.filter((k) => (STEP_KINDS as readonly string[]).includes(k) || k === 'replica' || options.includes(k));
    const isSql = keys.includes('sql') || keys.includes('replica');
    const unknown = keys.filter((k) => !kinds.includes(k));
    if (unknown.length) return issue([...p, unknown[0]!], `unknown step kind "${unknown[0]}"; expected one of: ${list(STEP_KINDS)}`);
    if (isSql) {
      if (keys.length !== 2 || !keys.includes('sql') || !keys.includes('replica')) {
        return issue(p, `an sql step has exactly "replica" and "sql", got: ${list(keys)}`);
      }
      const replica = replicaRef(s.replica, [...p, 'replica']);
      const sql = str(s, 'sql', p, true);
      if (sql !== undefined && !sql.trim()) issue([...p, 'sql'], 'sql must not be empty');
      return replica !== undefined && sql !== undefined ? { kind: 'sql', replica, sql, ...c } : undefined;
    }
    const misplaced = options.find((k) => ((SYNC_OPTIONS as readonly string[]).includes(k) ? !keys.includes('sync') : !keys.includes('addReplica')));
    if (misplaced !== undefined) {
      return issue(
        [...p, misplaced],
        (SYNC_OPTIONS as readonly string[]).includes(misplaced)
          ? `"${misplaced}" belongs to a sync step, like { "sync": "A", "batchSize": 1, "maxEvents": 7 }`
          : `"${misplaced}" belongs to an addReplica step, like { "addReplica": "C", "clockSkewMs": 60000 }`,
      );
    }
    const main = keys.filter((k) => !options.includes(k));
    if (main.length !== 1) return issue(p, main.length ? `a step has one kind, got: ${list(main)}` : `empty step; expected one of: ${list(STEP_KINDS)}`);
    const kind = main[0]!;
    const v = s[kind];
    const vp = [...p, kind];
    switch (kind) {
      case 'offline':
      case 'online': {
        const replica = replicaRef(v, vp);
        return replica !== undefined ? { kind, replica, ...c } : undefined;
      }
      case 'sync': {
        const replica = replicaRef(v, vp);
        const opt = (k: (typeof SYNC_OPTIONS)[number]): number | undefined => {
          const x = s[k];
          if (x === undefined) return undefined;
          if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) return issue([...p, k], `${k} must be a positive integer, got ${JSON.stringify(x)}`);
          return x;
        };
        const batchSize = opt('batchSize');
        const maxEvents = opt('maxEvents');
        if (replica === undefined) return undefined;
        return { kind, replica, ...(batchSize !== undefined ? { batchSize } : {}), ...(maxEvents !== undefined ? { maxEvents } : {}), ...c };
      }
      case 'rules': {
        if (!Array.isArray(v)) return issue(vp, 'a rules step is an array of rules that replaces the rules from here on, like [{ "strategy": "hub_wins" }]');
        const n = issues.length;
        const rs = v.map((r, i) => parseRule(r, [...vp, i]));
        return issues.length === n ? { kind: 'rules', rules: rs as ScenarioRule[], ...c } : undefined;
      }
      case 'hub': {
        if (typeof v !== 'string' || !v.trim()) return issue(vp, 'a hub step is SQL run on the hub (a non-empty string)');
        return { kind: 'hub', sql: v, ...c };
      }
      case 'discard': {
        const m = typeof v === 'string' ? /^(.+):([1-9][0-9]*)$/.exec(v) : null;
        if (!m) return issue(vp, `discard names a queued op as "replica:seq" (as the queue shows it), got ${JSON.stringify(v)}`);
        const replica = replicaRef(m[1], vp);
        return replica !== undefined ? { kind: 'discard', replica, opId: v as string, ...c } : undefined;
      }
      case 'addReplica': {
        if (typeof v !== 'string') return issue(vp, `addReplica names the new replica (a string), like { "addReplica": "C" }, got ${JSON.stringify(v)}`);
        if (!REPLICA_NAME.test(v)) return issue(vp, `replica name "${v}" ${REPLICA_NAME_RULE}`);
        if (v === 'hub') return issue(vp, '"hub" is reserved for the hub');
        if (replicaNames.has(v)) return issue(vp, `replica "${v}" exists already at this step; choose another name`);
        const gone = removedAt.get(v);
        if (gone !== undefined) return issue(vp, `replica "${v}" was removed by ${gone}, and a removed replica's name is not used again (the hub knows its op ids): choose another name`);
        const skew = s.clockSkewMs ?? 0;
        if (typeof skew !== 'number' || !Number.isInteger(skew)) {
          return issue([...p, 'clockSkewMs'], `clockSkewMs must be an integer number of milliseconds, got ${JSON.stringify(skew)}`);
        }
        replicaNames.add(v);
        return { kind: 'addReplica', replica: v, ...(skew ? { clockSkewMs: skew } : {}), ...c };
      }
      case 'removeReplica': {
        const replica = replicaRef(v, vp);
        if (replica === undefined) return undefined;
        if (replicaNames.size === 1) return issue(vp, `"${replica}" is the last replica and a playground needs one: add another before removing it`);
        replicaNames.delete(replica);
        const line = positions?.lineOf(p);
        removedAt.set(replica, `${formatPath(p)}${line !== undefined ? ` (line ${line})` : ''}`);
        return { kind: 'removeReplica', replica, ...c };
      }
      case 'link':
        return parseLink(v, vp, c);
      case 'syncAll':
        if (v !== true) return issue(vp, 'syncAll must be true');
        return { kind: 'syncAll', ...c };
      case 'advanceMs':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return issue(vp, `advanceMs must be a non-negative integer, got ${JSON.stringify(v)}`);
        return { kind: 'advance', ms: v, ...c };
      case 'resolve':
        return parseResolve(v, vp, c);
      case 'expect': {
        const expect = parseExpect(v, vp);
        return expect ? { kind: 'expect', expect, ...c } : undefined;
      }
    }
    return issue(vp, `unknown step kind "${kind}"`);
  }

  function parseLink(v: unknown, p: JsonPath, c: { comment?: string }): ScenarioStep | undefined {
    const example = '{ "replica": "A", "dropRate": 0.3, "latencyMs": 20, "seed": 7 } (or { "replica": "A", "off": true })';
    if (!isObject(v)) return issue(p, `link is an object like ${example}`);
    unknownKeys(v, p, ['replica', 'dropRate', 'latencyMs', 'lose', 'seed', 'off']);
    const replica = v.replica === undefined ? issue(p, `a link step names its replica, like ${example}`) : replicaRef(v.replica, [...p, 'replica']);
    const { replica: _r, off, ...fields } = v;
    if (off !== undefined) {
      if (off !== true) return issue([...p, 'off'], `off must be true (the perfect link again), got ${JSON.stringify(off)}`);
      const extra = Object.keys(fields).filter((k) => ['dropRate', 'latencyMs', 'lose', 'seed'].includes(k));
      if (extra.length) return issue([...p, extra[0]!], `"${extra[0]}" has no meaning with "off": true; give one or the other`);
      return replica !== undefined ? { kind: 'link', replica, link: null, ...c } : undefined;
    }
    if (fields.dropRate === undefined && fields.latencyMs === undefined) return issue(p, `a link step sets dropRate and/or latencyMs, like ${example}`);
    const { conditions, problems } = checkLink(fields);
    for (const x of problems) issue([...p, x.field], x.message);
    if (!conditions || replica === undefined) return undefined;
    return { kind: 'link', replica, link: conditions.dropRate || conditions.latencyMs ? conditions : null, ...c };
  }

  function parseResolve(v: unknown, p: JsonPath, c: { comment?: string }): ScenarioStep | undefined {
    if (!isObject(v)) return issue(p, 'resolve is an object like { "conflict": 0, "take": "hub" }');
    unknownKeys(v, p, ['conflict', 'take']);
    const idx = v.conflict;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0) {
      return issue([...p, 'conflict'], `conflict must be the index (0, 1, …) of an open manual conflict, got ${JSON.stringify(idx)}`);
    }
    let take: ResolveTake | undefined;
    if (v.take === 'hub' || v.take === 'incoming') take = v.take;
    else if (isObject(v.take) && Object.keys(v.take).length === 1 && isObject(v.take.row)) take = { row: v.take.row };
    else return issue([...p, 'take'], 'take must be "hub", "incoming" or { "row": { column: value, … } }');
    return { kind: 'resolve', conflict: idx, take, ...c };
  }

  function parseRows(v: unknown, p: JsonPath): TableRows | undefined {
    if (!isObject(v)) return issue(p, 'expected an object of table name → array of rows');
    let ok = true;
    for (const [t, rows] of Object.entries(v)) {
      if (!Array.isArray(rows)) ok = issue([...p, t], `rows of "${t}" must be an array of objects`) ?? false;
      else rows.forEach((r, i) => !isObject(r) && (ok = issue([...p, t, i], 'a row is an object of column → value') ?? false));
    }
    return ok ? (v as TableRows) : undefined;
  }

  function parseExpect(v: unknown, p: JsonPath): ScenarioExpectation | undefined {
    if (!isObject(v)) return issue(p, 'expect is an object with converged, hub, replicas, queue and/or conflicts');
    unknownKeys(v, p, ['converged', 'hub', 'replicas', 'queue', 'conflicts']);
    if (Object.keys(v).length === 0) return issue(p, 'expect checks nothing; give converged, hub, replicas, queue or conflicts');
    const out: { -readonly [K in keyof ScenarioExpectation]: ScenarioExpectation[K] } = {};
    if (v.converged !== undefined) {
      if (typeof v.converged !== 'boolean') issue([...p, 'converged'], 'converged must be true or false');
      else out.converged = v.converged;
    }
    if (v.hub !== undefined) out.hub = parseRows(v.hub, [...p, 'hub']);
    if (v.replicas !== undefined) {
      if (!isObject(v.replicas)) issue([...p, 'replicas'], 'expected an object of replica name → tables');
      else {
        const r: Record<string, TableRows> = {};
        for (const [name, tables] of Object.entries(v.replicas)) {
          if (replicaRef(name, [...p, 'replicas', name]) === undefined) continue;
          const rows = parseRows(tables, [...p, 'replicas', name]);
          if (rows) r[name] = rows;
        }
        out.replicas = r;
      }
    }
    if (v.queue !== undefined) {
      if (!isObject(v.queue)) issue([...p, 'queue'], 'expected an object of replica name → { status: count }');
      else {
        const q: Record<string, Record<string, number>> = {};
        for (const [name, counts] of Object.entries(v.queue)) {
          const qp = [...p, 'queue', name];
          if (replicaRef(name, qp) === undefined) continue;
          if (!isObject(counts)) {
            issue(qp, 'expected { status: count }');
            continue;
          }
          for (const [status, n] of Object.entries(counts)) {
            if (!(OP_STATUSES as readonly string[]).includes(status)) {
              issue([...qp, status], `unknown queue status "${status}"; expected one of: ${list(OP_STATUSES)}`);
            } else if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
              issue([...qp, status], `count must be a non-negative integer, got ${JSON.stringify(n)}`);
            }
          }
          q[name] = counts as Record<string, number>;
        }
        out.queue = q;
      }
    }
    if (v.conflicts !== undefined) {
      if (!Array.isArray(v.conflicts)) issue([...p, 'conflicts'], 'conflicts must be an array of conflict types in detection order');
      else {
        v.conflicts.forEach((t, i) => {
          if (typeof t !== 'string' || !(CONFLICT_TYPES as readonly string[]).includes(t)) {
            issue([...p, 'conflicts', i], `unknown conflict type ${JSON.stringify(t)}; expected one of: ${list(CONFLICT_TYPES)}`);
          }
        });
        out.conflicts = v.conflicts as ScenarioConflictType[];
      }
    }
    return out;
  }

  if (issues.length) throw new ScenarioInvalidError(fileName, issues);
  const lines: Record<string, number> = {};
  if (positions) {
    const note = (path: JsonPath) => {
      const l = positions.lineOf(path);
      if (l !== undefined) lines[formatPath(path)] = l;
    };
    note(['schema']);
    note(['seed']);
    rules.forEach((_, i) => note(['rules', i]));
    steps.forEach((_, i) => note(['steps', i]));
  }
  return {
    name: name!,
    ...(description !== undefined ? { description } : {}),
    schema,
    seed,
    replicas,
    rules,
    steps,
    fileName,
    lines,
  };
}
