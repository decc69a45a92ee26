import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AnyMessageType, PanelProtocol } from '../../../src/protocol/descriptors';
import { RpcEndpoint } from '../../../src/protocol/rpcEndpoint';
import { conflictsProtocol } from '../../../src/protocol/conflictsProtocol';
import { queueProtocol } from '../../../src/protocol/queueProtocol';
import { resultsProtocol } from '../../../src/protocol/resultsProtocol';
import { timelineProtocol } from '../../../src/protocol/timelineProtocol';
import type { Envelope } from '../../../src/protocol/wire';

/**
 * What a hostile or buggy webview can send the host, fuzzed against the real endpoint and every panel's real
 * protocol: garbage, wrong shapes, unknown methods, wrong parameter types, replayed ids, messages to a disposed
 * (stale) panel. The host's handlers record every call. Properties: a handler runs only for a well-formed message
 * of a method the panel accepts, with parameters its schema accepts, at most once per request id, never after
 * dispose; every request with a usable id gets exactly one reply; every rejected message is logged.
 */
const RUNS = Number(process.env.SYNC_FUZZ_RUNS ?? 300);
const PANELS: Record<string, PanelProtocol> = { results: resultsProtocol, queue: queueProtocol, conflicts: conflictsProtocol, timeline: timelineProtocol };

const KEYS = ['id', 'opId', 'runId', 'replica', 'strategy', 'action', 'choice', 'row', 'offset', 'count', 'format', 'path', 'kind', 'column', 'rowIndex', '__proto__', 'constructor'];
const VALUES = fc.oneof(
  fc.constantFrom('A', 'run-1', 'A:1', 'hub', 'step', 'continue', 'incoming', 'last_writer_wins', 'csv', '', 'x"; DROP TABLE y; --', '\u0000', '💥'),
  fc.integer({ min: -2, max: 5 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
const paramsArb = fc.oneof(
  fc.constant(undefined),
  fc.record({ id: fc.integer({ min: -1, max: 3 }), strategy: VALUES, action: VALUES }, { requiredKeys: [] }),
  fc.record({ opId: VALUES, replica: VALUES, runId: VALUES }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom(...KEYS), VALUES, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2 }),
);

function messageArb(methods: readonly string[]) {
  const method = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...methods) }, { weight: 1, arbitrary: fc.string({ maxLength: 140 }) });
  const id = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('w:1', 'w:2', 'w:3', 'w:4', 'w:5') }, { weight: 1, arbitrary: fc.string({ maxLength: 130 }) }, { weight: 1, arbitrary: fc.anything() });
  const envelope = fc.record(
    {
      kind: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('request', 'notification', 'response') }, { weight: 1, arbitrary: fc.anything() }),
      id,
      method,
      params: paramsArb,
      result: fc.jsonValue({ maxDepth: 1 }),
      extra: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: ['kind'] },
  );
  // well-shaped envelopes of the panel's own methods, so that valid messages are common and the gate is tested both ways
  const shaped = fc
    .record({ kind: fc.constantFrom('request', 'notification'), id, method: fc.constantFrom(...methods), params: paramsArb })
    .map(({ kind, id: i, method: m, params }) => (kind === 'request' ? { kind, id: i, method: m, params } : { kind, method: m, params }));
  return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 4, arbitrary: envelope }, { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) });
}

function wellFormed(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o);
  const str = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 128;
  if (o.kind === 'request') return str(o.id) && str(o.method) && keys.every((k) => ['kind', 'id', 'method', 'params'].includes(k));
  if (o.kind === 'notification') return str(o.method) && keys.every((k) => ['kind', 'method', 'params'].includes(k));
  return false;
}

describe('security: hostile webview messages never run a handler and get exactly one reply per request', function () {
  this.timeout(120_000);
  for (const [panel, protocol] of Object.entries(PANELS)) {
    it(`${panel} panel: ${RUNS} random sessions`, async () => {
      const methods = protocol.toHost.map((d) => d.method);
      const byMethod = new Map<string, AnyMessageType>(protocol.toHost.map((d) => [d.method, d]));
      let handled = 0;
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(messageArb(methods), { maxLength: 30 }), fc.nat(30), async (messages, disposeAt) => {
          const out: Envelope[] = [];
          const logs: string[] = [];
          const calls: { method: string; params: unknown }[] = [];
          const host = new RpcEndpoint({ accepts: protocol.toHost, post: (m) => out.push(JSON.parse(JSON.stringify(m)) as Envelope), log: (s) => logs.push(s) });
          for (const d of protocol.toHost) {
            if (d.kind === 'request') host.handle(d, (p: unknown) => void calls.push({ method: d.method, params: p }) as never);
            else host.onNotification(d, (p: unknown) => void calls.push({ method: d.method, params: p }));
          }
          const seen = new Set<string>();
          const expectedCalls: string[] = [];
          const replyIds = new Set<string>();
          for (const [i, m] of messages.entries()) {
            const disposed = i >= disposeAt;
            if (i === disposeAt) host.dispose();
            const raw = m as { kind?: unknown; id?: unknown; method?: unknown; params?: unknown };
            const usableId = raw && typeof raw === 'object' && raw.kind === 'request' && typeof raw.id === 'string' && raw.id.length >= 1 && raw.id.length <= 128 ? raw.id : undefined;
            const replay = usableId !== undefined && seen.has(usableId);
            if (usableId !== undefined && !disposed) seen.add(usableId);
            const logsBefore = logs.length;
            const ok = host.receive(m);
            const desc = wellFormed(m) ? byMethod.get(raw.method as string) : undefined;
            const shouldRun = !disposed && !replay && !!desc && desc.kind === raw.kind && desc.params.safeParse(raw.params).success;
            assert.equal(ok, shouldRun, `message ${i} ${JSON.stringify(m)?.slice(0, 200)} accepted=${ok}`);
            if (shouldRun) expectedCalls.push(raw.method as string);
            else {
              assert.ok(logs.length > logsBefore, `message ${i} was rejected without a log line`);
              rejected++;
            }
            if (usableId !== undefined && !disposed && !replay) replyIds.add(usableId);
            // let a handler's reply go out before the next message (a dispose would rightly drop it)
            await new Promise((r) => setImmediate(r));
          }
          assert.deepEqual(calls.map((c) => c.method), expectedCalls, 'handlers ran for exactly the valid messages');
          for (const c of calls) assert.ok(byMethod.get(c.method)!.params.safeParse(c.params).success, `${c.method} ran with invalid params`);
          handled += calls.length;
          const ids = out.filter((e) => e.kind === 'response').map((e) => (e as { id: string }).id);
          assert.deepEqual([...ids].sort(), [...replyIds].sort(), 'every request with a usable id got exactly one reply, and nothing else did');
        }),
        { numRuns: RUNS },
      );
      console.log(`      ${panel}: ${handled} handler calls, ${rejected} messages rejected`);
      assert.ok(handled > 0 && rejected > 0, 'the fuzzer exercised only one side');
    });
  }
});

