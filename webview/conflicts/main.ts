// first: it must run before any zod schema is built
import '../shared/zodJitless';
import './conflicts.css';
import { conflictsProtocol, conflictsSnapshotNotification } from '../../src/protocol/conflictsProtocol';
import { createClient } from '../shared/client';
import { ConflictsApp, type ConflictsUiState } from './conflictsApp';
import { defineReplicationElements } from './elements';

void defineReplicationElements();
const client = createClient<ConflictsUiState>(conflictsProtocol);
const app = new ConflictsApp(document.getElementById('app')!, client);
client.onNotification(conflictsSnapshotNotification, (s) => app.show(s));
client.ready();
