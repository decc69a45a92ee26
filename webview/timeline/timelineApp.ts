import type { TimelineEventView, TimelineSnapshot } from '../../src/protocol/timelineProtocol';
import { openConflictRequest } from '../../src/protocol/timelineProtocol';
import type { WebviewClient } from '../shared/client';
import { cellText, h, icon, words } from '../conflicts/dom';

export interface TimelineUiState {
  readonly [key: string]: string | undefined;
  search?: string;
  type?: string;
  /** Lanes hidden, comma-separated. */
  hidden?: string;
  selected?: string;
}

const EVENT_ICONS: Record<string, string> = {
  sync_started: 'debug-start',
  sync_skipped: 'debug-disconnect',
  batch_pushed: 'arrow-up',
  op_applied: 'check',
  conflict_detected: 'git-merge',
  conflict_resolved: 'pass',
  conflict_resolved_manually: 'person',
  op_discarded: 'discard',
  op_rejected: 'error',
  op_failed: 'warning',
  change_pulled: 'arrow-down',
  sync_finished: 'debug-stop',
  replica_online: 'plug',
  replica_offline: 'debug-disconnect',
  link_changed: 'radio-tower',
  sync_retry: 'sync',
  sync_gave_up: 'circle-slash',
  replica_added: 'add',
  replica_removed: 'trash',
};

/** The timeline page: every event in order, one column (lane) per replica, filter and search, event details. */
export class TimelineApp {
  #snapshot: TimelineSnapshot | undefined;
  #ui: TimelineUiState;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: WebviewClient<TimelineUiState>,
  ) {
    this.#ui = { ...(client.getState() ?? {}) };
    this.render();
  }

  show(s: TimelineSnapshot): void {
    this.#snapshot = s;
    this.render();
  }

  #set(patch: Partial<TimelineUiState>, keepFocus = true): void {
    this.#ui = { ...this.#ui, ...patch };
    this.client.setState(this.#ui);
    this.render(keepFocus);
  }

  #visible(): TimelineEventView[] {
    const hidden = new Set((this.#ui.hidden ?? '').split(',').filter(Boolean));
    const q = (this.#ui.search ?? '').trim().toLowerCase();
    return (this.#snapshot?.events ?? []).filter(
      (e) => !hidden.has(e.replica) && (!this.#ui.type || e.type === this.#ui.type) && (!q || `${e.text} ${e.type} ${e.replica}`.toLowerCase().includes(q)),
    );
  }

  render(keepFocus = true): void {
    const active = document.activeElement as HTMLElement | null;
    const focused = active?.dataset?.key;
    const caret = active instanceof HTMLInputElement ? active.selectionStart : null;
    const s = this.#snapshot;
    const events = this.#visible();
    const selected = s?.events.find((e) => String(e.seq) === this.#ui.selected);
    this.root.replaceChildren(
      this.#toolbar(s, events.length),
      h('div', { class: 'timeline-layout' }, this.#lanes(s, events, selected), h('aside', { class: 'event-detail', 'aria-label': 'Event details' }, selected ? this.#detail(selected) : h('p', { class: 'muted empty-detail' }, s ? 'Select an event to see its details.' : 'Loading…'))),
    );
    if (keepFocus && focused) {
      const el = this.root.querySelector(`[data-key="${CSS.escape(focused)}"]`) as HTMLElement | null;
      el?.focus();
      if (el instanceof HTMLInputElement && caret !== null) el.setSelectionRange(caret, caret);
    }
  }

  #toolbar(s: TimelineSnapshot | undefined, shown: number): HTMLElement {
    const hidden = new Set((this.#ui.hidden ?? '').split(',').filter(Boolean));
    const types = [...new Set((s?.events ?? []).map((e) => e.type))].sort();
    return h(
      'header',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Timeline filters' },
      h(
        'span',
        { class: 'chips', role: 'group', 'aria-label': 'Lanes' },
        ...(s?.lanes ?? []).map((lane) =>
          h(
            'button',
            {
              class: `chip lane-toggle${hidden.has(lane) ? '' : ' on'}`,
              'data-key': `lane-${lane}`,
              'aria-pressed': hidden.has(lane) ? 'false' : 'true',
              onclick: () => {
                const next = new Set(hidden);
                if (next.has(lane)) next.delete(lane);
                else next.add(lane);
                this.#set({ hidden: [...next].join(',') || undefined });
              },
            },
            icon(lane === 'hub' ? 'server' : 'device-mobile'),
            ` ${lane}`,
          ),
        ),
      ),
      h(
        'select',
        { class: 'type-filter', 'data-key': 'type', 'aria-label': 'Event type', onchange: (e: Event) => this.#set({ type: (e.target as HTMLSelectElement).value || undefined }) },
        h('option', { value: '' }, 'All events'),
        ...types.map((t) => h('option', { value: t, selected: t === this.#ui.type }, words(t))),
      ),
      h('input', {
        class: 'search',
        type: 'search',
        placeholder: 'Search events',
        'aria-label': 'Search events',
        'data-key': 'search',
        value: this.#ui.search ?? '',
        oninput: (e: Event) => this.#set({ search: (e.target as HTMLInputElement).value || undefined }),
      }),
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted count' }, s ? `${shown} of ${s.events.length} events` : ''),
    );
  }

  #lanes(s: TimelineSnapshot | undefined, events: TimelineEventView[], selected: TimelineEventView | undefined): HTMLElement {
    const hidden = new Set((this.#ui.hidden ?? '').split(',').filter(Boolean));
    const lanes = (s?.lanes ?? []).filter((l) => !hidden.has(l));
    // names are not reused, so a lane with a replica_removed event is a replica that has left
    const removed = new Set((s?.events ?? []).filter((e) => e.type === 'replica_removed').map((e) => e.replica));
    const laneHead = (l: string) =>
      removed.has(l)
        ? h('th', { class: 'lane removed', title: `${l} was removed from the playground` }, icon('device-mobile'), ` ${l} (removed)`)
        : h('th', { class: 'lane' }, icon(l === 'hub' ? 'server' : 'device-mobile'), ` ${l}`);
    const select = (e: TimelineEventView) => this.#set({ selected: String(e.seq) });
    const key = (ev: KeyboardEvent, i: number) => {
      const next = ev.key === 'ArrowDown' ? events[i + 1] : ev.key === 'ArrowUp' ? events[i - 1] : undefined;
      if (ev.key === 'Enter' && events[i]!.conflictId !== undefined) return void this.#openConflict(events[i]!.conflictId!);
      if (!next) return;
      ev.preventDefault();
      select(next);
      (this.root.querySelector(`[data-key="ev-${next.seq}"]`) as HTMLElement | null)?.focus();
    };
    return h(
      'div',
      { class: 'lanes-scroll' },
      h(
        'table',
        { class: 'lanes', role: 'grid', 'aria-label': 'Sync events by replica' },
        h('thead', null, h('tr', null, h('th', { class: 'seq' }, '#'), h('th', { class: 'time' }, 'Time'), ...lanes.map(laneHead))),
        h(
          'tbody',
          null,
          ...events.map((e, i) =>
            h(
              'tr',
              {
                class: `event${e === selected ? ' selected' : ''}${e.conflictId !== undefined ? ' has-conflict' : ''}`,
                tabindex: 0,
                'data-key': `ev-${e.seq}`,
                'aria-selected': e === selected ? 'true' : 'false',
                onclick: () => select(e),
                ondblclick: () => e.conflictId !== undefined && this.#openConflict(e.conflictId),
                onkeydown: (ev: Event) => key(ev as KeyboardEvent, i),
              },
              h('td', { class: 'seq' }, e.seq),
              h('td', { class: 'time', title: e.at }, e.at.replace(/^\d{4}-\d\d-\d\dT/, '').replace(/Z$/, '')),
              ...lanes.map((l) =>
                l === e.replica
                  ? h('td', { class: 'lane on' }, h('span', { class: `ev ev-${e.type}`, title: e.text }, icon(EVENT_ICONS[e.type] ?? 'circle-small'), ' ', e.text))
                  : h('td', { class: 'lane' }, h('span', { class: 'rail' })),
              ),
            ),
          ),
        ),
      ),
    );
  }

  #detail(e: TimelineEventView): HTMLElement {
    return h(
      'div',
      null,
      h('h1', null, icon(EVENT_ICONS[e.type] ?? 'circle-small'), ` ${words(e.type)}`),
      h('p', null, e.text),
      h('dl', { class: 'facts' }, h('dt', null, 'Seq'), h('dd', null, e.seq), h('dt', null, 'At'), h('dd', { class: 'mono' }, e.at), h('dt', null, 'Lane'), h('dd', null, e.replica),
        ...Object.entries(e.details).flatMap(([k, v]) => [h('dt', null, k), h('dd', { class: 'mono' }, cellText(v))])),
      e.conflictId !== undefined
        ? h('vscode-button', { class: 'open-conflict', 'data-key': 'open-conflict', icon: 'git-merge', onclick: () => this.#openConflict(e.conflictId!) }, `Open Conflict #${e.conflictId}`)
        : null,
    );
  }

  #openConflict(id: number): void {
    void this.client.request(openConflictRequest, { id }).catch(() => undefined);
  }
}
