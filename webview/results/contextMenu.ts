import { el } from './grid/gridHeader';

export interface MenuItem {
  readonly label: string;
  readonly keybinding?: string;
  readonly run: () => void;
}

/**
 * A small context menu in VS Code's look, replacing the browser's (which offers nothing useful on a grid).
 * Closes on Escape, on a click anywhere else, and on blur.
 */
export function showContextMenu(x: number, y: number, items: readonly MenuItem[], restoreFocus: HTMLElement): void {
  document.querySelector('.context-menu')?.remove();
  const menu = el('div', 'context-menu');
  menu.setAttribute('role', 'menu');
  menu.tabIndex = -1;
  const close = () => {
    menu.remove();
    window.removeEventListener('mousedown', outside, true);
    restoreFocus.focus();
  };
  const outside = (e: MouseEvent) => {
    if (!menu.contains(e.target as Node)) close();
  };
  const buttons = items.map((item) => {
    const b = el('button', 'context-menu-item');
    b.setAttribute('role', 'menuitem');
    const label = el('span', '');
    label.textContent = item.label;
    const key = el('span', 'context-menu-key');
    key.textContent = item.keybinding ?? '';
    b.append(label, key);
    b.addEventListener('click', () => {
      close();
      item.run();
    });
    return b;
  });
  menu.append(...buttons);
  menu.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowDown') buttons[(i + 1) % buttons.length]!.focus();
    else if (e.key === 'ArrowUp') buttons[(i - 1 + buttons.length) % buttons.length]!.focus();
    else return;
    e.preventDefault();
  });
  document.body.append(menu);
  // keep it on screen
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.min(x, window.innerWidth - r.width - 4)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - r.height - 4)}px`;
  window.addEventListener('mousedown', outside, true);
  buttons[0]?.focus();
}
