/**
 * The `_sync` schemas, as SQL text. Both roles share the clock and the table registry; a replica adds its queue
 * (`oplog`) and what it knows of hub versions (`row_meta`); the hub adds row versions and tombstones, the change
 * log replicas pull from, the applied op ids, the conflict log, the rules and the timeline.
 *
 * Time never comes from the database clock: `_sync.clock.physical_ms` is set by the engine from the injected clock
 * before writes, and the HLC is derived from it (see hlc.ts for the text form).
 */

import { TIMELINE_FUNCTION_SQL, TIMELINE_SQL } from './timeline';

/** Bumped when the layout changes; `open()` refuses other versions. */
export const SYNC_FORMAT = 1;

/**
 * How a write moves a hub row's version record (`_sync.row_version AS v`, the new values as EXCLUDED): version + 1,
 * the chain base when another origin writes, per-column HLCs merged (kept across a delete, reset by a re-insert).
 * One definition for the push path (hubWrite.ts) and the hub's own writes (_sync.hub_record).
 */
export const ROW_VERSION_BUMP = `ON CONFLICT (table_id, pk) DO UPDATE SET
      version = v.version + 1,
      chain_base = CASE WHEN v.origin = EXCLUDED.origin THEN v.chain_base ELSE v.version END,
      origin = EXCLUDED.origin,
      hlc = EXCLUDED.hlc,
      col_hlc = CASE WHEN EXCLUDED.deleted THEN v.col_hlc WHEN v.deleted THEN EXCLUDED.col_hlc
                     ELSE v.col_hlc || EXCLUDED.col_hlc END,
      deleted = EXCLUDED.deleted`;

const common = `
CREATE SCHEMA _sync;
CREATE TABLE _sync.meta (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE _sync.clock (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  node text NOT NULL,
  wall bigint NOT NULL DEFAULT 0,
  counter bigint NOT NULL DEFAULT 0,
  physical_ms bigint NOT NULL DEFAULT 0,
  skew_ms bigint NOT NULL DEFAULT 0
);
-- tracked user tables; ids follow foreign-key order (parents first), so applying by id order satisfies FKs
CREATE TABLE _sync.tables (
  id int PRIMARY KEY,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  pk text[] NOT NULL,
  columns text[] NOT NULL,
  UNIQUE (schema_name, table_name)
);
CREATE FUNCTION _sync.hlc_text(w bigint, c bigint, n text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT lpad(w::text, 18, '0') || '-' || lpad(c::text, 10, '0') || '-' || n $$;
-- HLC send/local event: l' = max(l, pt); c' = (l' = l) ? c + 1 : 0
CREATE FUNCTION _sync.hlc_tick() RETURNS text LANGUAGE sql AS $$
  UPDATE _sync.clock SET
    wall = greatest(wall, physical_ms + skew_ms),
    counter = CASE WHEN physical_ms + skew_ms > wall THEN 0 ELSE counter + 1 END
  RETURNING _sync.hlc_text(wall, counter, node)
$$;
-- HLC receive: merge a remote timestamp (wall, counter) into the local clock
CREATE FUNCTION _sync.hlc_observe(rw bigint, rc bigint) RETURNS void LANGUAGE sql AS $$
  UPDATE _sync.clock SET
    wall = greatest(wall, rw, physical_ms + skew_ms),
    counter = CASE
      WHEN greatest(wall, rw, physical_ms + skew_ms) = wall AND wall = rw THEN greatest(counter, rc) + 1
      WHEN greatest(wall, rw, physical_ms + skew_ms) = wall THEN counter + 1
      WHEN greatest(wall, rw, physical_ms + skew_ms) = rw THEN rc + 1
      ELSE 0 END
$$;
`;

/**
 * The queue's indexes. Status: partial, on the few statuses the engine looks for (the queue to send, the parked
 * ops), so capture inserts one small entry and an op that settles leaves them. Row: a hash index on the key, as
 * every lookup of a row's ops is by equal key (then table and seq filter the few ops found); a btree on
 * (table_id, pk, seq) compared jsonb keys on every insert: capturing a 10k-row INSERT took 142 ms with it, 120 ms
 * with the hash index. Idempotent (open() runs it on replicas made before, which had that btree, one
 * (status, seq) index and a foreign key on table_id).
 */
export const REPLICA_INDEXES = `
CREATE INDEX IF NOT EXISTS oplog_pk ON _sync.oplog USING hash (pk);
CREATE INDEX IF NOT EXISTS oplog_queued ON _sync.oplog (seq) WHERE status IN ('pending', 'sent');
CREATE INDEX IF NOT EXISTS oplog_parked ON _sync.oplog (seq) WHERE status = 'conflict';`;

/** Brings a replica made by an older engine to the current storage layout (same format, faster paths). */
export const REPLICA_UPGRADE_SQL = `${REPLICA_INDEXES}
DROP INDEX IF EXISTS _sync.oplog_status;
DROP INDEX IF EXISTS _sync.oplog_row;
ALTER TABLE _sync.oplog DROP CONSTRAINT IF EXISTS oplog_table_id_fkey;`;

/** Installs a replica's `_sync` schema. Parameters: none (the node name is set by an UPDATE afterwards). */
export const REPLICA_SCHEMA_SQL = `${common}
-- no foreign key on table_id: the engine writes it, and a checked key costs one RI trigger call per captured row
CREATE TABLE _sync.oplog (
  seq bigserial PRIMARY KEY,
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  kind text NOT NULL CHECK (kind IN ('insert', 'update', 'delete')),
  before jsonb,
  after jsonb,
  changed text[],
  base_version bigint NOT NULL,
  hlc text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'applied', 'discarded', 'conflict', 'rejected', 'failed')),
  retries int NOT NULL DEFAULT 0,
  error text,
  error_code text
);
${REPLICA_INDEXES}
CREATE TABLE _sync.row_meta (
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  hub_version bigint NOT NULL,
  PRIMARY KEY (table_id, pk)
);
INSERT INTO _sync.meta VALUES ('role', '"replica"'), ('cursor', '0'), ('online', 'true');
`;

/** Installs the hub's `_sync` schema. */
export const HUB_SCHEMA_SQL = `${common}
CREATE TABLE _sync.replicas (name text PRIMARY KEY, ord int NOT NULL UNIQUE);
CREATE TABLE _sync.rules (ord int PRIMARY KEY, rule jsonb NOT NULL);
-- per-row version, last writer (origin) and its HLC, per-column HLCs (field_merge), tombstones (deleted)
-- chain_base: the version before the current run of writes by 'origin' began. An op from that origin with
-- base_version >= chain_base has seen every other writer's change, so it is no conflict.
CREATE TABLE _sync.row_version (
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  version bigint NOT NULL,
  origin text NOT NULL,
  chain_base bigint NOT NULL,
  hlc text NOT NULL,
  deleted boolean NOT NULL,
  col_hlc jsonb NOT NULL,
  PRIMARY KEY (table_id, pk)
);
-- the change log replicas pull by cursor; target = only for that replica (a refresh after its op lost)
CREATE TABLE _sync.changes (
  seq bigserial PRIMARY KEY,
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  kind text NOT NULL,
  row jsonb,
  version bigint NOT NULL,
  hlc text NOT NULL,
  origin text NOT NULL,
  op_id text,
  target text
);
CREATE TABLE _sync.applied_ops (
  op_id text PRIMARY KEY,
  ord bigserial UNIQUE,
  replica text NOT NULL,
  status text NOT NULL,
  conflict_id bigint,
  error text,
  error_code text
);
CREATE TABLE _sync.conflicts (
  id bigserial PRIMARY KEY,
  op_id text NOT NULL,
  replica text NOT NULL,
  type text NOT NULL,
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  op_kind text NOT NULL,
  base jsonb,
  hub jsonb,
  incoming jsonb,
  strategy text NOT NULL,
  outcome text NOT NULL,
  result jsonb,
  has_result boolean NOT NULL DEFAULT false,
  hub_hlc text,
  incoming_hlc text NOT NULL,
  claim bigint NOT NULL DEFAULT 0,
  error text,
  choice text,
  merge jsonb,
  reason text
);
CREATE INDEX conflicts_parked ON _sync.conflicts (id) WHERE outcome = 'parked';
-- the ops of the round being applied, read by the hub's triggers to attribute writes to their op
CREATE TABLE _sync.staged (
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  op_id text NOT NULL,
  origin text NOT NULL,
  hlc text NOT NULL,
  ord int NOT NULL,
  PRIMARY KEY (table_id, pk)
);
${TIMELINE_SQL}
${TIMELINE_FUNCTION_SQL}
INSERT INTO _sync.meta VALUES ('role', '"hub"');
-- records every write to a tracked hub table: row version, tombstone, per-column HLCs and the change log.
-- writes: [{pk, before, after}] (after null = delete). Writes of staged ops carry that op's origin and HLC.
CREATE FUNCTION _sync.hub_record(t int, writes jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  h text;
BEGIN
  IF EXISTS (SELECT 1 FROM jsonb_to_recordset(writes) w(pk jsonb)
             WHERE NOT EXISTS (SELECT 1 FROM _sync.staged s WHERE s.table_id = t AND s.pk = w.pk)) THEN
    h := _sync.hlc_tick();
  END IF;
  WITH w AS (
    SELECT w.pk, w.before, w.after, s.op_id, coalesce(s.origin, 'hub') AS origin, coalesce(s.hlc, h) AS hlc, s.ord,
      CASE WHEN w.after IS NULL THEN NULL ELSE
        (SELECT coalesce(jsonb_object_agg(e.key, coalesce(s.hlc, h)), '{}') FROM jsonb_each(w.after) e
          WHERE w.before IS NULL OR w.before -> e.key IS DISTINCT FROM e.value) END AS col_hlc
    FROM (SELECT x.pk, nullif(x.before, 'null') AS before, nullif(x.after, 'null') AS after
          FROM jsonb_to_recordset(writes) x(pk jsonb, before jsonb, after jsonb)) w
    LEFT JOIN _sync.staged s ON s.table_id = t AND s.pk = w.pk
  ), rv AS (
    INSERT INTO _sync.row_version AS v (table_id, pk, version, origin, chain_base, hlc, deleted, col_hlc)
    SELECT t, w.pk, 1, w.origin, 0, w.hlc, w.after IS NULL, coalesce(w.col_hlc, '{}') FROM w
    ${ROW_VERSION_BUMP}
    RETURNING v.pk, v.version
  )
  INSERT INTO _sync.changes (table_id, pk, kind, row, version, hlc, origin, op_id)
  SELECT t, w.pk, CASE WHEN w.after IS NULL THEN 'delete' WHEN w.before IS NULL THEN 'insert' ELSE 'update' END,
         w.after, rv.version, w.hlc, w.origin, w.op_id
  FROM w JOIN rv ON rv.pk = w.pk
  ORDER BY w.ord NULLS LAST, w.pk::text;
END $$;
`;

/** Drops all sync state from a database (user tables stay). For resets between property-test runs. */
export const DROP_SYNC_SQL = 'DROP SCHEMA IF EXISTS _sync CASCADE';
