import type { Cell, RowsPage, RunSnapshot, StatementSummary } from '../../src/protocol/resultsModel';

/** Rows of one statement, as they arrived. Sort and filter never copy them: they build index arrays over them. */
export interface ResultRows {
  readonly rows: (readonly Cell[])[];
  hasMore: boolean;
}

/**
 * The page's copy of the current run: the host's latest snapshot plus the rows appended so far, by result id.
 * Listeners hear what changed so the view re-renders only that.
 */
export class ResultsStore {
  #snapshot: RunSnapshot | undefined;
  readonly #rows = new Map<string, ResultRows>();
  readonly #listeners = new Set<(change: StoreChange) => void>();

  get snapshot(): RunSnapshot | undefined {
    return this.#snapshot;
  }

  rowsOf(resultId: string): ResultRows {
    let r = this.#rows.get(resultId);
    if (!r) this.#rows.set(resultId, (r = { rows: [], hasMore: false }));
    return r;
  }

  statement(resultId: string): StatementSummary | undefined {
    return this.#snapshot?.statements.find((s) => s.resultId === resultId);
  }

  /** A full snapshot replaces the last one; rows are kept while the run is the same. */
  showRun(snapshot: RunSnapshot): void {
    const newRun = this.#snapshot?.runId !== snapshot.runId;
    if (newRun) this.#rows.clear();
    this.#snapshot = snapshot;
    for (const s of snapshot.statements) {
      const r = this.rowsOf(s.resultId);
      // the snapshot is the newer word on whether more can be fetched
      if (r.rows.length >= s.rowsLoaded) r.hasMore = s.hasMore;
    }
    this.#emit({ kind: 'run', newRun });
  }

  /**
   * Appends a page in order. A page that overlaps rows already held (a re-send after reload, or the same page as
   * both a reply and a notification) contributes only its new rows; a page after a gap is refused.
   */
  appendRows(page: RowsPage): boolean {
    if (!this.statement(page.resultId) && this.#snapshot) {
      console.warn(`[results] rows for unknown result ${page.resultId} ignored`);
      return false;
    }
    const r = this.rowsOf(page.resultId);
    if (page.start > r.rows.length) {
      console.warn(`[results] rows ${page.start}… of ${page.resultId} arrived before row ${r.rows.length}; ignored`);
      return false;
    }
    const skip = r.rows.length - page.start;
    // push in chunks: spreading 100k arguments at once overflows the stack
    for (let i = skip; i < page.rows.length; i += 10_000) r.rows.push(...page.rows.slice(i, Math.min(i + 10_000, page.rows.length)));
    r.hasMore = page.hasMore;
    this.#emit({ kind: 'rows', resultId: page.resultId });
    return true;
  }

  onChange(fn: (change: StoreChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(c: StoreChange): void {
    for (const fn of this.#listeners) fn(c);
  }
}

export type StoreChange = { readonly kind: 'run'; readonly newRun: boolean } | { readonly kind: 'rows'; readonly resultId: string };
