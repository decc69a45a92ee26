/** A cell position in view coordinates: row = position in the (sorted, filtered) view, col = column index. */
export interface CellPos {
  readonly row: number;
  readonly col: number;
}

export interface SelectionRange {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/**
 * The grid's selection: a focused cell and an anchor; the rectangle between them is selected. Row selection is
 * the same rectangle stretched over every column.
 */
export class Selection {
  #anchor: CellPos = { row: 0, col: 0 };
  #focus: CellPos = { row: 0, col: 0 };
  #rows = 0;
  #cols = 0;

  get focus(): CellPos {
    return this.#focus;
  }

  get range(): SelectionRange {
    return {
      top: Math.min(this.#anchor.row, this.#focus.row),
      bottom: Math.max(this.#anchor.row, this.#focus.row),
      left: Math.min(this.#anchor.col, this.#focus.col),
      right: Math.max(this.#anchor.col, this.#focus.col),
    };
  }

  /** The view's size changed (rows arrived, filter, columns): keep positions inside it. */
  resize(rows: number, cols: number): void {
    this.#rows = rows;
    this.#cols = cols;
    this.#anchor = this.#clamp(this.#anchor);
    this.#focus = this.#clamp(this.#focus);
  }

  reset(): void {
    this.#anchor = this.#focus = { row: 0, col: 0 };
  }

  /** Moves the focus to `pos`; `extend` keeps the anchor (shift), else the selection collapses to one cell. */
  moveTo(pos: CellPos, extend = false): void {
    this.#focus = this.#clamp(pos);
    if (!extend) this.#anchor = this.#focus;
  }

  moveBy(dRow: number, dCol: number, extend = false): void {
    this.moveTo({ row: this.#focus.row + dRow, col: this.#focus.col + dCol }, extend);
  }

  /** Whole rows from the anchor row to `row` (gutter click; with extend, from the current anchor). */
  selectRows(row: number, extend = false): void {
    const anchorRow = extend ? this.#anchor.row : row;
    this.#anchor = this.#clamp({ row: anchorRow, col: 0 });
    this.#focus = this.#clamp({ row, col: Math.max(0, this.#cols - 1) });
  }

  selectAll(): void {
    this.#anchor = { row: 0, col: 0 };
    this.#focus = this.#clamp({ row: this.#rows - 1, col: this.#cols - 1 });
  }

  contains(row: number, col: number): boolean {
    const r = this.range;
    return row >= r.top && row <= r.bottom && col >= r.left && col <= r.right;
  }

  /** More than one cell selected. */
  get isRange(): boolean {
    const r = this.range;
    return r.top !== r.bottom || r.left !== r.right;
  }

  #clamp(p: CellPos): CellPos {
    return {
      row: Math.max(0, Math.min(p.row, this.#rows - 1)),
      col: Math.max(0, Math.min(p.col, this.#cols - 1)),
    };
  }
}
