/**
 * A tiny element builder for the replication panels (queue, conflicts, timeline): they re-render from each full
 * snapshot, so plain DOM building is enough — no framework, nothing to keep in sync.
 */
type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A codicon. */
export const icon = (name: string, title?: string) => h('span', { class: `codicon codicon-${name}`, 'aria-hidden': title ? undefined : 'true', title });

/** A JSON cell value as a person reads it: NULL, text as is, everything else as JSON. */
export function cellText(v: unknown): string {
  if (v === null) return 'NULL';
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function cell(v: unknown, cls = ''): HTMLElement {
  return h('td', { class: `${cls}${v === null ? ' null' : ''}`.trim(), title: cellText(v) }, cellText(v));
}

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `last_writer_wins` → `last writer wins`. */
export const words = (id: string) => id.replaceAll('_', ' ');
