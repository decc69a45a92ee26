import type { StatementFailure } from '../../src/protocol/resultsModel';
import { el } from './grid/gridHeader';

/** A failed statement: message, SQLSTATE, detail, hint, and the statement with the error position marked. */
export function renderErrorView(error: StatementFailure): HTMLElement {
  const view = el('section', 'error-view');
  view.setAttribute('role', 'alert');
  const head = el('div', 'error-head');
  const icon = el('span', 'codicon codicon-error');
  const message = el('span', 'error-message');
  message.textContent = error.message;
  head.append(icon, message);
  view.append(head);
  const facts = el('dl', 'error-facts');
  const fact = (label: string, value: string | undefined, cls = '') => {
    if (!value) return;
    const dt = el('dt', '');
    dt.textContent = label;
    const dd = el('dd', cls);
    dd.textContent = value;
    facts.append(dt, dd);
  };
  fact('Code', error.code, 'error-code');
  fact('Detail', error.detail);
  fact('Hint', error.hint);
  fact('Statement', `#${error.index + 1}${error.position ? `, at character ${error.position}` : ''}`);
  view.append(facts);
  const sql = el('pre', 'error-sql');
  if (error.position && error.position <= error.sql.length + 1) {
    // mark the character Postgres pointed at, as psql's caret does
    const at = error.position - 1;
    const mark = el('mark', 'error-position');
    mark.textContent = error.sql.slice(at, at + 1) || ' ';
    sql.append(error.sql.slice(0, at), mark, error.sql.slice(at + 1));
  } else sql.textContent = error.sql;
  view.append(sql);
  return view;
}
