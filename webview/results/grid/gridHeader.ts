import type { ColumnMeta } from '../../../src/protocol/resultsModel';
import { isRightAligned } from './cellText';
import type { SortSpec } from './rowIndex';

export interface GridHeaderCallbacks {
  /** A header was clicked: cycle its sort asc → desc → none. */
  onSortClick(column: number): void;
  /** A column edge is being dragged (live) or was released (done). */
  onResize(column: number, width: number, done: boolean): void;
}

export const minColumnWidth = 48;

/** The header row: name and type per column, sort indicator, and a drag handle on each column's right edge. */
export class GridHeader {
  readonly element: HTMLElement;
  readonly #cells: HTMLElement[] = [];
  #resizing = false;

  constructor(
    columns: readonly ColumnMeta[],
    private readonly widthOf: (column: number) => number,
    private readonly callbacks: GridHeaderCallbacks,
  ) {
    this.element = el('div', 'grid-header');
    this.element.setAttribute('role', 'row');
    const corner = el('div', 'gutter gutter-header');
    corner.setAttribute('role', 'columnheader');
    this.element.append(corner);
    columns.forEach((c, i) => {
      const cell = el('div', `hcell${isRightAligned(c) ? ' num' : ''}`);
      cell.setAttribute('role', 'columnheader');
      cell.setAttribute('aria-sort', 'none');
      cell.dataset.col = String(i);
      cell.title = `${c.name} (${c.typeName}) — click to sort`;
      const name = el('span', 'hname');
      name.textContent = c.name;
      const type = el('span', 'htype');
      type.textContent = c.typeName;
      const sort = el('span', 'hsort codicon');
      const handle = el('div', 'hresize');
      handle.setAttribute('aria-hidden', 'true');
      cell.append(name, type, sort, handle);
      cell.addEventListener('click', (e) => {
        if (this.#resizing || (e.target as HTMLElement).classList.contains('hresize')) return;
        this.callbacks.onSortClick(i);
      });
      this.#wireResize(handle, i);
      this.#cells.push(cell);
      this.element.append(cell);
    });
  }

  showSort(sort: SortSpec | undefined): void {
    this.#cells.forEach((cell, i) => {
      const dir = sort?.column === i ? sort.direction : undefined;
      cell.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none');
      const icon = cell.querySelector('.hsort')!;
      icon.classList.toggle('codicon-arrow-up', dir === 'asc');
      icon.classList.toggle('codicon-arrow-down', dir === 'desc');
    });
  }

  #wireResize(handle: HTMLElement, column: number): void {
    handle.addEventListener('pointerdown', (down) => {
      down.preventDefault();
      down.stopPropagation();
      handle.setPointerCapture(down.pointerId);
      this.#resizing = true;
      const startX = down.clientX;
      const startWidth = this.widthOf(column);
      const width = (e: PointerEvent) => Math.max(minColumnWidth, Math.round(startWidth + e.clientX - startX));
      const move = (e: PointerEvent) => this.callbacks.onResize(column, width(e), false);
      const up = (e: PointerEvent) => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        handle.removeEventListener('pointercancel', up);
        this.callbacks.onResize(column, width(e), true);
        // the click that follows the drag must not sort
        setTimeout(() => (this.#resizing = false), 0);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
      handle.addEventListener('pointercancel', up);
    });
    // double-click the edge: back to the automatic width
    handle.addEventListener('dblclick', (e) => {
      e.stopPropagation();
      this.callbacks.onResize(column, -1, true);
    });
  }
}

export function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
