// first: it must run before any zod schema is built
import '../shared/zodJitless';
import './results.css';
import { appendRowsNotification, inspectRequest, resultsProtocol, showRunNotification } from '../../src/protocol/resultsProtocol';
import { createClient } from '../shared/client';
import { defineElements } from '../shared/elements';
import { ResultsApp } from './resultsApp';
import { ResultsStore } from './resultsStore';
import type { ResultsUiState } from './viewState';

void defineElements();
const client = createClient<ResultsUiState>(resultsProtocol);
const store = new ResultsStore();
const app = new ResultsApp(document.getElementById('app')!, store, client);
client.onNotification(showRunNotification, (run) => store.showRun(run));
client.onNotification(appendRowsNotification, (page) => store.appendRows(page));
client.handle(inspectRequest, () => app.inspect());
client.ready();
