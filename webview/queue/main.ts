// first: it must run before any zod schema is built
import '../shared/zodJitless';
import './queue.css';
import { queueProtocol, queueSnapshotNotification } from '../../src/protocol/queueProtocol';
import { defineReplicationElements } from '../conflicts/elements';
import { createClient } from '../shared/client';
import { QueueApp, type QueueUiState } from './queueApp';

void defineReplicationElements();
const client = createClient<QueueUiState>(queueProtocol);
const app = new QueueApp(document.getElementById('app')!, client);
client.onNotification(queueSnapshotNotification, (s) => app.show(s));
client.ready();
