/** Conflict rules: which strategy applies to a table and conflict type. Most specific match wins. */
import { InvalidInputError } from '../errors';
import type { ConflictRule, ConflictType, Strategy, TableRef } from './types';
import { CONFLICT_TYPES, STRATEGIES } from './types';

/** `'name'` → `{schema: 'public', name}`. */
export function toTableRef(t: TableRef | string): TableRef {
  return typeof t === 'string' ? { schema: 'public', name: t } : t;
}

const sameTable = (a: TableRef, b: TableRef) => a.schema === b.schema && a.name === b.name;

/** Throws InvalidInputError naming the bad rule. */
export function validateRules(rules: readonly ConflictRule[]): void {
  rules.forEach((r, i) => {
    if (!STRATEGIES.includes(r.strategy)) {
      throw new InvalidInputError(`Rule ${i + 1}: unknown strategy "${r.strategy}". Use one of: ${STRATEGIES.join(', ')}.`, `rules[${i}].strategy`);
    }
    if (r.conflict !== undefined && !CONFLICT_TYPES.includes(r.conflict)) {
      throw new InvalidInputError(`Rule ${i + 1}: unknown conflict type "${r.conflict}". Use one of: ${CONFLICT_TYPES.join(', ')}.`, `rules[${i}].conflict`);
    }
    if (r.strategy === 'custom' && !r.function) {
      throw new InvalidInputError(`Rule ${i + 1}: strategy "custom" needs "function" (a SQL function on the hub).`, `rules[${i}].function`);
    }
  });
}

/** The strategy (and custom function) for one table and conflict type. */
export function strategyFor(
  rules: readonly ConflictRule[],
  defaultStrategy: Strategy,
  table: TableRef,
  conflict: ConflictType,
): { strategy: Strategy; function?: TableRef } {
  let best: ConflictRule | undefined;
  let bestScore = -1;
  for (const r of rules) {
    const t = r.table === undefined ? undefined : toTableRef(r.table);
    if (t && !sameTable(t, table)) continue;
    if (r.conflict && r.conflict !== conflict) continue;
    const score = (t ? 2 : 0) + (r.conflict ? 1 : 0);
    if (score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  if (!best) return { strategy: defaultStrategy };
  return best.function ? { strategy: best.strategy, function: toTableRef(best.function) } : { strategy: best.strategy };
}
