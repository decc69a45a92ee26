import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineNotification, defineRequest, noPayload } from '../../../src/protocol/descriptors';
import { RpcError } from '../../../src/protocol/rpcError';
import { RpcEndpoint } from '../../../src/protocol/rpcEndpoint';
import { RpcErrorCodes, type Envelope } from '../../../src/protocol/wire';

const add = defineRequest('math/add', z.object({ a: z.number(), b: z.number() }), z.number());
const fail = defineRequest('math/fail', noPayload, noPayload);
const slow = defineRequest('math/slow', noPayload, z.string());
const ping = defineNotification('ping', z.object({ n: z.number() }));

/** Two endpoints wired through JSON, the way postMessage serialises. Outboxes record what each side sent. */
function pair(opts: { timeoutMs?: number } = {}) {
  const sent = { a: [] as Envelope[], b: [] as Envelope[] };
  const logs: string[] = [];
  let a!: RpcEndpoint;
  let b!: RpcEndpoint;
  const wire = (m: Envelope) => JSON.parse(JSON.stringify(m)) as unknown;
  a = new RpcEndpoint({
    accepts: [ping],
    post: (m) => (sent.a.push(m), queueMicrotask(() => b.receive(wire(m)))),
    log: (s) => logs.push(`a: ${s}`),
    requestTimeoutMs: opts.timeoutMs ?? 0,
  });
  b = new RpcEndpoint({
    accepts: [add, fail, slow],
    post: (m) => (sent.b.push(m), queueMicrotask(() => a.receive(wire(m)))),
    log: (s) => logs.push(`b: ${s}`),
  });
  return { a, b, sent, logs };
}

/** An endpoint fed by hand; returns what it posts. */
function host() {
  const out: Envelope[] = [];
  const logs: string[] = [];
  const ep = new RpcEndpoint({ accepts: [add, ping], post: (m) => out.push(m), log: (s) => logs.push(s) });
  let calls = 0;
  ep.handle(add, ({ a, b }) => (calls++, a + b));
  return { ep, out, logs, calls: () => calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('protocol: RpcEndpoint', () => {
  it('answers a request with its typed result', async () => {
    const { a, b } = pair();
    b.handle(add, ({ a: x, b: y }) => x + y);
    assert.equal(await a.request(add, { a: 2, b: 40 }), 42);
  });

  it('turns a thrown error into an error reply that keeps its code', async () => {
    const { a, b } = pair();
    b.handle(fail, () => {
      throw Object.assign(new Error('relation "t" does not exist'), { code: '42P01' });
    });
    await assert.rejects(a.request(fail, undefined), (e: unknown) => {
      assert.ok(RpcError.is(e));
      assert.equal(e.message, 'relation "t" does not exist');
      assert.equal(e.code, '42P01');
      return true;
    });
  });

  it('an error reply never carries a password that the handler error quoted', async () => {
    const { a, b } = pair();
    b.handle(fail, () => {
      throw new Error('could not connect with postgres://app:S3cret-pw@db.example.test/shop');
    });
    await assert.rejects(a.request(fail, undefined), (e: unknown) => RpcError.is(e) && !e.message.includes('S3cret-pw') && /app:\*\*\*@db/.test(e.message));
  });

  it('sends exactly one reply per request, result or error', async () => {
    const { a, b, sent } = pair();
    b.handle(add, ({ a: x, b: y }) => x + y);
    b.handle(fail, () => Promise.reject(new Error('no')));
    await a.request(add, { a: 1, b: 1 });
    await a.request(fail, undefined).catch(() => undefined);
    const ids = sent.a.filter((m) => m.kind === 'request').map((m) => (m as { id: string }).id);
    const replies = sent.b.filter((m) => m.kind === 'response').map((m) => (m as { id: string }).id);
    assert.deepEqual(replies.sort(), ids.sort());
  });

  it('never executes a replayed request id, and does not answer it twice', async () => {
    const { ep, out, logs, calls } = host();
    const req = { kind: 'request', id: 'x:1', method: 'math/add', params: { a: 1, b: 2 } };
    ep.receive(req);
    assert.equal(ep.receive({ ...req }), false);
    await tick();
    assert.equal(calls(), 1);
    assert.equal(out.length, 1);
    assert.ok(logs.some((l) => l.includes('already used')));
  });

  it('answers a malformed request that has an id with an error, without executing anything', async () => {
    const { ep, out, calls } = host();
    assert.equal(ep.receive({ kind: 'request', id: 'x:1', method: 42 }), false);
    assert.equal(ep.receive({ kind: 'request', id: 'x:2', method: 'math/add', params: { a: 'one', b: 2 } }), false);
    assert.equal(ep.receive({ kind: 'request', id: 'x:3', method: 'math/nope', params: {} }), false);
    await tick();
    assert.equal(calls(), 0);
    assert.deepEqual(
      out.map((m) => [(m as { id: string }).id, (m as { error?: { code?: string } }).error?.code]),
      [
        ['x:1', RpcErrorCodes.invalidRequest],
        ['x:2', RpcErrorCodes.invalidParams],
        ['x:3', RpcErrorCodes.methodNotFound],
      ],
    );
  });

  it('drops and logs junk without replying', () => {
    const { ep, out, logs } = host();
    for (const junk of [null, 'ready', 42, {}, { kind: 'notification' }, { kind: 'notification', method: 'ping', params: { n: 'x' } }, { kind: 'response', id: 'nobody:1', result: 1 }]) {
      assert.equal(ep.receive(junk), false, JSON.stringify(junk));
    }
    assert.equal(out.length, 0);
    assert.equal(logs.length, 7);
  });

  it('delivers valid notifications to every listener', () => {
    const { ep } = host();
    const seen: number[] = [];
    ep.onNotification(ping, ({ n }) => seen.push(n));
    ep.onNotification(ping, ({ n }) => seen.push(n * 10));
    assert.equal(ep.receive({ kind: 'notification', method: 'ping', params: { n: 3 } }), true);
    assert.deepEqual(seen, [3, 30]);
  });

  it('rejects a result that does not match the result schema', async () => {
    const out: Envelope[] = [];
    const ep = new RpcEndpoint({ accepts: [], post: (m) => out.push(m), log: () => undefined });
    const p = ep.request(add, { a: 1, b: 1 });
    const id = (out[0] as { id: string }).id;
    ep.receive({ kind: 'response', id, result: 'two' });
    await assert.rejects(p, (e: unknown) => RpcError.is(e) && e.code === RpcErrorCodes.invalidResult);
  });

  it('times out a request that gets no reply', async () => {
    const ep = new RpcEndpoint({ accepts: [], post: () => undefined, log: () => undefined });
    await assert.rejects(ep.request(slow, undefined, { timeoutMs: 20 }), (e: unknown) => RpcError.is(e) && e.code === RpcErrorCodes.timeout);
  });

  it('after dispose: pending requests reject, incoming messages are rejected and never executed, no reply is sent', async () => {
    const { ep, out, calls } = host();
    const pending = ep.request(slow as never, undefined as never).catch((e: unknown) => e);
    const posted = out.length;
    ep.dispose();
    const e = await pending;
    assert.ok(RpcError.is(e) && e.code === RpcErrorCodes.disposed);
    assert.equal(ep.receive({ kind: 'request', id: 'x:9', method: 'math/add', params: { a: 1, b: 1 } }), false);
    await tick();
    assert.equal(calls(), 0);
    assert.equal(out.length, posted);
  });

  it('does not send the reply of a handler that finishes after the panel closed', async () => {
    const out: Envelope[] = [];
    const ep = new RpcEndpoint({ accepts: [slow], post: (m) => out.push(m), log: () => undefined });
    let finish!: (s: string) => void;
    ep.handle(slow, () => new Promise<string>((r) => (finish = r)));
    ep.receive({ kind: 'request', id: 'x:1', method: 'math/slow' });
    ep.dispose();
    finish('late');
    await tick();
    assert.deepEqual(out, []);
  });

  it('refuses to register a handler for a method outside its protocol', () => {
    const ep = new RpcEndpoint({ accepts: [], post: () => undefined, log: () => undefined });
    assert.throws(() => ep.handle(add, () => 0), /not in this endpoint's protocol/);
  });
});
