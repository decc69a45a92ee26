import type { SqlPort } from '../sql';
import type { ConflictRule } from '../sync/types';
import { customFunctionName, type ScenarioRule, type ScenarioStep } from './scenarioModel';

/** The custom functions' SQL that the setup's rules and the `rules` steps taken so far installed on the hub. */
export function installedFunctions(rules: readonly ScenarioRule[], steps: readonly ScenarioStep[] = []): Set<string> {
  const all = [...rules, ...steps.flatMap((st) => (st.kind === 'rules' ? st.rules : []))];
  return new Set(all.flatMap((r) => (r.function !== undefined ? [r.function] : [])));
}

/**
 * A `rules` step's rules as engine rules. A custom rule carries the SQL creating its function: it runs on the hub
 * the first time that exact SQL appears in the session (`installed` holds what ran already, the setup's rules
 * included), so a later step repeating a rule does not run `CREATE FUNCTION` twice.
 */
export async function stepRules(rules: readonly ScenarioRule[], hub: SqlPort, installed: Set<string>, tables: ReadonlySet<string>): Promise<ConflictRule[]> {
  const out: ConflictRule[] = [];
  for (const r of rules) {
    if (r.table !== undefined && !tables.has(r.table)) {
      throw new Error(`a rule names table "${r.table}", which the schema does not create (tables: ${[...tables].join(', ')})`);
    }
    if (r.function !== undefined && !installed.has(r.function)) {
      await hub.exec(r.function);
      installed.add(r.function);
    }
    const fn = r.function !== undefined ? customFunctionName(r.function) : undefined;
    const [schema, name] = r.table?.includes('.') ? r.table.split('.', 2) : ['public', r.table];
    out.push({
      ...(r.table !== undefined ? { table: { schema: schema!, name: name! } } : {}),
      ...(r.conflict !== undefined ? { conflict: r.conflict } : {}),
      strategy: r.strategy,
      ...(fn ? { function: fn } : {}),
    });
  }
  return out;
}
