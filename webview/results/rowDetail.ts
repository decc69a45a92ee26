import type { Cell, ColumnMeta } from '../../src/protocol/resultsModel';
import { prettyJson } from './grid/cellText';
import { el } from './grid/gridHeader';

/** The side pane showing one row as column: value, with JSON pretty-printed and nothing cut short. */
export class RowDetail {
  readonly element: HTMLElement;
  readonly #title: HTMLElement;
  readonly #list: HTMLElement;

  constructor(onClose: () => void) {
    this.element = el('aside', 'row-detail');
    this.element.setAttribute('aria-label', 'Row detail');
    const head = el('div', 'row-detail-head');
    this.#title = el('span', 'row-detail-title');
    const close = document.createElement('vscode-toolbar-button');
    close.setAttribute('icon', 'close');
    close.setAttribute('label', 'Close row detail');
    close.title = 'Close (Escape)';
    close.addEventListener('click', onClose);
    head.append(this.#title, close);
    this.#list = el('dl', 'row-detail-list');
    this.element.append(head, this.#list);
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') onClose();
    });
  }

  show(columns: readonly ColumnMeta[], row: readonly Cell[], rowNumber: number): void {
    this.#title.textContent = `Row ${rowNumber}`;
    this.#list.replaceChildren();
    columns.forEach((c, i) => {
      const dt = el('dt', 'row-detail-name');
      const name = el('span', '');
      name.textContent = c.name;
      const type = el('span', 'htype');
      type.textContent = c.typeName;
      dt.append(name, type);
      const value = row[i] ?? null;
      const json = prettyJson(value, c);
      const dd = el(json ? 'pre' : 'dd', `row-detail-value${value === null ? ' null' : ''}${json ? ' json' : ''}`);
      dd.textContent = value === null ? 'NULL' : (json ?? String(value));
      this.#list.append(dt, dd);
    });
  }
}
