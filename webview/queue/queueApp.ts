import type { OpView, QueueSnapshot } from '../../src/protocol/queueProtocol';
import { discardOpRequest, retryOpRequest, selectReplicaRequest } from '../../src/protocol/queueProtocol';
import type { WebviewClient } from '../shared/client';
import { OP_STATUSES } from '../../src/core/sync/types';
import { OP_STATUS_ICONS } from '../../src/protocol/replicationModel';
import { cell, h, icon, same } from '../conflicts/dom';

/** UI choices kept across reloads. */
export interface QueueUiState {
  readonly [key: string]: string | undefined;
  status?: string;
  table?: string;
  selected?: string;
}


/** The queue inspector page: one replica's ops, filterable, with the selected op's before/after diff. */
export class QueueApp {
  #snapshot: QueueSnapshot | undefined;
  #ui: QueueUiState;
  #error: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: WebviewClient<QueueUiState>,
  ) {
    this.#ui = { ...(client.getState() ?? {}) };
    this.render();
  }

  show(s: QueueSnapshot): void {
    this.#snapshot = s;
    this.render();
  }

  #set(patch: Partial<QueueUiState>): void {
    this.#ui = { ...this.#ui, ...patch };
    this.client.setState(this.#ui);
    this.render();
  }

  #visible(): OpView[] {
    return (this.#snapshot?.ops ?? []).filter((o) => (!this.#ui.status || o.status === this.#ui.status) && (!this.#ui.table || o.table === this.#ui.table));
  }

  async #send(fn: () => Promise<unknown>): Promise<void> {
    this.#error = undefined;
    try {
      await fn();
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
    }
    this.render();
  }

  render(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.key;
    const s = this.#snapshot;
    const ops = this.#visible();
    const selected = ops.find((o) => o.opId === this.#ui.selected) ?? ops[0];
    this.root.replaceChildren(
      ...[this.#toolbar(s), this.#error ? h('div', { class: 'error-bar', role: 'alert' }, icon('error'), this.#error) : null].filter((x) => x !== null),
      h('div', { class: 'queue-layout' }, this.#table(ops, selected), h('aside', { class: 'op-detail', 'aria-label': 'Operation details' }, selected ? this.#detail(selected) : h('p', { class: 'muted empty-detail' }, s ? 'No operations match.' : 'Loading…'))),
    );
    if (focused) (this.root.querySelector(`[data-key="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  }

  #toolbar(s: QueueSnapshot | undefined): HTMLElement {
    const counts = Object.fromEntries(OP_STATUSES.map((st) => [st, (s?.ops ?? []).filter((o) => o.status === st).length]));
    const tables = [...new Set((s?.ops ?? []).map((o) => o.table))].sort();
    const select = (key: string, label: string, value: string, options: [string, string][], on: (v: string) => void) =>
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'muted' }, label),
        h(
          'select',
          { 'data-key': key, class: key, 'aria-label': label, onchange: (e: Event) => on((e.target as HTMLSelectElement).value) },
          ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
        ),
      );
    return h(
      'header',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Queue filters' },
      s ? select('replica', 'Replica', s.replica, s.replicas.map((r) => [r, r]), (replica) => void this.#send(() => this.client.request(selectReplicaRequest, { replica }))) : null,
      s ? h('span', { class: `state ${s.online ? 'online' : 'offline'}` }, icon(s.online ? 'vm-running' : 'debug-disconnect'), s.online ? ' online' : ' offline') : null,
      h(
        'span',
        { class: 'chips', role: 'group', 'aria-label': 'Status' },
        h('button', { class: `chip${!this.#ui.status ? ' on' : ''}`, 'data-key': 'status-all', 'aria-pressed': !this.#ui.status ? 'true' : 'false', onclick: () => this.#set({ status: undefined }) }, `All ${s?.ops.length ?? 0}`),
        ...OP_STATUSES.filter((st) => counts[st]).map((st) =>
          h(
            'button',
            { class: `chip status-${st}${this.#ui.status === st ? ' on' : ''}`, 'data-key': `status-${st}`, 'aria-pressed': this.#ui.status === st ? 'true' : 'false', onclick: () => this.#set({ status: this.#ui.status === st ? undefined : st }) },
            icon(OP_STATUS_ICONS[st]),
            ` ${st} ${counts[st]}`,
          ),
        ),
      ),
      h('span', { class: 'spacer' }),
      select('table-filter', 'Table', this.#ui.table ?? '', [['', 'All tables'], ...tables.map((t): [string, string] => [t, t])], (table) => this.#set({ table: table || undefined })),
    );
  }

  #table(ops: OpView[], selected: OpView | undefined): HTMLElement {
    const move = (e: KeyboardEvent, i: number) => {
      const next = e.key === 'ArrowDown' ? ops[i + 1] : e.key === 'ArrowUp' ? ops[i - 1] : undefined;
      if (!next) return;
      e.preventDefault();
      this.#set({ selected: next.opId });
      (this.root.querySelector(`[data-key="op-${CSS.escape(next.opId)}"]`) as HTMLElement | null)?.focus();
    };
    return h(
      'div',
      { class: 'op-list' },
      h(
        'table',
        { class: 'ops', role: 'grid', 'aria-label': 'Operations' },
        h('thead', null, h('tr', null, ...['#', 'Op', 'Kind', 'Table', 'Key', 'Changed', 'Status', 'Retries', 'HLC'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          ...ops.map((o, i) =>
            h(
              'tr',
              {
                class: `op status-${o.status}${o === selected ? ' selected' : ''}`,
                tabindex: 0,
                'data-key': `op-${o.opId}`,
                'aria-selected': o === selected ? 'true' : 'false',
                onclick: () => this.#set({ selected: o.opId }),
                onkeydown: (e: Event) => move(e as KeyboardEvent, i),
              },
              h('td', { class: 'seq' }, o.seq),
              h('td', null, o.opId),
              h('td', null, h('span', { class: `kind kind-${o.kind}` }, o.kind)),
              h('td', null, o.table),
              h('td', { title: o.key }, o.key),
              h('td', null, o.changed?.join(', ') ?? ''),
              h('td', { class: 'status' }, icon(OP_STATUS_ICONS[o.status]), ` ${o.status}`),
              h('td', { class: 'num' }, o.retries || ''),
              h('td', { class: 'hlc', title: o.hlc }, o.hlc.replace(/^\d{4}-\d\d-\d\dT/, '')),
            ),
          ),
        ),
      ),
    );
  }

  #detail(o: OpView): HTMLElement {
    const cols = [...new Set([...Object.keys(o.before ?? {}), ...Object.keys(o.after ?? {})])];
    const canRetry = o.status === 'failed' || o.status === 'rejected';
    // the engine discards ops that have not reached the hub: pending, or failed (gave up trying)
    const canDiscard = o.status === 'pending' || o.status === 'failed';
    return h(
      'div',
      null,
      h('h1', null, `${o.opId} `, h('span', { class: `kind kind-${o.kind}` }, o.kind), ' ', h('span', { class: 'muted' }, `${o.table} ${o.key}`)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Status'),
        h('dd', { class: `status status-${o.status}` }, icon(OP_STATUS_ICONS[o.status]), ` ${o.status}${o.retries ? ` after ${o.retries} retr${o.retries === 1 ? 'y' : 'ies'}` : ''}`),
        h('dt', null, 'HLC'),
        h('dd', { class: 'mono' }, o.hlc),
        h('dt', null, 'Base version'),
        h('dd', null, o.baseVersion === 0 ? '0 (the replica had never seen this row at the hub)' : String(o.baseVersion)),
        o.error ? h('dt', null, 'Error') : null,
        o.error ? h('dd', { class: 'error' }, o.error) : null,
      ),
      h(
        'div',
        { class: 'actions' },
        h('vscode-button', { class: 'retry', 'data-key': 'retry', icon: 'refresh', disabled: !canRetry, title: canRetry ? 'Put it back to pending; the next sync pushes it again' : 'Only failed or rejected operations can be retried', onclick: () => this.#send(() => this.client.request(retryOpRequest, { opId: o.opId })) }, 'Retry'),
        h('vscode-button', { class: 'discard', 'data-key': 'discard', icon: 'trash', secondary: true, disabled: !canDiscard, title: canDiscard ? 'Drop this operation and put its row back to what the hub has (asks first)' : 'Only pending or failed operations can be discarded', onclick: () => this.#send(() => this.client.request(discardOpRequest, { opId: o.opId })) }, 'Discard…'),
      ),
      h(
        'table',
        { class: 'compare diff', 'aria-label': 'Before and after' },
        h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Before'), h('th', null, 'After'))),
        h(
          'tbody',
          null,
          ...cols.map((c) => {
            const changed = o.changed?.includes(c) || (o.before && o.after && !same(o.before[c], o.after[c]));
            return h('tr', { class: changed ? 'changed-row' : '' }, h('th', { scope: 'row' }, c), cell(o.before ? o.before[c] : undefined, changed ? 'removed' : ''), cell(o.after ? o.after[c] : undefined, changed ? 'changed' : ''));
          }),
          o.before === null ? h('tr', { class: 'missing' }, h('td', { colspan: 3 }, 'Insert: there was no row before.')) : null,
          o.after === null ? h('tr', { class: 'missing' }, h('td', { colspan: 3 }, 'Delete: no row after.')) : null,
        ),
      ),
    );
  }
}
