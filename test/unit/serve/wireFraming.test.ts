import assert from 'node:assert/strict';
import { copyFromStdinKind } from '../../../src/db/serve/copyFromStdin';
import { StatementNames } from '../../../src/db/serve/statementNames';
import { queryMessage, readFirstMessage, readMessages, scanBackend, statementText, type FrontendMessage } from '../../../src/db/serve/wireMessages';

const q = (sql: string): FrontendMessage => ({ type: 'Q', frame: queryMessage(sql) });

describe('wire framing of the localhost server', () => {
  it('reassembles messages split across TCP chunks at any byte', () => {
    const stream = Buffer.concat([queryMessage('SELECT 1'), queryMessage('SELECT ' + 'x'.repeat(300))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const first = readMessages(stream.subarray(0, cut));
      const second = readMessages(Buffer.concat([first.rest, stream.subarray(cut)]));
      const all = [...first.messages, ...second.messages].map((m) => statementText(m));
      assert.deepEqual(all, ['SELECT 1', 'SELECT ' + 'x'.repeat(300)], `cut at ${cut}`);
      assert.equal(second.rest.length, 0);
    }
  });

  it('reads the startup packet parameters and waits for a complete one', () => {
    const body = Buffer.from('user\0app\0database\0postgres\0\0');
    const packet = Buffer.alloc(8 + body.length);
    packet.writeInt32BE(packet.length, 0);
    packet.writeInt32BE(196608, 4);
    body.copy(packet, 8);
    assert.equal(readFirstMessage(packet.subarray(0, 10)), undefined);
    const r = readFirstMessage(packet)!;
    assert.equal(r.message.kind, 'startup');
    assert.deepEqual(r.message.kind === 'startup' && Object.fromEntries(r.message.params), { user: 'app', database: 'postgres' });
  });

  it('finds the transaction status and command tags in the database answer, and drops what it is told to', () => {
    const msg = (t: string, body: Buffer) => {
      const h = Buffer.alloc(5);
      h.write(t, 0, 'latin1');
      h.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([h, body]);
    };
    const out = Buffer.concat([msg('G', Buffer.from([0, 0, 0])), msg('C', Buffer.from('COPY 2\0')), msg('Z', Buffer.from('T'))]);
    const scan = scanBackend(out, ['G']);
    assert.equal(scan.status, 'T');
    assert.deepEqual(scan.tags, ['COPY 2']);
    assert.equal(scan.bytes.length, out.length - 8);
    assert.equal(scan.bytes[0], 'C'.charCodeAt(0));
  });

  it('tells a lone COPY FROM STDIN from mixed ones and from text that only mentions it', () => {
    assert.equal(copyFromStdinKind(q('COPY todo (id, title) FROM STDIN')), 'alone');
    assert.equal(copyFromStdinKind(q('-- load\n/* rows */ copy todo from stdin with (format csv);')), 'alone');
    assert.equal(copyFromStdinKind(q('BEGIN; COPY todo FROM STDIN; COMMIT')), 'mixed');
    assert.equal(copyFromStdinKind(q("SELECT 'copy todo from stdin'")), undefined);
    assert.equal(copyFromStdinKind(q('COPY todo TO STDOUT')), undefined);
  });

  it('prefixes named statements and portals per client, leaves unnamed ones alone, and forgets closed ones', () => {
    const names = new StatementNames('_c7_');
    const parse = (name: string) => {
      const body = Buffer.concat([Buffer.from(`${name}\0SELECT 1\0`), Buffer.from([0, 0])]);
      const h = Buffer.alloc(5);
      h.write('P', 0, 'latin1');
      h.writeInt32BE(body.length + 4, 1);
      return { type: 'P', frame: Buffer.concat([h, body]) };
    };
    const named = names.rewrite(parse('s0'));
    assert.equal(named.frame.subarray(5).toString('utf8').split('\0')[0], '_c7_s0');
    assert.equal(named.frame.readInt32BE(1), named.frame.length - 1, 'the length is rewritten too');
    assert.equal(statementText(named), 'SELECT 1');
    const unnamed = parse('');
    assert.equal(names.rewrite(unnamed), unnamed);
    assert.deepEqual([...names.prepared], ['_c7_s0']);
    assert.equal(names.closeAll().length, 1);
  });
});
