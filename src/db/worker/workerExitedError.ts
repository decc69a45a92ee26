/** The database worker stopped while calls were pending or before it was closed (a crash, an abort, a kill). */
export class WorkerExitedError extends Error {
  readonly reason = 'worker-exited' as const;
  constructor(
    /** The database, for messages: its folder or "in-memory database". */
    readonly database: string,
    readonly exitCode: number | undefined,
    cause?: unknown,
  ) {
    super(
      `The database worker for ${database} stopped unexpectedly` +
        (exitCode !== undefined ? ` (exit code ${exitCode})` : '') +
        (cause instanceof Error ? `: ${cause.message}` : '') +
        '. Pending statements were not completed; open the database again to continue.',
      cause !== undefined ? { cause } : undefined,
    );
    this.name = 'WorkerExitedError';
  }
  static is(e: unknown): e is WorkerExitedError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'worker-exited';
  }
}
