import type { RunSnapshot, StatementSummary } from '../../src/protocol/resultsModel';
import { cancelRunRequest, exportResultRequest, fetchMoreRequest, rerunRequest } from '../../src/protocol/resultsProtocol';
import type { WebviewClient } from '../shared/client';
import { renderErrorView } from './errorView';
import { el } from './grid/gridHeader';
import type { ResultsStore, StoreChange } from './resultsStore';
import { formatDuration, ResultView } from './resultView';
import { renderRunBar } from './runBar';
import type { ResultsUiState, StatementViewState } from './viewState';

const errorTab = -1;

/** The whole panel: run bar, one tab per statement (plus the error), and the selected tab's content. */
export class ResultsApp {
  readonly #root: HTMLElement;
  readonly #store: ResultsStore;
  readonly #client: WebviewClient<ResultsUiState>;
  readonly #views = new Map<string, ResultView>();
  #ui: ResultsUiState;
  #tabs: number[] = [];

  constructor(root: HTMLElement, store: ResultsStore, client: WebviewClient<ResultsUiState>) {
    this.#root = root;
    this.#store = store;
    this.#client = client;
    this.#ui = client.getState() ?? {};
    store.onChange((c) => this.#onChange(c));
    this.#renderEmpty();
  }

  /** What the page shows, for the host's inspect request. */
  inspect(): { runId?: string; commandTags: string[]; rowsLoaded: number; domRows: number; firstRow: string[]; error?: string } {
    const run = this.#store.snapshot;
    const active = run?.statements[this.#ui.activeTab ?? -1];
    const error = this.#root.querySelector('.error-view .error-message')?.textContent ?? undefined;
    return {
      ...(error !== undefined ? { error } : {}),
      ...(run ? { runId: run.runId } : {}),
      commandTags: run?.statements.map((s) => s.commandTag) ?? [],
      rowsLoaded: active ? this.#store.rowsOf(active.resultId).rows.length : 0,
      domRows: this.#root.querySelectorAll('.grid-row:not([hidden])').length,
      firstRow: [...this.#root.querySelectorAll('.grid-row[data-row="0"] .cell')].map((c) => c.textContent ?? ''),
    };
  }

  #onChange(c: StoreChange): void {
    if (c.kind === 'rows') {
      this.#views.get(c.resultId)?.rowsAppended();
      return;
    }
    const run = this.#store.snapshot!;
    if (c.newRun) {
      this.#views.clear();
      // a reload re-sends the same run: keep what the user arranged; a new run starts fresh
      if (this.#ui.runId !== run.runId) this.#saveUi({ runId: run.runId, views: {}, detailOpen: this.#ui.detailOpen ?? false, activeTab: defaultTab(run) });
    } else if (this.#tabs.length !== tabsOf(run).length) {
      // a statement finished while running: follow it, as a psql user would see the latest output
      this.#saveUi({ ...this.#ui, activeTab: defaultTab(run) });
    }
    for (const s of run.statements) this.#views.get(s.resultId)?.update(s);
    this.#render(run);
  }

  #render(run: RunSnapshot): void {
    this.#tabs = tabsOf(run);
    let active = this.#ui.activeTab ?? defaultTab(run);
    if (!this.#tabs.includes(active)) active = defaultTab(run);
    const content = el('main', 'content');
    const children: HTMLElement[] = [
      renderRunBar(run, {
        cancel: () => void this.#client.request(cancelRunRequest, { runId: run.runId }).catch(reportError),
        rerun: () => void this.#client.request(rerunRequest, { runId: run.runId }).catch(reportError),
      }),
    ];
    if (run.state === 'running') {
      const progress = document.createElement('vscode-progress-bar');
      progress.setAttribute('indeterminate', '');
      progress.className = 'run-progress';
      children.push(progress);
    }
    if (this.#tabs.length > 1) children.push(this.#renderTabs(run, active));
    children.push(content);
    this.#root.replaceChildren(...children);
    this.#fillContent(content, run, active);
  }

  #renderTabs(run: RunSnapshot, active: number): HTMLElement {
    const tabs = document.createElement('vscode-tabs') as HTMLElement & { selectedIndex: number };
    tabs.setAttribute('panel', '');
    tabs.className = 'statement-tabs';
    for (const t of this.#tabs) {
      const header = document.createElement('vscode-tab-header');
      header.setAttribute('slot', 'header');
      if (t === errorTab) {
        header.className = 'tab-error';
        header.textContent = `${run.error!.index + 1} Error`;
      } else {
        const s = run.statements[t]!;
        header.textContent = `${s.index + 1} ${s.commandTag}`;
        header.title = s.sql;
      }
      tabs.append(header);
    }
    tabs.selectedIndex = this.#tabs.indexOf(active);
    tabs.addEventListener('vsc-tabs-select', (e) => {
      const tab = this.#tabs[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex]!;
      this.#saveUi({ ...this.#ui, activeTab: tab });
      this.#render(this.#store.snapshot!);
    });
    return tabs;
  }

  #fillContent(content: HTMLElement, run: RunSnapshot, active: number): void {
    if (active === errorTab && run.error) {
      content.append(renderErrorView(run.error));
      return;
    }
    const s = run.statements[active];
    if (!s) {
      const msg = el('div', 'message-view');
      msg.textContent = run.state === 'running' ? 'Running…' : run.state === 'cancelled' ? 'The run was cancelled before any statement finished.' : 'No statements ran.';
      content.append(msg);
      return;
    }
    if (s.columns.length === 0) {
      content.append(renderCommandView(s));
      return;
    }
    const view = this.#viewFor(s);
    content.append(view.element);
    view.grid.focus();
  }

  #viewFor(s: StatementSummary): ResultView {
    let view = this.#views.get(s.resultId);
    if (view) return view;
    view = new ResultView({
      statement: s,
      rows: this.#store.rowsOf(s.resultId),
      viewState: this.#ui.views?.[s.index],
      detailOpen: this.#ui.detailOpen ?? false,
      onViewStateChange: (vs: StatementViewState) => this.#saveUi({ ...this.#ui, views: { ...this.#ui.views, [s.index]: vs } }),
      onDetailToggle: (open) => this.#saveUi({ ...this.#ui, detailOpen: open }),
      fetchMore: async () => {
        const rowCap = this.#store.snapshot?.rowCap || 1000;
        const page = await this.#client.request(fetchMoreRequest, { resultId: s.resultId, count: rowCap });
        this.#store.appendRows(page);
      },
      exportResult: (format) => this.#client.request(exportResultRequest, { resultId: s.resultId, format }, { timeoutMs: 0 }).catch(reportError),
      rerun: () => {
        const runId = this.#store.snapshot?.runId;
        if (runId) void this.#client.request(rerunRequest, { runId }).catch(reportError);
      },
    });
    this.#views.set(s.resultId, view);
    return view;
  }

  #renderEmpty(): void {
    const msg = el('div', 'message-view empty');
    const icon = el('span', 'codicon codicon-table');
    const text = el('span', '');
    text.textContent = 'Run a query to see its results here.';
    msg.append(icon, text);
    this.#root.replaceChildren(msg);
  }

  #saveUi(ui: ResultsUiState): void {
    this.#ui = ui;
    this.#client.setState(ui);
  }
}

function tabsOf(run: RunSnapshot): number[] {
  return [...run.statements.map((_, i) => i), ...(run.error ? [errorTab] : [])];
}

/** The error if the run failed; else the last statement that returned rows; else the last statement. */
function defaultTab(run: RunSnapshot): number {
  if (run.error) return errorTab;
  for (let i = run.statements.length - 1; i >= 0; i--) if (run.statements[i]!.columns.length) return i;
  return run.statements.length - 1;
}

function renderCommandView(s: StatementSummary): HTMLElement {
  const view = el('div', 'message-view command-view');
  const icon = el('span', 'codicon codicon-pass');
  const tag = el('span', 'command-tag');
  tag.textContent = s.commandTag;
  const time = el('span', 'result-duration');
  time.textContent = formatDuration(s.durationMs);
  view.append(icon, tag, time);
  return view;
}

function reportError(e: unknown): void {
  // the host reports failures to the user itself; the page only logs them
  console.warn(`[results] ${e instanceof Error ? e.message : String(e)}`);
}
