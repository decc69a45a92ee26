import type { SqlPort } from '../sql';
import { Emitter } from '../emitter';
import type { IDisposable } from '../dispose';

/**
 * A database the SQL playground can run on: the embedded playground database, a replica or the hub of the
 * replication playground, a saved PostgreSQL connection. Features register their own targets.
 */
export interface QueryTarget {
  /** Stable id, kept in settings and history: "playground", "replica:A", "connection:prod-ro". */
  readonly id: string;
  /** What the user sees in the status bar, CodeLens and `-- target:` comments: "Playground (PGlite)", "replica A". */
  readonly label: string;
  /** Second line in the picker: "PGlite in global storage", "host:5432/db". */
  readonly description?: string;
  /**
   * The database. The target owns it: the SQL playground never closes the port, only the sessions it opens
   * on it (on pg, one held connection per target).
   */
  open(): Promise<SqlPort>;
}

/** The targets of the SQL playground, by id. */
export class TargetRegistry {
  readonly #targets = new Map<string, QueryTarget>();
  readonly #changed = new Emitter<void>();
  /** Fires when a target is added or removed. */
  readonly onDidChange: Emitter<void>['event'] = this.#changed.event;

  /** Adds (or replaces, by id) a target. Dispose the result to remove it. */
  register(target: QueryTarget): IDisposable {
    this.#targets.set(target.id, target);
    this.#changed.fire();
    return {
      dispose: () => {
        if (this.#targets.get(target.id) === target) {
          this.#targets.delete(target.id);
          this.#changed.fire();
        }
      },
    };
  }

  get(id: string): QueryTarget | undefined {
    return this.#targets.get(id);
  }

  list(): QueryTarget[] {
    return [...this.#targets.values()];
  }

  /** The target a `-- target: name` comment names: by id, else by label, case-insensitive. */
  find(name: string): QueryTarget | undefined {
    const n = name.trim().toLowerCase();
    return this.list().find((t) => t.id.toLowerCase() === n) ?? this.list().find((t) => t.label.toLowerCase() === n);
  }
}

/** The target a script pins with a first-line comment, `-- target: replica A`; undefined when it pins none. */
export function pinnedTargetName(script: string): string | undefined {
  const first = /^\uFEFF?[ \t]*--[ \t]*target[ \t]*:[ \t]*(.+?)[ \t]*\r?$/im.exec(script.split('\n', 1)[0] ?? '');
  return first?.[1] || undefined;
}
