import type { Cell, ColumnMeta } from '../../../src/protocol/resultsModel';
import { displayText, isRightAligned, plainText } from './cellText';
import { el, GridHeader, minColumnWidth } from './gridHeader';
import { buildRowIndex, SearchTextCache, type SortSpec } from './rowIndex';
import { Selection, type CellPos } from './selection';
import { toTsv } from './tsv';

/** Fixed row height (px), VS Code's list density. Fixed heights are what make virtualisation exact and cheap. */
export const rowHeight = 22;
const gutterWidth = 56;
/** Extra rows rendered above and below the viewport so fast scrolling shows no gaps. */
const overscan = 8;
/** Rows looked at to pick a column's first width. */
const measureSample = 200;

export interface GridOptions {
  readonly columns: readonly ColumnMeta[];
  /** The statement's rows, appended to in place as pages arrive. */
  readonly rows: readonly (readonly Cell[])[];
  readonly sort?: SortSpec;
  readonly filter?: string;
  /** Saved widths by column index; missing ones are measured. */
  readonly widths?: readonly (number | null)[];
  readonly onOpenDetail: (dataRow: number) => void;
  readonly onFocusChange: (dataRow: number | undefined) => void;
  readonly onContextMenu: (x: number, y: number) => void;
  readonly onViewStateChange: (state: { sort: SortSpec | undefined; widths: (number | null)[] }) => void;
}

/**
 * A virtualised grid: only the rows in view exist in the DOM (a pool of row elements moved with translateY over a
 * spacer as tall as all rows). Sort and filter are an index array over the rows. Plain DOM for speed.
 */
export class VirtualGrid {
  readonly element: HTMLElement;
  readonly #o: GridOptions;
  readonly #scroll: HTMLElement;
  readonly #body: HTMLElement;
  readonly #header: GridHeader;
  readonly #selection = new Selection();
  readonly #search = new SearchTextCache();
  readonly #pool: HTMLElement[] = [];
  /** View row each pool element shows, to skip rewriting unchanged rows. */
  readonly #poolRow: number[] = [];
  #widths: number[];
  /** Columns whose width was measured rather than set by the user: re-measured when the first rows arrive. */
  readonly #autoWidth: boolean[];
  #measuredRows = 0;
  #sort: SortSpec | undefined;
  #filter: string;
  #index: Int32Array | undefined;
  #contentVersion = 0;
  #poolVersion: number[] = [];
  #frame = 0;
  #dragging = false;

  constructor(o: GridOptions) {
    this.#o = o;
    this.#sort = o.sort;
    this.#filter = o.filter ?? '';
    this.#autoWidth = o.columns.map((_, i) => typeof o.widths?.[i] !== 'number');
    this.#widths = o.columns.map((c, i) => o.widths?.[i] ?? measureWidth(c, i, o.rows));
    this.#measuredRows = o.rows.length;
    this.element = el('div', 'grid');
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-colcount', String(o.columns.length));
    this.#scroll = el('div', 'grid-scroll');
    this.#header = new GridHeader(o.columns, (c) => this.#widths[c]!, {
      onSortClick: (c) => this.#cycleSort(c),
      onResize: (c, w, done) => this.#resize(c, w, done),
    });
    this.#body = el('div', 'grid-body');
    this.#body.setAttribute('role', 'rowgroup');
    this.#scroll.append(this.#header.element, this.#body);
    this.element.append(this.#scroll);
    this.#applyWidths();
    this.#header.showSort(this.#sort);
    this.#rebuildIndex();

    this.#scroll.addEventListener('scroll', () => this.#schedule(), { passive: true });
    new ResizeObserver(() => this.#schedule()).observe(this.#scroll);
    this.element.addEventListener('keydown', (e) => this.#onKey(e));
    this.#body.addEventListener('mousedown', (e) => this.#onMouseDown(e));
    this.#body.addEventListener('mouseover', (e) => this.#onMouseOver(e));
    window.addEventListener('mouseup', () => (this.#dragging = false));
    this.#body.addEventListener('dblclick', (e) => {
      const pos = this.#posOf(e.target);
      if (pos) this.#o.onOpenDetail(this.dataRow(pos.row)!);
    });
    this.element.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      const pos = this.#posOf(e.target);
      if (pos && !this.#selection.contains(pos.row, pos.col)) this.#select(pos, false);
      this.#o.onContextMenu(e.clientX, e.clientY);
    });
    // the menu's Copy (and VS Code's own Edit > Copy on macOS) arrive as a copy event
    this.element.addEventListener('copy', (e) => {
      e.preventDefault();
      e.clipboardData?.setData('text/plain', this.selectionTsv(false));
    });
  }

  /** Rows in the view (after filter). */
  get viewRowCount(): number {
    return this.#index ? this.#index.length : this.#o.rows.length;
  }

  get focusedDataRow(): number | undefined {
    return this.viewRowCount ? this.dataRow(this.#selection.focus.row) : undefined;
  }

  dataRow(viewRow: number): number | undefined {
    if (viewRow < 0 || viewRow >= this.viewRowCount) return undefined;
    return this.#index ? this.#index[viewRow] : viewRow;
  }

  /** Rows were appended to the array the grid was given. */
  rowsAppended(): void {
    if (this.#measuredRows < measureSample && this.#o.rows.length > this.#measuredRows) {
      this.#measuredRows = this.#o.rows.length;
      this.#o.columns.forEach((c, i) => this.#autoWidth[i] && (this.#widths[i] = measureWidth(c, i, this.#o.rows)));
      this.#applyWidths();
    }
    if (this.#sort || this.#filter.trim()) this.#rebuildIndex();
    else this.#afterViewChange(false);
  }

  setFilter(text: string): void {
    if (text === this.#filter) return;
    this.#filter = text;
    this.#rebuildIndex(true);
  }

  focus(): void {
    this.element.focus({ preventScroll: true });
  }

  /** TSV of the selection; with headers, the column names of the selected columns come first. */
  selectionTsv(withHeaders: boolean): string {
    const r = this.#selection.range;
    const rows: Cell[][] = [];
    for (let v = r.top; v <= r.bottom && v < this.viewRowCount; v++) rows.push(this.#o.rows[this.dataRow(v)!]!.slice(r.left, r.right + 1));
    const header = withHeaders ? this.#o.columns.slice(r.left, r.right + 1).map((c) => c.name) : undefined;
    return toTsv(rows, header);
  }

  /** TSV of the focused cell or of the focused row. */
  focusTsv(what: 'cell' | 'row'): string {
    const d = this.focusedDataRow;
    if (d === undefined) return '';
    const row = this.#o.rows[d]!;
    return what === 'cell' ? plainText(row[this.#selection.focus.col] ?? null) : toTsv([row]);
  }

  async copy(text: string): Promise<void> {
    await navigator.clipboard.writeText(text);
  }

  #rebuildIndex(resetSelection = false): void {
    this.#index = buildRowIndex(this.#o.rows, this.#o.columns, this.#sort, this.#filter, this.#search);
    this.#contentVersion++;
    if (resetSelection) this.#selection.reset();
    this.#afterViewChange(resetSelection);
  }

  #afterViewChange(scrollTop: boolean): void {
    const n = this.viewRowCount;
    this.#selection.resize(n, this.#o.columns.length);
    this.#body.style.height = `${n * rowHeight}px`;
    this.element.setAttribute('aria-rowcount', String(n + 1));
    if (scrollTop) this.#scroll.scrollTop = 0;
    this.#render();
  }

  #cycleSort(column: number): void {
    const s = this.#sort;
    this.#sort = s?.column !== column ? { column, direction: 'asc' } : s.direction === 'asc' ? { column, direction: 'desc' } : undefined;
    this.#header.showSort(this.#sort);
    this.#rebuildIndex(true);
    this.#emitViewState();
  }

  #resize(column: number, width: number, done: boolean): void {
    this.#autoWidth[column] = width < 0;
    this.#widths[column] = width < 0 ? measureWidth(this.#o.columns[column]!, column, this.#o.rows) : Math.max(minColumnWidth, width);
    this.#applyWidths();
    if (done) this.#emitViewState();
  }

  #emitViewState(): void {
    // measured widths are saved as null so they are measured again after a reload
    this.#o.onViewStateChange({ sort: this.#sort, widths: this.#widths.map((w, i) => (this.#autoWidth[i] ? null : w)) });
  }

  #applyWidths(): void {
    // one custom property drives the header and every row, so a resize touches one style, not every cell
    const template = `${gutterWidth}px ${this.#widths.map((w) => `${w}px`).join(' ')}`;
    this.element.style.setProperty('--grid-template', template);
    const total = gutterWidth + this.#widths.reduce((a, b) => a + b, 0);
    this.element.style.setProperty('--grid-width', `${total}px`);
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  #render(): void {
    const n = this.viewRowCount;
    const viewport = Math.max(this.#scroll.clientHeight, rowHeight);
    const first = Math.max(0, Math.floor(this.#scroll.scrollTop / rowHeight) - overscan);
    const count = Math.min(n - first, Math.ceil(viewport / rowHeight) + 2 * overscan);
    while (this.#pool.length < count) this.#pool.push(this.#newRow());
    const focus = this.#selection.focus;
    for (let i = 0; i < this.#pool.length; i++) {
      const rowEl = this.#pool[i]!;
      const v = first + i;
      if (i >= count) {
        rowEl.hidden = true;
        this.#poolRow[i] = -1;
        continue;
      }
      rowEl.hidden = false;
      if (this.#poolRow[i] !== v || this.#poolVersion[i] !== this.#contentVersion) {
        this.#fillRow(rowEl, v);
        this.#poolRow[i] = v;
        this.#poolVersion[i] = this.#contentVersion;
      }
      const cells = rowEl.children;
      const rowSelected = this.#selection.range.top <= v && v <= this.#selection.range.bottom;
      rowEl.classList.toggle('selected-row', rowSelected);
      for (let c = 0; c < this.#o.columns.length; c++) {
        const cell = cells[c + 1] as HTMLElement;
        const sel = rowSelected && this.#selection.contains(v, c);
        cell.classList.toggle('selected', sel);
        cell.classList.toggle('focused', focus.row === v && focus.col === c);
        cell.setAttribute('aria-selected', String(sel));
      }
    }
  }

  #newRow(): HTMLElement {
    const row = el('div', 'grid-row');
    row.setAttribute('role', 'row');
    const gutter = el('div', 'gutter');
    row.append(gutter);
    this.#o.columns.forEach((c, i) => {
      const cell = el('div', `cell${isRightAligned(c) ? ' num' : ''}`);
      cell.setAttribute('role', 'gridcell');
      cell.dataset.col = String(i);
      row.append(cell);
    });
    this.#body.append(row);
    return row;
  }

  #fillRow(rowEl: HTMLElement, v: number): void {
    const data = this.#o.rows[this.dataRow(v)!]!;
    rowEl.style.transform = `translateY(${v * rowHeight}px)`;
    rowEl.dataset.row = String(v);
    rowEl.setAttribute('aria-rowindex', String(v + 2));
    rowEl.firstChild!.textContent = String(this.dataRow(v)! + 1);
    const cells = rowEl.children;
    for (let c = 0; c < this.#o.columns.length; c++) {
      const cell = cells[c + 1] as HTMLElement;
      const value = data[c] ?? null;
      cell.textContent = displayText(value);
      cell.classList.toggle('null', value === null);
      cell.classList.toggle('bool', typeof value === 'boolean');
    }
  }

  #posOf(target: EventTarget | null): CellPos | undefined {
    const cell = (target as HTMLElement | null)?.closest?.('.cell, .gutter') as HTMLElement | null;
    const row = cell?.parentElement;
    if (!cell || !row?.dataset.row) return undefined;
    const col = cell.dataset.col === undefined ? -1 : Number(cell.dataset.col);
    return { row: Number(row.dataset.row), col };
  }

  #onMouseDown(e: MouseEvent): void {
    if (e.button !== 0) return;
    const pos = this.#posOf(e.target);
    if (!pos) return;
    e.preventDefault();
    this.focus();
    if (pos.col < 0) {
      this.#selection.selectRows(pos.row, e.shiftKey);
      this.#afterSelection(false);
    } else {
      this.#select(pos, e.shiftKey);
      this.#dragging = true;
    }
  }

  #onMouseOver(e: MouseEvent): void {
    if (!this.#dragging || !(e.buttons & 1)) return;
    const pos = this.#posOf(e.target);
    if (pos && pos.col >= 0) this.#select(pos, true);
  }

  #select(pos: CellPos, extend: boolean): void {
    this.#selection.moveTo(pos, extend);
    this.#afterSelection(true);
  }

  #afterSelection(reveal: boolean): void {
    if (reveal) this.#reveal(this.#selection.focus);
    this.#render();
    this.#o.onFocusChange(this.focusedDataRow);
  }

  #onKey(e: KeyboardEvent): void {
    const ctrl = e.ctrlKey || e.metaKey;
    const page = Math.max(1, Math.floor((this.#scroll.clientHeight - rowHeight) / rowHeight) - 1);
    const f = this.#selection.focus;
    const last = { row: this.viewRowCount - 1, col: this.#o.columns.length - 1 };
    const move = (p: CellPos) => this.#select(p, e.shiftKey);
    switch (e.key) {
      case 'ArrowUp': move({ row: ctrl ? 0 : f.row - 1, col: f.col }); break;
      case 'ArrowDown': move({ row: ctrl ? last.row : f.row + 1, col: f.col }); break;
      case 'ArrowLeft': move({ row: f.row, col: ctrl ? 0 : f.col - 1 }); break;
      case 'ArrowRight': move({ row: f.row, col: ctrl ? last.col : f.col + 1 }); break;
      case 'Home': move(ctrl ? { row: 0, col: 0 } : { row: f.row, col: 0 }); break;
      case 'End': move(ctrl ? last : { row: f.row, col: last.col }); break;
      case 'PageUp': move({ row: f.row - page, col: f.col }); break;
      case 'PageDown': move({ row: f.row + page, col: f.col }); break;
      case 'Enter': {
        const d = this.focusedDataRow;
        if (d !== undefined) this.#o.onOpenDetail(d);
        break;
      }
      default:
        if (ctrl && e.key.toLowerCase() === 'a') {
          this.#selection.selectAll();
          this.#afterSelection(false);
        } else if (ctrl && e.key.toLowerCase() === 'c') {
          void this.copy(this.selectionTsv(e.shiftKey));
        } else return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  /** Scrolls so `p` is fully visible below the sticky header and right of the sticky row numbers. */
  #reveal(p: CellPos): void {
    const s = this.#scroll;
    const headerH = this.#header.element.offsetHeight;
    const top = p.row * rowHeight;
    if (top < s.scrollTop) s.scrollTop = top;
    else if (top + rowHeight > s.scrollTop + s.clientHeight - headerH) s.scrollTop = top + rowHeight - (s.clientHeight - headerH);
    let left = gutterWidth;
    for (let c = 0; c < p.col; c++) left += this.#widths[c]!;
    const right = left + this.#widths[p.col]!;
    if (left - gutterWidth < s.scrollLeft) s.scrollLeft = left - gutterWidth;
    else if (right > s.scrollLeft + s.clientWidth) s.scrollLeft = right - s.clientWidth;
  }
}

/** A first width from the header and the first rows' text: wide enough to read, never wider than 360px. */
function measureWidth(column: ColumnMeta, index: number, rows: readonly (readonly Cell[])[]): number {
  let chars = column.name.length + column.typeName.length + 3;
  for (let r = 0; r < Math.min(rows.length, measureSample); r++) chars = Math.max(chars, displayText(rows[r]![index] ?? null).length);
  return Math.max(72, Math.min(360, Math.round(chars * 7.8 + 20)));
}
