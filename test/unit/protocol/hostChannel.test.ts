import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineNotification, definePanelProtocol, defineRequest } from '../../../src/protocol/descriptors';
import { HostChannel } from '../../../src/protocol/hostChannel';
import type { Envelope } from '../../../src/protocol/wire';

const snapshot = defineNotification('test/snapshot', z.object({ version: z.number() }));
const echo = defineRequest('test/echo', z.string(), z.string());
const protocol = definePanelProtocol({ toHost: [echo], toWebview: [snapshot] });
const ready = { kind: 'notification', method: 'webview/ready' };

function channel() {
  const posted: Envelope[] = [];
  const readies: boolean[] = [];
  const ch = new HostChannel({ protocol, post: (m) => posted.push(m), log: () => undefined, onReady: (reload) => readies.push(reload) });
  const versions = () => posted.filter((m) => m.kind === 'notification').map((m) => (m as { params: { version: number } }).params.version);
  return { ch, posted, readies, versions };
}

describe('protocol: HostChannel (ready handshake)', () => {
  it('queues notifications until the webview is ready, then flushes them in order', () => {
    const { ch, versions, readies } = channel();
    ch.notify(snapshot, { version: 1 });
    ch.notify(snapshot, { version: 2 });
    assert.deepEqual(versions(), []);
    ch.receive(ready);
    assert.deepEqual(versions(), [1, 2]);
    assert.deepEqual(readies, [false]);
    ch.notify(snapshot, { version: 3 });
    assert.deepEqual(versions(), [1, 2, 3]);
  });

  it('on a second ready (the page reloaded) drops stale queued deltas and asks for the latest snapshot', () => {
    const { ch, versions, readies } = channel();
    ch.receive(ready);
    ch.markNotReady();
    ch.notify(snapshot, { version: 7 });
    assert.deepEqual(versions(), []);
    ch.receive(ready);
    assert.deepEqual(readies, [false, true]);
    assert.deepEqual(versions(), []);
  });

  it('answers requests even before ready', async () => {
    const { ch, posted } = channel();
    ch.handle(echo, (s) => s.toUpperCase());
    ch.receive({ kind: 'request', id: 'w:1', method: 'test/echo', params: 'hi' });
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(posted, [{ kind: 'response', id: 'w:1', result: 'HI' }]);
  });

  it('rejects everything once disposed', () => {
    const { ch, readies } = channel();
    ch.dispose();
    assert.equal(ch.receive(ready), false);
    assert.deepEqual(readies, []);
  });
});
