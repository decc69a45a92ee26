import type { RunSnapshot } from '../../src/protocol/resultsModel';
import { el } from './grid/gridHeader';
import { formatDuration } from './resultView';

const stateIcons: Record<RunSnapshot['state'], string> = {
  running: 'loading codicon-modifier-spin',
  done: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
};
const stateLabels: Record<RunSnapshot['state'], string> = { running: 'Running…', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };

/** The strip above the results: where the run went, how it ended, and Cancel / Run Again. */
export function renderRunBar(run: RunSnapshot, actions: { cancel: () => void; rerun: () => void }): HTMLElement {
  const bar = el('header', `run-bar state-${run.state}`);
  const icon = el('span', `run-state-icon codicon codicon-${stateIcons[run.state]}`);
  const state = el('span', 'run-state');
  state.textContent = stateLabels[run.state];
  const target = el('span', 'run-target');
  const dbIcon = el('span', 'codicon codicon-database');
  const targetName = el('span', '');
  targetName.textContent = run.target;
  target.append(dbIcon, targetName);
  target.title = `Ran on ${run.target} at ${new Date(run.startedAt).toLocaleTimeString()}`;
  const facts = el('span', 'run-facts');
  const n = run.statements.length + (run.error ? 1 : 0);
  facts.textContent = [`${n} ${n === 1 ? 'statement' : 'statements'}`, run.durationMs !== undefined ? formatDuration(run.durationMs) : '']
    .filter(Boolean)
    .join(' · ');
  bar.append(icon, state, target, facts, el('span', 'spacer'));
  if (run.state === 'running') {
    const cancel = document.createElement('vscode-button');
    cancel.setAttribute('secondary', '');
    cancel.setAttribute('icon', 'debug-stop');
    cancel.className = 'run-cancel';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', () => {
      cancel.setAttribute('disabled', '');
      actions.cancel();
    });
    bar.append(cancel);
  } else {
    const rerun = document.createElement('vscode-toolbar-button');
    rerun.setAttribute('icon', 'refresh');
    rerun.setAttribute('label', 'Run again');
    rerun.title = 'Run again';
    rerun.className = 'run-rerun';
    rerun.addEventListener('click', actions.rerun);
    bar.append(rerun);
  }
  return bar;
}
