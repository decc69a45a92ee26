import * as vscode from 'vscode';
import type { PlaygroundSession } from '../../core/playground/playgroundSession';
import type { ScenarioRule } from '../../core/scenario/scenarioModel';
import { displayName } from '../../core/sync/ident';
import { CONFLICT_TYPES, STRATEGIES, type ConflictType, type Strategy } from '../../core/sync/types';

/** Which conflicts a rule covers: every conflict, a table's, or one conflict type of a table. */
interface Scope {
  readonly table?: string;
  readonly conflict?: ConflictType;
}

const sameScope = (r: ScenarioRule, s: Scope) => r.table === s.table && r.conflict === s.conflict;
const scopeText = (s: Scope) => (s.table ? `${s.table}${s.conflict ? ` · ${s.conflict}` : ' · any conflict'}` : 'default (every table, every conflict)');

/**
 * Asks for a rule (scope, then strategy) and returns the playground's rules with it set: the most specific rule
 * wins, so a table rule overrides the default for that table. `custom` is left to scenario files, which carry the
 * function's SQL. Undefined when the person cancelled.
 */
export async function pickRules(session: PlaygroundSession, arg: unknown): Promise<ScenarioRule[] | undefined> {
  const rules = session.rules;
  let scope: Scope = {};
  let strategy: Strategy | undefined;
  if (typeof arg === 'string') strategy = arg as Strategy;
  else if (arg && typeof arg === 'object' && 'strategy' in arg) ({ strategy, ...scope } = arg as Scope & { strategy: Strategy });
  else {
    const tables = session.playground.tables().map(displayName);
    const scopes: Scope[] = [{}, ...tables.flatMap((table) => [{ table }, ...CONFLICT_TYPES.map((conflict) => ({ table, conflict }))])];
    const current = (s: Scope) => rules.find((r) => sameScope(r, s))?.strategy;
    const pickedScope = await vscode.window.showQuickPick(
      scopes.map((s) => ({ label: scopeText(s), description: current(s) ? `now ${current(s)}` : '', scope: s })),
      { title: 'Set Conflict Rules (1/2)', placeHolder: 'Which conflicts? The most specific rule wins.', matchOnDescription: true },
    );
    if (!pickedScope) return undefined;
    scope = pickedScope.scope;
    const now = current(scope) ?? session.playground.strategyFor(scope.table ?? tables[0] ?? 'x', scope.conflict ?? 'update_origin_differs');
    const picked = await vscode.window.showQuickPick(
      STRATEGIES.filter((x) => x !== 'custom').map((x) => ({ label: x, description: x === now ? 'current' : '' })),
      { title: `Set Conflict Rules (2/2): ${scopeText(scope)}`, placeHolder: 'Strategy' },
    );
    strategy = picked?.label as Strategy | undefined;
  }
  if (!strategy) return undefined;
  if (!STRATEGIES.includes(strategy) || strategy === 'custom') throw new Error(`Cannot set strategy "${strategy}" here (custom rules come from scenario files).`);
  const rule: ScenarioRule = { ...(scope.table ? { table: scope.table } : {}), ...(scope.conflict ? { conflict: scope.conflict } : {}), strategy };
  return [...rules.filter((r) => !sameScope(r, scope)), rule];
}
