import type { Cell, RowsPage, RunSnapshot } from '../../../src/protocol/resultsModel';
import type { RunListener } from '../../../src/core/query/queryRun';
import { splitStatements } from '../../../src/core/query/splitStatements';
import type { QueryConsole } from '../../../src/core/query/queryConsole';

/** Records what a results panel would receive, and checks the order the protocol promises. */
export class RunRecorder implements RunListener {
  readonly snapshots: RunSnapshot[] = [];
  readonly pages: RowsPage[] = [];

  onSnapshot(s: RunSnapshot): void {
    this.snapshots.push(s);
  }

  onRows(p: RowsPage): void {
    const known = this.snapshots.at(-1)?.statements.some((st) => st.resultId === p.resultId);
    if (!known) throw new Error(`rows for ${p.resultId} arrived before its statement summary`);
    const have = this.rows(p.resultId).length;
    if (p.start !== have) throw new Error(`page starts at ${p.start}, ${have} rows delivered so far`);
    this.pages.push(p);
  }

  get last(): RunSnapshot {
    return this.snapshots.at(-1)!;
  }

  /** Rows delivered for the statement with this index (last snapshot). */
  rowsOf(index: number): Cell[][] {
    const st = this.last.statements.find((s) => s.index === index);
    return st ? this.rows(st.resultId) : [];
  }

  rows(resultId: string): Cell[][] {
    return this.pages.filter((p) => p.resultId === resultId).flatMap((p) => p.rows.map((r) => [...r]));
  }
}

/** Runs a script on a console and waits for the end. */
export async function runScript(console: QueryConsole, script: string, rowCap = 10_000, pageSize?: number) {
  const rec = new RunRecorder();
  const run = await console.run(splitStatements(script), { target: 'test', rowCap, ...(pageSize ? { pageSize } : {}) }, rec);
  const final = await run.done;
  return { run, rec, final };
}
