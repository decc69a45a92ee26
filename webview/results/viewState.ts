/**
 * UI state the page saves with vscode.setState: what the user arranged, never data. Restored after a reload when
 * the host re-sends the same run.
 */
export type StatementViewState = {
  readonly sort?: { readonly column: number; readonly direction: 'asc' | 'desc' };
  readonly filter?: string;
  readonly widths?: readonly (number | null)[];
};

export type ResultsUiState = {
  readonly runId?: string;
  /** Selected tab: a statement index, or -1 for the error tab. */
  readonly activeTab?: number;
  readonly detailOpen?: boolean;
  /** By statement index. */
  readonly views?: { readonly [statementIndex: string]: StatementViewState };
};
