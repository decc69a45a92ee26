import { redact } from '../core/connections/redact';
import type { AnyMessageType, NotificationType, Payload, RequestType } from './descriptors';
import { RpcError } from './rpcError';
import { envelopeSchema, RpcErrorCodes, type Envelope, type RequestEnvelope, type WireError } from './wire';

/** Something to remove a registration with. Structurally a vscode.Disposable. */
export interface Registration {
  dispose(): void;
}

export interface RpcEndpointOptions {
  /** Messages this side accepts. Anything else is rejected (and a request gets an error reply). */
  readonly accepts: readonly AnyMessageType[];
  /** Sends one envelope to the other side. The envelope is already plain JSON. */
  readonly post: (message: Envelope) => void;
  /** Where rejected messages are reported. They are never executed. */
  readonly log: (message: string) => void;
  /** Default time to wait for a response; 0 waits forever. */
  readonly requestTimeoutMs?: number;
  /** Prefix of this side's request ids; random by default so a reloaded page never reuses an id. */
  readonly idPrefix?: string;
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: RpcError) => void;
  readonly validate: (result: unknown) => { ok: true; value: unknown } | { ok: false; message: string };
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

type Handler = (params: any) => unknown;

/**
 * One side of a host ↔ webview channel: typed requests with exactly one reply each, notifications, and a
 * validation gate for everything that arrives. The same class runs in the extension host and in the webview.
 */
export class RpcEndpoint {
  readonly #opts: RpcEndpointOptions;
  readonly #accepts: Map<string, AnyMessageType>;
  readonly #requestHandlers = new Map<string, Handler>();
  readonly #notificationHandlers = new Map<string, Set<Handler>>();
  readonly #pending = new Map<string, Pending>();
  /** Ids of requests received so far: a replayed id is never executed (nor answered) twice. */
  readonly #seenIds = new Set<string>();
  readonly #idPrefix: string;
  #nextId = 1;
  #disposed = false;

  constructor(opts: RpcEndpointOptions) {
    this.#opts = opts;
    this.#accepts = new Map(opts.accepts.map((d) => [d.method, d]));
    this.#idPrefix = opts.idPrefix ?? randomId();
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Answers `desc` requests. One handler per method; its return value (or thrown error) is the one reply. */
  handle<P extends Payload, R extends Payload>(desc: RequestType<P, R>, fn: (params: P) => NoInfer<R> | Promise<NoInfer<R>>): Registration {
    this.#assertAccepted(desc);
    if (this.#requestHandlers.has(desc.method)) throw new Error(`a handler for ${desc.method} is already registered`);
    this.#requestHandlers.set(desc.method, fn);
    return { dispose: () => this.#requestHandlers.get(desc.method) === fn && this.#requestHandlers.delete(desc.method) };
  }

  /** Listens to `desc` notifications. */
  onNotification<P extends Payload>(desc: NotificationType<P>, fn: (params: P) => void): Registration {
    this.#assertAccepted(desc);
    let set = this.#notificationHandlers.get(desc.method);
    if (!set) this.#notificationHandlers.set(desc.method, (set = new Set()));
    set.add(fn);
    return { dispose: () => set.delete(fn) };
  }

  /** Sends a request; resolves with the validated result, rejects with an RpcError. */
  request<P extends Payload, R extends Payload>(
    desc: RequestType<P, R>,
    params: NoInfer<P>,
    options: { timeoutMs?: number } = {},
  ): Promise<R> {
    if (this.#disposed) return Promise.reject(new RpcError('the panel is closed', RpcErrorCodes.disposed, desc.method));
    const id = `${this.#idPrefix}:${this.#nextId++}`;
    const timeoutMs = options.timeoutMs ?? this.#opts.requestTimeoutMs ?? 30_000;
    return new Promise<R>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              if (!this.#pending.delete(id)) return;
              reject(new RpcError(`${desc.method} got no reply within ${timeoutMs} ms`, RpcErrorCodes.timeout, desc.method));
            }, timeoutMs)
          : undefined;
      this.#pending.set(id, {
        method: desc.method,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
        validate: (result) => {
          const r = desc.result.safeParse(result);
          return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.message };
        },
      });
      this.#send({ kind: 'request', id, method: desc.method, params: params as unknown });
    });
  }

  /** Sends a notification. */
  notify<P extends Payload>(desc: NotificationType<P>, params: NoInfer<P>): void {
    if (this.#disposed) return;
    this.#send({ kind: 'notification', method: desc.method, params: params as unknown });
  }

  /**
   * Takes one raw incoming message. Returns whether it was accepted; a rejected message is logged and never
   * executed, and a rejected request that carries a usable id gets an error reply.
   */
  receive(raw: unknown): boolean {
    if (this.#disposed) {
      this.#reject(raw, 'the panel is disposed');
      return false;
    }
    const id = requestIdOf(raw);
    if (id !== undefined) {
      if (this.#seenIds.has(id)) {
        // a second reply would break "exactly one reply per request", so a replay gets none
        this.#reject(raw, `request id ${id} was already used`);
        return false;
      }
      this.#seenIds.add(id);
    }
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      this.#reject(raw, `malformed message: ${firstIssue(parsed.error)}`);
      if (id !== undefined) this.#replyError(id, { message: 'malformed request', code: RpcErrorCodes.invalidRequest });
      return false;
    }
    const msg = parsed.data;
    switch (msg.kind) {
      case 'request':
        return this.#receiveRequest(msg);
      case 'notification':
        return this.#receiveNotification(msg.method, msg.params);
      case 'response':
        return this.#receiveResponse(msg);
    }
  }

  /** Stops everything: pending requests reject, later messages are rejected, handlers are dropped. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const [, p] of this.#pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new RpcError('the panel was closed before it replied', RpcErrorCodes.disposed, p.method));
    }
    this.#pending.clear();
    this.#requestHandlers.clear();
    this.#notificationHandlers.clear();
  }

  #receiveRequest(msg: RequestEnvelope): boolean {
    const desc = this.#accepts.get(msg.method);
    const handler = this.#requestHandlers.get(msg.method);
    if (!desc || desc.kind !== 'request' || !handler) {
      this.#reject(msg, `unknown request method ${msg.method}`);
      this.#replyError(msg.id, { message: `unknown method ${msg.method}`, code: RpcErrorCodes.methodNotFound });
      return false;
    }
    const params = desc.params.safeParse(msg.params);
    if (!params.success) {
      this.#reject(msg, `invalid params for ${msg.method}: ${firstIssue(params.error)}`);
      this.#replyError(msg.id, { message: `invalid params: ${firstIssue(params.error)}`, code: RpcErrorCodes.invalidParams });
      return false;
    }
    void this.#run(msg.id, msg.method, handler, params.data);
    return true;
  }

  async #run(id: string, method: string, handler: Handler, params: unknown): Promise<void> {
    let reply: Envelope;
    try {
      const result = await handler(params);
      reply = { kind: 'response', id, result };
    } catch (e) {
      this.#opts.log(`request ${method} failed: ${e instanceof Error ? e.message : String(e)}`);
      reply = { kind: 'response', id, error: toWireError(e) };
    }
    // the panel may have closed while the handler ran: nobody is left to read the reply
    if (!this.#disposed) this.#send(reply);
  }

  #receiveNotification(method: string, rawParams: unknown): boolean {
    const desc = this.#accepts.get(method);
    if (!desc || desc.kind !== 'notification') {
      this.#reject({ method }, `unknown notification ${method}`);
      return false;
    }
    const params = desc.params.safeParse(rawParams);
    if (!params.success) {
      this.#reject({ method }, `invalid params for ${method}: ${firstIssue(params.error)}`);
      return false;
    }
    for (const fn of [...(this.#notificationHandlers.get(method) ?? [])]) {
      try {
        fn(params.data);
      } catch (e) {
        this.#opts.log(`notification handler for ${method} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return true;
  }

  #receiveResponse(msg: Extract<Envelope, { kind: 'response' }>): boolean {
    const pending = this.#pending.get(msg.id);
    if (!pending) {
      this.#reject(msg, `response to unknown or already answered request ${msg.id}`);
      return false;
    }
    this.#pending.delete(msg.id);
    if (pending.timer) clearTimeout(pending.timer);
    if ('error' in msg) {
      pending.reject(RpcError.fromWire(msg.error, pending.method));
      return true;
    }
    const checked = pending.validate(msg.result);
    if (checked.ok) pending.resolve(checked.value);
    else pending.reject(new RpcError(`invalid result for ${pending.method}: ${checked.message}`, RpcErrorCodes.invalidResult, pending.method));
    return true;
  }

  #replyError(id: string, error: WireError): void {
    this.#send({ kind: 'response', id, error });
  }

  #send(message: Envelope): void {
    this.#opts.post(message);
  }

  #reject(raw: unknown, why: string): void {
    this.#opts.log(`rejected message (${why}): ${preview(raw)}`);
  }

  #assertAccepted(desc: AnyMessageType): void {
    if (this.#accepts.get(desc.method) !== desc) throw new Error(`${desc.method} is not in this endpoint's protocol`);
  }
}

/** The id of something that claims to be a request, if it has a usable one (so a malformed request can be answered). */
function requestIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { kind?: unknown; id?: unknown };
  return r.kind === 'request' && typeof r.id === 'string' && r.id.length > 0 && r.id.length <= 128 ? r.id : undefined;
}

/** A handler's error as the other side sees it; redacted, since it may quote a connection string. */
function toWireError(e: unknown): WireError {
  const message = redact(e instanceof Error ? e.message : String(e));
  const code = typeof (e as { code?: unknown } | null)?.code === 'string' ? (e as { code: string }).code : RpcErrorCodes.handlerFailed;
  return { message, code };
}

function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const i = error.issues[0];
  return i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid';
}

function preview(raw: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(raw) ?? String(raw);
  } catch {
    s = String(raw);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
