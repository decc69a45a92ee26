/**
 * Typed errors. Each has a `reason` and a static `is()`, so callers branch on kinds, not on message text.
 * The user sees errors only at the adapter layer (src/vscode), worded there.
 */

/** An error raised by a database. Keeps the SQL and parameters that caused it and Postgres' diagnostics. */
export class DbError extends Error {
  readonly reason = 'db' as const;
  /** SQLSTATE, e.g. 23505 unique_violation, 42601 syntax_error. */
  readonly code: string | undefined;
  /** 1-based character position in `sql` where Postgres located the error, when it did. */
  readonly position: number | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly severity: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(
    message: string,
    readonly sql: string,
    readonly params: readonly unknown[] | undefined,
    diag: {
      code?: string;
      position?: number | string;
      detail?: string;
      hint?: string;
      severity?: string;
      constraint?: string;
      table?: string;
      column?: string;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbError';
    this.code = diag.code || undefined;
    const pos = diag.position === undefined || diag.position === '' ? undefined : Number(diag.position);
    this.position = pos !== undefined && Number.isFinite(pos) ? pos : undefined;
    this.detail = diag.detail || undefined;
    this.hint = diag.hint || undefined;
    this.severity = diag.severity || undefined;
    this.constraint = diag.constraint || undefined;
    this.table = diag.table || undefined;
    this.column = diag.column || undefined;
  }

  static is(e: unknown): e is DbError {
    return e instanceof DbError || (e instanceof Error && (e as { reason?: unknown }).reason === 'db');
  }

  /** Converts any error a driver throws into a DbError that keeps the statement. */
  static from(e: unknown, sql: string, params?: readonly unknown[]): DbError {
    if (DbError.is(e)) return e;
    if (e instanceof Error) {
      const x = e as Error & Record<string, unknown>;
      const str = (k: string) => (typeof x[k] === 'string' ? (x[k] as string) : undefined);
      return new DbError(
        e.message,
        sql,
        params,
        {
          code: str('code'),
          position: (x.position as string | number | undefined) ?? undefined,
          detail: str('detail'),
          hint: str('hint'),
          severity: str('severity'),
          constraint: str('constraint'),
          table: str('table'),
          column: str('column'),
        },
        { cause: e },
      );
    }
    return new DbError(String(e), sql, params);
  }
}

/** The database was closed, or is not there any more. */
export class ClosedError extends Error {
  readonly reason = 'closed' as const;
  constructor(what: string) {
    super(`${what} is closed.`);
    this.name = 'ClosedError';
  }
  static is(e: unknown): e is ClosedError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'closed';
  }
}

/** Input from a user or a file that does not have the expected shape. `path` names the field. */
export class InvalidInputError extends Error {
  readonly reason = 'invalid-input' as const;
  constructor(
    message: string,
    readonly path?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
  static is(e: unknown): e is InvalidInputError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'invalid-input';
  }
}
