/**
 * Entry of a database worker thread (bundled as dist/pgliteWorker.js). One PGlite per worker, so initdb, WAL
 * replay and every query run off the extension host's thread. The host side is src/db/worker/workerPort.ts.
 */
import { PGlite } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerOpenData, WorkerReply, WorkerRequest } from './worker/protocol';
import { WorkerServer } from './worker/workerServer';
import { serializeError } from './worker/wireErrors';
import { pgliteTemplate } from './template';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pgliteWorker must run in a worker thread.');
  const data = workerData as WorkerOpenData;
  const send = (m: WorkerReply) => port.postMessage(m);
  let db: PGlite;
  try {
    // in-memory databases start from the template tarball; a disk folder was filled from the template dir by the host
    const loadDataDir = data.fromTemplate && !data.dataDir ? await pgliteTemplate() : undefined;
    db = await PGlite.create({
      ...(data.dataDir ? { dataDir: data.dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      ...(data.initialMemory ? { initialMemory: data.initialMemory } : {}),
      ...(data.settings
        ? { startParams: [...PGlite.defaultStartParams, ...Object.entries(data.settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])] }
        : {}),
      relaxedDurability: data.relaxedDurability ?? false,
      pgliteWasmModule: data.pgliteWasmModule,
      initdbWasmModule: data.initdbWasmModule,
      fsBundle: data.fsBundle,
    });
  } catch (e) {
    send({ id: 'openFailed', error: serializeError(e) });
    return;
  }
  const server = new WorkerServer(db, port, () => port.close());
  port.on('message', (req: WorkerRequest) => server.handle(req));
  send({ id: 'ready' });
}

void main();
