import { z } from 'zod';
import type { WireValue } from './wire';

/** Payload types: JSON values, or nothing at all. */
export type Payload = WireValue | void;

/** A typed request: method name plus schemas for what goes in and what comes back. */
export interface RequestType<P extends Payload, R extends Payload> {
  readonly kind: 'request';
  readonly method: string;
  readonly params: z.ZodType<P>;
  readonly result: z.ZodType<R>;
}

/** A typed one-way message. */
export interface NotificationType<P extends Payload> {
  readonly kind: 'notification';
  readonly method: string;
  readonly params: z.ZodType<P>;
}

export type AnyRequestType = RequestType<any, any>;
export type AnyNotificationType = NotificationType<any>;
export type AnyMessageType = AnyRequestType | AnyNotificationType;

export type ParamsOf<D> = D extends RequestType<infer P, any> ? P : D extends NotificationType<infer P> ? P : never;
export type ResultOf<D> = D extends RequestType<any, infer R> ? R : never;

/**
 * Declares a request. Types come from the schemas, so the compile-time type and the run-time check cannot drift:
 * `defineRequest('results/fetchMore', z.object({ resultId: z.string() }), rowsPageSchema)`.
 */
export function defineRequest<P extends Payload, R extends Payload>(
  method: string,
  params: z.ZodType<P>,
  result: z.ZodType<R>,
): RequestType<P, R> {
  return { kind: 'request', method, params, result };
}

/** Declares a notification. */
export function defineNotification<P extends Payload>(method: string, params: z.ZodType<P>): NotificationType<P> {
  return { kind: 'notification', method, params };
}

/** For requests and notifications without parameters or without a result. */
export const noPayload = z.void();

/**
 * The webview says it has registered its handlers and can take messages. Sent once per page load, so a second
 * `ready` means the webview reloaded and lost its state: the host then sends its latest snapshot again.
 */
export const readyNotification = defineNotification('webview/ready', noPayload);

/**
 * What each side of one panel accepts. Anything else arriving is rejected. `ready` is part of every protocol.
 */
export interface PanelProtocol {
  /** Messages the webview sends and the host accepts. */
  readonly toHost: readonly AnyMessageType[];
  /** Messages the host sends and the webview accepts. */
  readonly toWebview: readonly AnyMessageType[];
}

export function definePanelProtocol(p: PanelProtocol): PanelProtocol {
  const dup = (list: readonly AnyMessageType[]) => list.map((d) => d.method).find((m, i, all) => all.indexOf(m) !== i);
  const toHost = p.toHost.includes(readyNotification) ? p.toHost : [readyNotification, ...p.toHost];
  const d = dup(toHost) ?? dup(p.toWebview);
  if (d) throw new Error(`protocol declares method ${d} twice`);
  return { toHost, toWebview: p.toWebview };
}
