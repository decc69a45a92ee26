import type { ConflictDetail, ConflictsSnapshot } from '../../src/protocol/conflictsProtocol';
import { applyStrategyRequest, resolveConflictRequest, selectConflictRequest, stepRequest, whatIfRequest } from '../../src/protocol/conflictsProtocol';
import type { WebviewClient } from '../shared/client';
import { cell, cellText, h, icon, same, words } from './dom';

/** What the page remembers across reloads: UI choices only, never data. */
export interface ConflictsUiState {
  readonly [key: string]: string | undefined;
  strategy?: string;
}

type Client = WebviewClient<ConflictsUiState>;

/**
 * The conflict inspector page. Renders each full snapshot from scratch; focus is restored by `data-key` so
 * keyboard users keep their place across live updates.
 */
export class ConflictsApp {
  #snapshot: ConflictsSnapshot | undefined;
  #strategy: string | undefined;
  /** The merged row being edited (manual conflicts), column → text; undefined when not editing. */
  #edit: Record<string, string> | undefined;
  #error: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: Client,
  ) {
    this.#strategy = client.getState()?.strategy;
    document.addEventListener('keydown', (e) => this.#onKey(e));
    this.render();
  }

  show(s: ConflictsSnapshot): void {
    if (this.#snapshot?.current?.id !== s.current?.id) this.#edit = undefined;
    this.#snapshot = s;
    this.render();
  }

  /** Sends a request; a failure shows in the error bar (the host also logs it). */
  async #send<P, R>(fn: () => Promise<R>): Promise<R | undefined> {
    this.#error = undefined;
    try {
      return await fn();
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
      this.render();
      return undefined;
    }
  }

  step(action: 'step' | 'stepToConflict' | 'continue' | 'stop'): void {
    if (!this.#snapshot?.stepping || this.#snapshot.stepping.done) return;
    void this.#send(() => this.client.request(stepRequest, { action }));
  }

  select(id: number): void {
    this.#edit = undefined;
    void this.#send(() => this.client.request(selectConflictRequest, { id }));
  }

  #move(delta: number): void {
    const s = this.#snapshot;
    if (!s?.current) return;
    const i = s.conflicts.findIndex((c) => c.id === s.current!.id);
    const next = s.conflicts[i + delta];
    if (next) this.select(next.id);
  }

  #onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, vscode-textfield') && !e.key.startsWith('F')) return;
    const key = `${e.shiftKey ? 'Shift+' : ''}${e.altKey ? 'Alt+' : ''}${e.key}`;
    const actions: Record<string, () => void> = {
      F10: () => this.step('step'),
      'Shift+F10': () => this.step('stepToConflict'),
      F5: () => this.step('continue'),
      'Shift+F5': () => this.step('stop'),
      'Alt+ArrowDown': () => this.#move(1),
      'Alt+ArrowUp': () => this.#move(-1),
    };
    const run = actions[key];
    if (!run) return;
    e.preventDefault();
    e.stopPropagation();
    run();
  }

  render(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.key;
    const s = this.#snapshot;
    this.root.replaceChildren(
      ...[this.#toolbar(s), this.#error ? h('div', { class: 'error-bar', role: 'alert' }, icon('error'), this.#error) : null].filter((x) => x !== null),
      h(
        'div',
        { class: 'layout' },
        this.#list(s),
        h('main', { class: 'detail' }, s?.current ? this.#detail(s.current, s) : this.#empty(s)),
      ),
    );
    if (focused) (this.root.querySelector(`[data-key="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  }

  #toolbar(s: ConflictsSnapshot | undefined): HTMLElement {
    const st = s?.stepping;
    const active = !!st && !st.done;
    const disabled = !active || s!.busy;
    const btn = (action: 'step' | 'stepToConflict' | 'continue' | 'stop', ic: string, label: string, keys: string) =>
      h(
        'vscode-toolbar-button',
        { class: `step-${action}`, 'data-key': `step-${action}`, icon: ic, label: `${label} (${keys})`, title: `${label} (${keys})`, disabled, onclick: () => this.step(action) },
      );
    const i = s?.current ? s.conflicts.findIndex((c) => c.id === s.current!.id) : -1;
    const status = h('span', { class: 'step-status', role: 'status' });
    if (!st) status.append(h('span', { class: 'muted' }, 'No step sync. Start one with "Step Sync" on a replica.'));
    else if (active) status.append(icon('debug-pause'), ` ${st.replica} paused `, h('span', { class: 'muted' }, st.lastEvent ? `after: ${st.lastEvent}` : 'before its first event'));
    else status.append(icon('pass'), ` Sync of ${st.replica} ended · ${st.events.length} events`);
    return h(
      'header',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Step controls' },
      btn('continue', 'debug-continue', 'Continue', 'F5'),
      btn('step', 'debug-step-over', 'Step', 'F10'),
      btn('stepToConflict', 'debug-step-into', 'Step to Next Conflict', 'Shift+F10'),
      btn('stop', 'debug-stop', 'Stop', 'Shift+F5'),
      status,
      s?.busy ? h('vscode-progress-bar', { class: 'busy', 'aria-label': 'working' }) : null,
      h('span', { class: 'spacer' }),
      h('vscode-toolbar-button', { icon: 'arrow-up', label: 'Previous conflict (Alt+Up)', title: 'Previous conflict (Alt+Up)', disabled: i <= 0, onclick: () => this.#move(-1) }),
      h('span', { class: 'position muted' }, i >= 0 ? `${i + 1} of ${s!.conflicts.length}` : ''),
      h('vscode-toolbar-button', { icon: 'arrow-down', label: 'Next conflict (Alt+Down)', title: 'Next conflict (Alt+Down)', disabled: i < 0 || i >= s!.conflicts.length - 1, onclick: () => this.#move(1) }),
    );
  }

  #list(s: ConflictsSnapshot | undefined): HTMLElement {
    const group = (title: string, items: ConflictsSnapshot['conflicts']) =>
      h(
        'section',
        { class: 'group' },
        h('h2', null, title, h('vscode-badge', { variant: 'counter' }, items.length)),
        h(
          'ul',
          { role: 'listbox', 'aria-label': title },
          ...items.map((c) =>
            h(
              'li',
              {
                role: 'option',
                tabindex: 0,
                'data-key': `conflict-${c.id}`,
                class: `conflict-item${s?.current?.id === c.id ? ' selected' : ''}`,
                'aria-selected': s?.current?.id === c.id ? 'true' : 'false',
                onclick: () => this.select(c.id),
                onkeydown: (e: Event) => ((e as KeyboardEvent).key === 'Enter' || (e as KeyboardEvent).key === ' ') && (e.preventDefault(), this.select(c.id)),
              },
              icon(c.open ? 'git-merge' : 'pass'),
              h('span', { class: 'item-text' }, h('span', { class: 'item-title' }, `#${c.id} ${c.type}`), h('span', { class: 'item-sub' }, `${c.table} ${c.key} · ${c.replica} · ${words(c.open ? 'waiting' : c.outcome)}`)),
            ),
          ),
        ),
      );
    const all = s?.conflicts ?? [];
    return h('nav', { class: 'list', 'aria-label': 'Conflicts' }, group('Open', all.filter((c) => c.open)), group('Resolved', all.filter((c) => !c.open)));
  }

  #empty(s: ConflictsSnapshot | undefined): HTMLElement {
    return h(
      'div',
      { class: 'empty' },
      icon('pass-filled'),
      h('p', null, s ? 'No conflicts so far.' : 'Loading…'),
      s ? h('p', { class: 'muted' }, 'Write the same row on two replicas while one is offline, then sync both.') : null,
    );
  }

  #detail(c: ConflictDetail, s: ConflictsSnapshot): DocumentFragment {
    const f = document.createDocumentFragment();
    const strategy = c.previews.find((p) => p.strategy === this.#strategy) ? this.#strategy! : (c.previews.find((p) => p.strategy === c.strategy)?.strategy ?? c.previews[0]?.strategy);
    const preview = c.previews.find((p) => p.strategy === strategy);
    f.append(
      h(
        'div',
        { class: 'title' },
        h('h1', null, `#${c.id} ${c.type}`),
        h('vscode-badge', { class: c.open ? 'badge-open' : 'badge-done' }, c.open ? 'waiting for you' : words(c.outcome)),
        h('span', { class: 'muted' }, `${c.table} ${c.key} · ${c.opKind} ${c.opId} from ${c.replica}`),
      ),
      h('p', { class: 'explanation' }, c.explanation),
      h('p', { class: 'decided muted' }, icon('info'), ' ', c.decidedBy),
      this.#rows(c, preview?.row ?? null, strategy),
      this.#strategies(c, strategy, s.busy),
      this.#whatIf(c, s),
      s.stepping ? this.#events(s.stepping) : '',
    );
    return f;
  }

  /** Base, hub, incoming and the preview side by side, one line per column. */
  #rows(c: ConflictDetail, previewRow: Record<string, unknown> | null, strategy: string | undefined): HTMLElement {
    const editing = this.#edit !== undefined && c.open;
    const result = c.open ? previewRow : (c.result ?? null);
    const resultTitle = c.open ? (editing ? 'Edited row' : `Preview: ${words(strategy ?? '')}`) : 'Hub now';
    const head = h(
      'tr',
      null,
      h('th', { scope: 'col' }, 'Column'),
      h('th', { scope: 'col' }, 'Base', h('span', { class: 'sub' }, 'as the replica saw it')),
      h('th', { scope: 'col', title: `hub HLC ${c.hubHlc ?? '(none)'}` }, 'Hub', h('span', { class: 'sub' }, c.hubHlc ?? 'no HLC')),
      h('th', { scope: 'col', title: `incoming HLC ${c.incomingHlc}` }, 'Incoming', h('span', { class: 'sub' }, c.incomingHlc)),
      h('th', { scope: 'col', class: 'result-col' }, resultTitle),
    );
    const body = c.columns.map((col) => {
      const b = c.base?.[col];
      const hv = c.hub?.[col];
      const iv = c.incoming?.[col];
      const hubChanged = c.base !== null && c.hub !== null && !same(b, hv);
      const inChanged = c.base !== null && c.incoming !== null && !same(b, iv);
      const clash = hubChanged && inChanged && !same(hv, iv);
      const rv = result?.[col];
      const resultCell = editing
        ? h(
            'td',
            { class: 'edit' },
            h('input', {
              'aria-label': `${col} in the merged row`,
              'data-key': `edit-${col}`,
              value: this.#edit![col] ?? '',
              oninput: (e: Event) => (this.#edit![col] = (e.target as HTMLInputElement).value),
            }),
          )
        : cell(result === null ? undefined : rv, `result ${result && (!same(rv, hv) ? 'from-incoming' : '')}`);
      return h(
        'tr',
        { class: clash ? 'clash' : '' },
        h('th', { scope: 'row' }, col, clash ? icon('warning', 'changed on both sides') : ''),
        cell(c.base === null ? undefined : b, 'base'),
        cell(c.hub === null ? undefined : hv, `hub${hubChanged ? ' changed' : ''}`),
        cell(c.incoming === null ? undefined : iv, `incoming${inChanged ? ' changed' : ''}`),
        resultCell,
      );
    });
    const missing = (r: unknown, what: string) => (r === null ? h('tr', { class: 'missing' }, h('td', { colspan: 5 }, what)) : null);
    return h(
      'table',
      { class: 'compare', 'aria-label': 'Base, hub and incoming rows' },
      h('thead', null, head),
      h(
        'tbody',
        null,
        ...body,
        missing(c.base, 'No base row: the replica inserted this row.'),
        missing(c.hub, 'The hub has no such row.'),
        missing(c.incoming, 'Incoming is a delete.'),
        !editing && result === null && (c.open || c.result === null) ? h('tr', { class: 'missing' }, h('td', { colspan: 5 }, c.open ? 'This resolution leaves no row at the hub.' : 'The hub has no row now.')) : null,
      ),
    );
  }

  #strategies(c: ConflictDetail, strategy: string | undefined, busy: boolean): HTMLElement {
    const choose = (st: string) => {
      this.#strategy = st;
      this.#edit = undefined;
      this.client.setState({ ...(this.client.getState() ?? {}), strategy: st });
      this.render();
    };
    const list = h(
      'div',
      { class: 'strategies', role: 'radiogroup', 'aria-label': 'Strategies' },
      ...c.previews.map((p) =>
        h(
          'label',
          { class: `strategy${p.strategy === strategy ? ' chosen' : ''}${p.error ? ' unavailable' : ''}` },
          h('input', {
            type: 'radio',
            name: 'strategy',
            value: p.strategy,
            'data-key': `strategy-${p.strategy}`,
            checked: p.strategy === strategy,
            onchange: () => choose(p.strategy),
          }),
          h('span', { class: 'strategy-name' }, words(p.strategy), p.strategy === c.strategy ? h('span', { class: 'rule' }, 'rule') : ''),
          h('span', { class: 'strategy-outcome' }, p.error ? p.error : `${words(p.outcome ?? '')} — ${p.reason}`),
        ),
      ),
    );
    const actions = c.open
      ? h(
          'div',
          { class: 'actions' },
          this.#edit
            ? [
                h('vscode-button', { 'data-key': 'apply-edit', class: 'apply-edit', disabled: busy, onclick: () => this.#applyEdit(c), icon: 'check' }, 'Apply Edited Row'),
                h('vscode-button', { secondary: true, onclick: () => ((this.#edit = undefined), this.render()) }, 'Cancel'),
              ]
            : [
                h('vscode-button', { 'data-key': 'apply', class: 'apply', disabled: busy || !strategy, onclick: () => strategy && this.#send(() => this.client.request(applyStrategyRequest, { id: c.id, strategy: strategy as never })), icon: 'check' }, `Apply ${words(strategy ?? '')}`),
                h('vscode-button', { 'data-key': 'take-hub', class: 'take-hub', secondary: true, disabled: busy, onclick: () => this.#send(() => this.client.request(resolveConflictRequest, { id: c.id, take: 'hub' })) }, 'Take Hub'),
                h('vscode-button', { 'data-key': 'take-incoming', class: 'take-incoming', secondary: true, disabled: busy || c.incoming === null, onclick: () => this.#send(() => this.client.request(resolveConflictRequest, { id: c.id, take: 'incoming' })) }, 'Take Incoming'),
                h('vscode-button', { 'data-key': 'edit', class: 'edit-merged', secondary: true, disabled: busy, onclick: () => this.#startEdit(c, strategy), icon: 'edit' }, 'Edit Merged Row'),
              ],
          h('span', { class: 'spacer' }),
          this.#whatIfButton(c, strategy, busy),
        )
      : h('div', { class: 'actions' }, h('span', { class: 'muted' }, 'Resolved. Pick a strategy to preview it, or ask what the rows would be:'), h('span', { class: 'spacer' }), this.#whatIfButton(c, strategy, busy));
    return h('section', { class: 'choices' }, h('h2', null, c.open ? 'Resolve' : 'Other strategies'), list, actions);
  }

  #whatIfButton(c: ConflictDetail, strategy: string | undefined, busy: boolean): HTMLElement {
    return h(
      'vscode-button',
      { 'data-key': 'what-if', class: 'what-if', secondary: true, icon: 'beaker', disabled: busy || !strategy, title: 'Replay the whole playground on scratch databases with this strategy for this conflict', onclick: () => strategy && this.#send(() => this.client.request(whatIfRequest, { id: c.id, strategy: strategy as never })) },
      'What If…',
    );
  }

  #whatIf(c: ConflictDetail, s: ConflictsSnapshot): HTMLElement | string {
    const w = s.whatIf;
    if (!w || w.conflictId !== c.id) return '';
    const body = w.error
      ? h('p', { class: 'error' }, w.error)
      : w.diffs.length === 0
        ? h('p', null, icon('pass'), ` Under ${words(w.strategy)} the ${w.table} rows at the hub would end up exactly the same.`)
        : h(
            'table',
            { class: 'compare what-if-table' },
            h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Hub now'), h('th', null, `Under ${words(w.strategy)}`))),
            h('tbody', null, ...w.diffs.map((d) => h('tr', null, h('th', { scope: 'row' }, d.key), cell(d.actual ? rowText(d.actual) : 'no row'), cell(d.alternative ? rowText(d.alternative) : 'no row', 'changed')))),
          );
    return h(
      'section',
      { class: 'what-if-result' },
      h('h2', null, `What if: ${words(w.strategy)}`),
      h('p', { class: 'muted' }, `Replayed every recorded step on scratch databases${w.skippedSteps ? `; ${w.skippedSteps} step(s) could not run and were skipped` : ''}.`),
      body,
    );
  }

  #events(st: NonNullable<ConflictsSnapshot['stepping']>): HTMLElement {
    return h(
      'details',
      { class: 'events', open: !st.done },
      h('summary', null, `Sync events of ${st.replica} (${st.events.length})`),
      h('ol', null, ...st.events.map((e, i) => h('li', { class: i === st.events.length - 1 ? 'current' : '' }, h('span', { class: 'seq' }, e.seq), e.text))),
    );
  }

  #startEdit(c: ConflictDetail, strategy: string | undefined): void {
    const from = c.previews.find((p) => p.strategy === strategy)?.row ?? c.incoming ?? c.hub ?? {};
    this.#edit = Object.fromEntries(c.columns.map((col) => [col, from[col] === undefined ? '' : cellText(from[col])]));
    this.render();
    (this.root.querySelector('td.edit input') as HTMLInputElement | null)?.focus();
  }

  #applyEdit(c: ConflictDetail): void {
    const template = c.incoming ?? c.hub ?? {};
    // values keep the type of the row they came from: numbers and booleans are parsed back, NULL is null
    const row = Object.fromEntries(
      Object.entries(this.#edit ?? {}).map(([k, text]) => {
        const was = template[k];
        if (text === 'NULL') return [k, null];
        if (typeof was === 'number' && text.trim() !== '' && !Number.isNaN(Number(text))) return [k, Number(text)];
        if (typeof was === 'boolean' && (text === 'true' || text === 'false')) return [k, text === 'true'];
        if (was !== null && typeof was === 'object') {
          try {
            return [k, JSON.parse(text)];
          } catch {
            return [k, text];
          }
        }
        return [k, text];
      }),
    );
    void this.#send(() => this.client.request(resolveConflictRequest, { id: c.id, take: { row } })).then(() => (this.#edit = undefined));
  }
}

const rowText = (r: Record<string, unknown>) => Object.entries(r).map(([k, v]) => `${k}: ${cellText(v)}`).join(', ');
