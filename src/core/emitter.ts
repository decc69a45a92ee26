import type { IDisposable } from './dispose';

/** A tiny typed event emitter for the core (the core cannot use vscode.EventEmitter). */
export class Emitter<T> implements IDisposable {
  #listeners = new Set<(value: T) => void>();

  /** Subscribe; dispose the result to unsubscribe. Same shape as vscode.Event. */
  readonly event = (listener: (value: T) => void): IDisposable => {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.#listeners]) {
      try {
        l(value);
      } catch (e) {
        // a listener's bug must not break the emitter or the other listeners
        console.error('listener failed', e);
      }
    }
  }

  dispose(): void {
    this.#listeners.clear();
  }
}
