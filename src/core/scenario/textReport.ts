import type { ScenarioRunResult } from './runResult';
import type { JsonRow } from './snapshot';

/**
 * The human-readable report of a run: the timeline (one line per event), the final state per table, the conflicts,
 * and the expectation results with ✓/✗. Plain text, so the CLI prints it and the UI can show it in an output channel.
 */
export function formatTextReport(r: ScenarioRunResult): string {
  const out: string[] = [];
  out.push(`Scenario: ${r.name}`, '');
  out.push('Timeline');
  for (const e of r.timeline) {
    out.push(`  ${e.at.slice(11, 23)}  #${String(e.step).padEnd(3)} ${(e.replica ?? '').padEnd(6)} ${e.type.padEnd(22)} ${e.text}`);
  }
  out.push('', 'Final state');
  out.push(...tables('hub', r.hub));
  for (const [name, rep] of Object.entries(r.replicas)) {
    const q = Object.entries(rep.queue).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ') || 'empty';
    out.push(...tables(`${name} (${rep.online ? 'online' : 'offline'}; queue: ${q})`, rep.tables));
  }
  out.push('', `Conflicts (${r.conflicts.length})`);
  r.conflicts.forEach((c, i) => {
    out.push(`  ${i}. ${c.type} on ${c.table} ${JSON.stringify(c.key)}${c.replica ? ` from ${c.replica}` : ''}: ${c.strategy} → ${c.outcome}`);
  });
  if (r.error) out.push('', `✗ Stopped: ${r.error}`);
  out.push('', 'Expectations');
  if (!r.expectations.length) out.push('  (none)');
  for (const x of r.expectations) {
    out.push(`  ${x.ok ? '✓' : '✗'} step ${x.step}${x.line !== undefined ? ` (line ${x.line})` : ''}: ${x.message}`);
  }
  const failed = r.expectations.filter((x) => !x.ok).length;
  out.push('', r.ok ? `PASS: ${r.expectations.length} expectation(s) held` : `FAIL: ${failed} of ${r.expectations.length} expectation(s) failed${r.error ? ', run stopped' : ''}`);
  return out.join('\n') + '\n';
}

function tables(title: string, t: Record<string, JsonRow[]>): string[] {
  const out = [`  ${title}`];
  for (const [name, rows] of Object.entries(t)) {
    out.push(`    ${name} (${rows.length} row${rows.length === 1 ? '' : 's'})`);
    for (const row of rows) out.push(`      ${Object.entries(row).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('  ')}`);
  }
  return out;
}
