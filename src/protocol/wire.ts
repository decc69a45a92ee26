import { z } from 'zod';

/**
 * What may cross the host ↔ webview boundary: JSON values only. Payload types are constrained to this, so a Date,
 * a bigint, a Map or a class instance cannot be typed into a message by accident; the sender converts them
 * explicitly first (src/core/query does it for SQL values). `undefined` is allowed only as an absent property.
 */
export type WireValue =
  | null
  | boolean
  | number
  | string
  | readonly WireValue[]
  | { readonly [key: string]: WireValue | undefined };

/** Request ids are strings: a random per-endpoint prefix plus a counter, so a reloaded webview never reuses one. */
const requestId = z.string().min(1).max(128);
const method = z.string().min(1).max(128);

/** A call that expects exactly one response with the same id. */
export const requestEnvelopeSchema = z
  .object({
    kind: z.literal('request'),
    id: requestId,
    method,
    /** Absent for requests without parameters. */
    params: z.unknown().optional(),
  })
  .strict();

/** The failure half of a response. `code` is machine-readable (see RpcErrorCodes, or a SQLSTATE). */
export const wireErrorSchema = z
  .object({
    message: z.string(),
    code: z.string().optional(),
  })
  .strict();

const successResponseSchema = z
  .object({
    kind: z.literal('response'),
    id: requestId,
    /** Absent when the request returns nothing. */
    result: z.unknown().optional(),
  })
  .strict();

const errorResponseSchema = z
  .object({
    kind: z.literal('response'),
    id: requestId,
    error: wireErrorSchema,
  })
  .strict();

/** The one reply to a request: a result or an error, never both. */
export const responseEnvelopeSchema = z.union([errorResponseSchema, successResponseSchema]);

/** A one-way message; no reply. */
export const notificationEnvelopeSchema = z
  .object({
    kind: z.literal('notification'),
    method,
    params: z.unknown().optional(),
  })
  .strict();

export const envelopeSchema = z.union([requestEnvelopeSchema, responseEnvelopeSchema, notificationEnvelopeSchema]);

export type RequestEnvelope = z.output<typeof requestEnvelopeSchema>;
export type ResponseEnvelope = z.output<typeof responseEnvelopeSchema>;
export type NotificationEnvelope = z.output<typeof notificationEnvelopeSchema>;
export type Envelope = RequestEnvelope | ResponseEnvelope | NotificationEnvelope;
export type WireError = z.output<typeof wireErrorSchema>;

/** Error codes the runtime itself produces. Handlers may use their own (a SQLSTATE, say). */
export const RpcErrorCodes = {
  /** The message had an id but was not a well-formed request. */
  invalidRequest: 'rpc/invalid-request',
  /** No such method in this side's protocol, or no handler registered for it. */
  methodNotFound: 'rpc/method-not-found',
  /** Params failed the method's schema. */
  invalidParams: 'rpc/invalid-params',
  /** The handler threw something without a code of its own. */
  handlerFailed: 'rpc/handler-failed',
  /** The response's result failed the method's result schema. */
  invalidResult: 'rpc/invalid-result',
  /** No response within the timeout. */
  timeout: 'rpc/timeout',
  /** The endpoint (panel) was disposed before the response arrived. */
  disposed: 'rpc/disposed',
} as const;
