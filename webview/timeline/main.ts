// first: it must run before any zod schema is built
import '../shared/zodJitless';
import './timeline.css';
import { timelineProtocol, timelineSnapshotNotification } from '../../src/protocol/timelineProtocol';
import { defineReplicationElements } from '../conflicts/elements';
import { createClient } from '../shared/client';
import { TimelineApp, type TimelineUiState } from './timelineApp';

void defineReplicationElements();
const client = createClient<TimelineUiState>(timelineProtocol);
const app = new TimelineApp(document.getElementById('app')!, client);
client.onNotification(timelineSnapshotNotification, (s) => app.show(s));
client.ready();
