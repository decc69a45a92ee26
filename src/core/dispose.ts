/** Anything that holds resources. Structurally compatible with `vscode.Disposable`. */
export interface IDisposable {
  dispose(): void;
}

/**
 * A base that owns child disposables and releases them in reverse order, once. Group disposables by lifetime:
 * the extension, a playground, a connection, a panel.
 */
export abstract class Disposable implements IDisposable {
  #disposed = false;
  readonly #children: IDisposable[] = [];

  protected get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Registers `d` to be disposed with this object (immediately, if this is already disposed). */
  protected _register<T extends IDisposable>(d: T): T {
    if (this.#disposed) d.dispose();
    else this.#children.push(d);
    return d;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const errors: unknown[] = [];
    for (const d of this.#children.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'Errors while disposing');
  }
}

/** A disposable from a callback. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return { dispose: () => (done ? undefined : ((done = true), fn())) };
}
