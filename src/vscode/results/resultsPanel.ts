import * as vscode from 'vscode';
import type { RowsPage, RunSnapshot } from '../../protocol/resultsModel';
import {
  appendRowsNotification,
  cancelRunRequest,
  exportResultRequest,
  fetchMoreRequest,
  inspectRequest,
  rerunRequest,
  resultsProtocol,
  rowsGoneCode,
  showRunNotification,
} from '../../protocol/resultsProtocol';
import type { Log } from '../log';
import { WebviewPanelHost } from '../webview/webviewPanelHost';

/**
 * What the results panel needs from whoever runs SQL (src/vscode/query). Every method may throw: the error goes
 * back to the page as the request's error reply (and to the log).
 */
export interface ResultsBackend {
  /**
   * Up to `count` more rows of a result set that has `hasMore`. Resolve with the page (also sending it through
   * appendRows is fine: pages are deduplicated by `start`), or undefined when the rows are no longer open.
   */
  fetchMore(resultId: string, count: number): Promise<RowsPage | undefined>;
  /** Writes all rows of a result set (not only the loaded ones) to a file the user picks. */
  exportResult(resultId: string, format: 'csv' | 'json'): Promise<void>;
  /** Stops the run. */
  cancel(runId: string): Promise<void>;
  /** Runs the same statements on the same target again. */
  rerun(runId: string): Promise<void>;
}

export interface ResultsPanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: Log;
  readonly backend: ResultsBackend;
}

/**
 * The SQL results panel, host side. The SQL host calls showRun with every new snapshot of a run and appendRows
 * with each page of rows (the shape of core/query's RunListener). The panel keeps the current run's pages so a
 * page that reloads (it was hidden) gets everything again.
 */
export class ResultsPanel extends WebviewPanelHost {
  static readonly viewType = 'syncPlayground.results';

  #snapshot: RunSnapshot | undefined;
  /** Pages of the current run by result id, in order; re-sent after a reload. */
  readonly #pages = new Map<string, RowsPage[]>();

  constructor(deps: ResultsPanelDeps, showOptions?: { viewColumn: vscode.ViewColumn; preserveFocus?: boolean }) {
    super({
      viewType: ResultsPanel.viewType,
      title: 'SQL Results',
      bundle: 'results',
      hasCss: true,
      extensionUri: deps.extensionUri,
      protocol: resultsProtocol,
      log: deps.log,
      ...(showOptions ? { showOptions } : {}),
    });
    const { backend } = deps;
    this.handle(fetchMoreRequest, async ({ resultId, count }) => {
      let page: RowsPage | undefined;
      try {
        page = await backend.fetchMore(resultId, count);
      } catch (e) {
        // invalid_cursor_name: the open rows were closed for another use of the database (see sessionServer.ts)
        if ((e as { code?: unknown } | null)?.code === '34000') throw rowsGone((e as Error).message);
        throw e;
      }
      if (!page) throw rowsGone('These rows are no longer open: a later run on this database closed them. Run the query again to see more.');
      this.#keep(page);
      return page;
    });
    this.handle(exportResultRequest, ({ resultId, format }) => backend.exportResult(resultId, format));
    this.handle(cancelRunRequest, ({ runId }) => backend.cancel(runId));
    this.handle(rerunRequest, ({ runId }) => backend.rerun(runId));
  }

  /** The latest snapshot shown (a new runId starts a new run: the previous rows are dropped). */
  get snapshot(): RunSnapshot | undefined {
    return this.#snapshot;
  }

  showRun(snapshot: RunSnapshot): void {
    if (this.#snapshot?.runId !== snapshot.runId) this.#pages.clear();
    this.#snapshot = snapshot;
    this.notify(showRunNotification, snapshot);
  }

  appendRows(page: RowsPage): void {
    if (this.#keep(page)) this.notify(appendRowsNotification, page);
  }

  /** What the page shows now (see inspectRequest). */
  inspect(): Promise<{ runId?: string; commandTags: string[]; rowsLoaded: number; domRows: number; firstRow: string[]; error?: string }> {
    return this.request(inspectRequest, undefined);
  }

  protected override onReady(reload: boolean): void {
    if (!reload || !this.#snapshot) return;
    this.notify(showRunNotification, this.#snapshot);
    for (const pages of this.#pages.values()) for (const page of pages) this.notify(appendRowsNotification, page);
  }

  /** Records a page unless it was already recorded (the same page can come as a reply and as a notification). */
  #keep(page: RowsPage): boolean {
    const pages = this.#pages.get(page.resultId) ?? [];
    const last = pages.at(-1);
    const next = last ? last.start + last.rows.length : 0;
    if (page.start < next) return false;
    pages.push(page);
    this.#pages.set(page.resultId, pages);
    return true;
  }
}

/** The fetchMore error the page answers with "Run again" (rowsGoneCode). */
function rowsGone(message: string): Error {
  return Object.assign(new Error(message), { code: rowsGoneCode });
}

/** Opens the results panel, or reveals the one already open: one panel for all runs, like psql's one terminal. */
export class ResultsPanels implements vscode.Disposable {
  #current: ResultsPanel | undefined;

  constructor(private readonly deps: ResultsPanelDeps) {}

  get current(): ResultsPanel | undefined {
    return this.#current;
  }

  /** The open panel (revealed without stealing focus from the editor), or a new one beside the editor. */
  show(): ResultsPanel {
    if (this.#current) {
      this.#current.reveal(true);
      return this.#current;
    }
    const panel = new ResultsPanel(this.deps, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    panel.onDidDispose(() => {
      if (this.#current === panel) this.#current = undefined;
    });
    this.#current = panel;
    return panel;
  }

  dispose(): void {
    this.#current?.dispose();
    this.#current = undefined;
  }
}
