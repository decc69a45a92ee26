import type { ResultsBackend } from './resultsPanel';

const nothing = () => Promise.reject(new Error('No query has run in this window yet. Run a query first.'));

/** The backend until the SQL runner is wired in (src/vscode/query replaces it in the composition root). */
export const noQueryBackend: ResultsBackend = {
  fetchMore: nothing,
  exportResult: nothing,
  cancel: nothing,
  rerun: nothing,
};
