import { z } from 'zod';
import { defineNotification, definePanelProtocol, defineRequest, noPayload } from './descriptors';
import type { Cell, ColumnMeta, RowsPage, RunSnapshot, StatementFailure, StatementSummary } from './resultsModel';

/*
 * The results panel's messages. Schemas mirror src/protocol/resultsModel.ts (the contract with the SQL host);
 * the compile-time checks at the bottom fail the build if the two drift apart.
 */

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const columnMetaSchema = z.object({
  name: z.string(),
  typeOid: z.number().int(),
  typeName: z.string(),
  kind: z.enum(['number', 'boolean', 'json', 'bytea', 'temporal', 'text']),
});

const statementSummarySchema = z.object({
  resultId: z.string().min(1),
  index: z.number().int().nonnegative(),
  sql: z.string(),
  commandTag: z.string(),
  columns: z.array(columnMetaSchema).readonly(),
  rowsLoaded: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  durationMs: z.number().nonnegative(),
});

const statementFailureSchema = z.object({
  index: z.number().int().nonnegative(),
  sql: z.string(),
  message: z.string(),
  code: z.string().optional(),
  detail: z.string().optional(),
  hint: z.string().optional(),
  position: z.number().int().optional(),
});

export const runSnapshotSchema = z.object({
  runId: z.string().min(1),
  target: z.string(),
  startedAt: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  statements: z.array(statementSummarySchema).readonly(),
  error: statementFailureSchema.optional(),
  durationMs: z.number().nonnegative().optional(),
  rowCap: z.number().int().nonnegative(),
});

export const rowsPageSchema = z.object({
  resultId: z.string().min(1),
  start: z.number().int().nonnegative(),
  rows: z.array(z.array(cellSchema).readonly()).readonly(),
  hasMore: z.boolean(),
});

/** Host → webview: the whole run, whenever anything in it changes (state, a statement finished, an error). */
export const showRunNotification = defineNotification('results/showRun', runSnapshotSchema);

/**
 * Host → webview: rows of one statement, appended in order. `start` lets the webview drop a page it already has
 * (after a reload the host re-sends every page from 0).
 */
export const appendRowsNotification = defineNotification('results/appendRows', rowsPageSchema);

/**
 * The error code of a fetchMore reply when the rows are no longer open (the database ran something else since,
 * or a later run closed them): the page offers to run the query again instead of fetching.
 */
export const rowsGoneCode = 'results/rows-gone';

/** Webview → host: the user pressed "Fetch more". The host returns the page and also updates the snapshot. */
export const fetchMoreRequest = defineRequest(
  'results/fetchMore',
  z.object({
    resultId: z.string().min(1),
    /** How many more rows, at most. */
    count: z.number().int().positive().max(1_000_000),
  }),
  rowsPageSchema,
);

/** Webview → host: export one result set (all of its rows, not just the loaded ones) to a file the user picks. */
export const exportResultRequest = defineRequest(
  'results/export',
  z.object({ resultId: z.string().min(1), format: z.enum(['csv', 'json']) }),
  noPayload,
);

/** Webview → host: stop the running statement. */
export const cancelRunRequest = defineRequest('results/cancel', z.object({ runId: z.string().min(1) }), noPayload);

/** Webview → host: run the same script against the same target again. */
export const rerunRequest = defineRequest('results/rerun', z.object({ runId: z.string().min(1) }), noPayload);

/**
 * Host → webview: what the page shows right now. For the in-VS Code tests (the page is out of their reach) and for
 * diagnostics in the log; it has no effect on the page.
 */
export const inspectRequest = defineRequest(
  'results/inspect',
  noPayload,
  z.object({
    /** The run the page shows, if any. */
    runId: z.string().optional(),
    /** Command tags of the statements, in order. */
    commandTags: z.array(z.string()),
    /** Rows the page holds for the selected result set. */
    rowsLoaded: z.number().int(),
    /** Row elements in the DOM: stays small however many rows there are. */
    domRows: z.number().int(),
    /** Text of the first data row's cells as displayed. */
    firstRow: z.array(z.string()),
    /** The error message the page shows (a failed or cancelled statement), if it shows one. */
    error: z.string().optional(),
  }),
);

export const resultsProtocol = definePanelProtocol({
  toHost: [fetchMoreRequest, exportResultRequest, cancelRunRequest, rerunRequest],
  toWebview: [showRunNotification, appendRowsNotification, inspectRequest],
});

// --- the schemas and resultsModel.ts describe the same values (both directions of assignability) ---
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type ResultsSchemaChecks = [
  Check<Same<z.output<typeof cellSchema>, Cell>>,
  Check<Same<z.output<typeof columnMetaSchema>, ColumnMeta>>,
  Check<Same<z.output<typeof statementSummarySchema>, StatementSummary>>,
  Check<Same<z.output<typeof statementFailureSchema>, StatementFailure>>,
  Check<Same<z.output<typeof runSnapshotSchema>, RunSnapshot>>,
  Check<Same<z.output<typeof rowsPageSchema>, RowsPage>>,
];
