import type { WireError } from './wire';

/** A request that ended in an error reply (or in no reply: timeout, disposal). */
export class RpcError extends Error {
  readonly reason = 'rpc' as const;

  constructor(
    message: string,
    /** RpcErrorCodes value, or the handler's own code (e.g. a SQLSTATE). */
    readonly code: string | undefined,
    /** The method that was called, for logs. */
    readonly method: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static is(e: unknown): e is RpcError {
    return e instanceof RpcError || (e instanceof Error && (e as { reason?: unknown }).reason === 'rpc');
  }

  static fromWire(error: WireError, method: string): RpcError {
    return new RpcError(error.message, error.code, method);
  }
}
