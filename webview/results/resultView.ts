import type { StatementSummary } from '../../src/protocol/resultsModel';
import { rowsGoneCode } from '../../src/protocol/resultsProtocol';
import { showContextMenu } from './contextMenu';
import { el } from './grid/gridHeader';
import { VirtualGrid } from './grid/virtualGrid';
import type { ResultRows } from './resultsStore';
import { RowDetail } from './rowDetail';
import type { StatementViewState } from './viewState';

export interface ResultViewOptions {
  readonly statement: StatementSummary;
  readonly rows: ResultRows;
  readonly viewState: StatementViewState | undefined;
  readonly detailOpen: boolean;
  readonly onViewStateChange: (state: StatementViewState) => void;
  readonly onDetailToggle: (open: boolean) => void;
  readonly fetchMore: () => Promise<void>;
  /** Runs the query again (offered when the rows can no longer be fetched). */
  readonly rerun: () => void;
  readonly exportResult: (format: 'csv' | 'json') => Promise<void>;
}

const fmt = new Intl.NumberFormat();

/** One result set: its summary bar with filter and actions, the grid, the row detail, and "fetch more". */
export class ResultView {
  readonly element: HTMLElement;
  readonly grid: VirtualGrid;
  readonly #o: ResultViewOptions;
  #statement: StatementSummary;
  readonly #count: HTMLElement;
  readonly #moreBar: HTMLElement;
  readonly #moreText: HTMLElement;
  readonly #moreButton: HTMLElement;
  /** The rows can no longer be fetched: the button runs the query again instead. */
  #gone = false;
  readonly #detail: RowDetail;
  #detailOpen: boolean;
  #filterTimer: ReturnType<typeof setTimeout> | undefined;
  #viewState: StatementViewState;

  constructor(o: ResultViewOptions) {
    this.#o = o;
    this.#statement = o.statement;
    this.#viewState = o.viewState ?? {};
    this.#detailOpen = o.detailOpen;
    this.element = el('section', 'result-view');

    const bar = el('div', 'result-bar');
    const tag = el('span', 'command-tag');
    tag.textContent = o.statement.commandTag;
    this.#count = el('span', 'result-count');
    const duration = el('span', 'result-duration');
    duration.textContent = formatDuration(o.statement.durationMs);
    const filter = document.createElement('vscode-textfield') as HTMLElement & { value: string };
    filter.className = 'result-filter';
    filter.setAttribute('placeholder', 'Filter rows');
    filter.setAttribute('aria-label', 'Filter rows containing text');
    const filterIcon = document.createElement('vscode-icon');
    filterIcon.setAttribute('name', 'filter');
    filterIcon.setAttribute('slot', 'content-before');
    filter.append(filterIcon);
    filter.value = this.#viewState.filter ?? '';
    filter.addEventListener('input', () => {
      clearTimeout(this.#filterTimer);
      // filtering 100k rows per keystroke is cheap, but not free: wait for a pause in typing
      this.#filterTimer = setTimeout(() => this.#setFilter(filter.value), 120);
    });
    filter.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === 'ArrowDown') {
        clearTimeout(this.#filterTimer);
        this.#setFilter(filter.value);
        this.grid.focus();
      }
    });
    const actions = el('div', 'result-actions');
    actions.append(
      toolbarButton('copy', 'Copy selection as TSV (Ctrl+C)', () => void this.grid.copy(this.grid.selectionTsv(false))),
      toolbarButton('layout-sidebar-right', 'Toggle row detail (Enter)', () => this.#toggleDetail(!this.#detailOpen)),
      toolbarButton('export', 'Export all rows as CSV', () => void o.exportResult('csv')),
      toolbarButton('json', 'Export all rows as JSON', () => void o.exportResult('json')),
    );
    bar.append(tag, this.#count, duration, el('span', 'spacer'), filter, actions);

    this.grid = new VirtualGrid({
      columns: o.statement.columns,
      rows: o.rows.rows,
      sort: this.#viewState.sort,
      filter: this.#viewState.filter,
      widths: this.#viewState.widths,
      onOpenDetail: () => this.#toggleDetail(true),
      onFocusChange: () => this.#showDetailRow(),
      onContextMenu: (x, y) => this.#contextMenu(x, y),
      onViewStateChange: ({ sort, widths }) => this.#saveViewState({ sort, widths }),
    });
    this.#detail = new RowDetail(() => this.#toggleDetail(false));
    const body = el('div', 'result-body');
    body.append(this.grid.element, this.#detail.element);

    this.#moreBar = el('div', 'more-bar');
    const info = el('span', 'codicon codicon-info');
    this.#moreText = el('span', 'more-text');
    this.#moreButton = document.createElement('vscode-button');
    this.#moreButton.setAttribute('secondary', '');
    this.#moreButton.textContent = 'Fetch more';
    this.#moreButton.addEventListener('click', () => (this.#gone ? this.#o.rerun() : void this.#fetchMore()));
    this.#moreBar.append(info, this.#moreText, this.#moreButton);

    this.element.append(bar, body, this.#moreBar);
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.#detailOpen) this.#toggleDetail(false);
    });
    this.#refresh();
  }

  /** The snapshot changed (row count, hasMore). */
  update(statement: StatementSummary): void {
    this.#statement = statement;
    this.#refresh();
  }

  rowsAppended(): void {
    this.grid.rowsAppended();
    this.#refresh();
  }

  #refresh(): void {
    const loaded = this.#o.rows.rows.length;
    const shown = this.grid.viewRowCount;
    this.#count.textContent = shown === loaded ? `${fmt.format(loaded)} ${loaded === 1 ? 'row' : 'rows'}` : `${fmt.format(shown)} of ${fmt.format(loaded)} rows`;
    const hasMore = this.#o.rows.hasMore;
    this.#moreBar.hidden = !hasMore;
    this.#moreText.textContent = `Showing the first ${fmt.format(loaded)} rows.`;
    this.element.classList.toggle('detail-open', this.#detailOpen);
    if (this.#detailOpen) this.#showDetailRow();
  }

  #setFilter(text: string): void {
    this.grid.setFilter(text);
    this.#saveViewState({ filter: text });
    this.#refresh();
  }

  #saveViewState(patch: StatementViewState): void {
    this.#viewState = { ...this.#viewState, ...patch };
    this.#o.onViewStateChange(this.#viewState);
  }

  #toggleDetail(open: boolean): void {
    this.#detailOpen = open;
    this.#o.onDetailToggle(open);
    this.#refresh();
    if (!open) this.grid.focus();
  }

  #showDetailRow(): void {
    if (!this.#detailOpen) return;
    const d = this.grid.focusedDataRow;
    if (d === undefined) return;
    this.#detail.show(this.#statement.columns, this.#o.rows.rows[d]!, d + 1);
  }

  async #fetchMore(): Promise<void> {
    this.#moreButton.setAttribute('disabled', '');
    this.#moreText.textContent = 'Fetching…';
    try {
      await this.#o.fetchMore();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if ((e as { code?: unknown }).code === rowsGoneCode) {
        this.#gone = true;
        this.#moreText.textContent = message;
        this.#moreButton.textContent = 'Run again';
        this.#moreButton.className = 'more-rerun';
      } else {
        this.#moreText.textContent = `Could not fetch more rows: ${message}`;
      }
      return;
    } finally {
      this.#moreButton.removeAttribute('disabled');
    }
    this.#refresh();
  }

  #contextMenu(x: number, y: number): void {
    const copy = (text: string) => void this.grid.copy(text);
    showContextMenu(
      x,
      y,
      [
        { label: 'Copy', keybinding: 'Ctrl+C', run: () => copy(this.grid.selectionTsv(false)) },
        { label: 'Copy with Headers', keybinding: 'Ctrl+Shift+C', run: () => copy(this.grid.selectionTsv(true)) },
        { label: 'Copy Cell', run: () => copy(this.grid.focusTsv('cell')) },
        { label: 'Copy Row', run: () => copy(this.grid.focusTsv('row')) },
        { label: 'Show Row Detail', keybinding: 'Enter', run: () => this.#toggleDetail(true) },
      ],
      this.grid.element,
    );
  }
}

function toolbarButton(icon: string, label: string, run: () => void): HTMLElement {
  const b = document.createElement('vscode-toolbar-button');
  b.setAttribute('icon', icon);
  b.setAttribute('label', label);
  b.title = label;
  b.addEventListener('click', run);
  return b;
}

export function formatDuration(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
