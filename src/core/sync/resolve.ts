/**
 * Conflict resolution as a pure function: given what the hub knows and what the op brings, what the hub row
 * becomes. The push uses it to decide, `preview()` uses the same code to show a decision without applying it.
 */
import type { ConflictOutcome, ConflictType, ManualChoice, OpKind, RowImage, Strategy } from './types';
import { compareHlc, describeHlc } from './hlc';

/** Everything a resolution may look at. */
export interface ConflictFacts {
  readonly type: ConflictType;
  readonly kind: OpKind;
  readonly pk: RowImage;
  readonly replica: string;
  readonly incomingHlc: string;
  /** HLC of the hub row's last write (also of its tombstone); null when the hub never had the row. */
  readonly hubHlc: string | null;
  /** The op's version claim: base version + local changes of the row since (higher_version_wins). */
  readonly claim: number;
  readonly hubVersion: number;
  readonly base: RowImage | null;
  readonly hub: RowImage | null;
  readonly incoming: RowImage | null;
  /** Per-column HLCs of the hub row (field_merge). */
  readonly colHlc: Readonly<Record<string, string>> | null;
}

/** What to do at the hub. */
export interface Decision {
  readonly outcome: ConflictOutcome;
  /** `upsert` writes `row`, `delete` removes the row, `none` leaves the hub as it is. */
  readonly action: 'upsert' | 'delete' | 'none';
  /** The hub row after resolution (null = none). */
  readonly row: RowImage | null;
  readonly reason: string;
  readonly merge?: Readonly<Record<string, 'hub' | 'incoming' | 'both'>>;
}

const json = (v: unknown) => JSON.stringify(v ?? null);

function takeIncoming(f: ConflictFacts, outcome: ConflictOutcome, reason: string): Decision {
  if (f.kind === 'delete') return { outcome, action: f.hub ? 'delete' : 'none', row: null, reason };
  return { outcome, action: 'upsert', row: f.incoming, reason };
}

function keepHub(f: ConflictFacts, reason: string): Decision {
  return { outcome: 'kept_hub', action: 'none', row: f.hub, reason };
}

function lww(f: ConflictFacts, firstWins: boolean): Decision {
  const name = firstWins ? 'first writer' : 'last writer';
  if (!f.hubHlc) return takeIncoming(f, 'applied_incoming', `the hub has no write of this row: the incoming op is the ${name}`);
  const c = compareHlc(f.incomingHlc, f.hubHlc);
  const inc = describeHlc(f.incomingHlc);
  const hub = describeHlc(f.hubHlc);
  const incomingWins = firstWins ? c < 0 : c > 0;
  return incomingWins
    ? takeIncoming(f, 'applied_incoming', `incoming ${inc} is ${firstWins ? 'earlier' : 'later'} than hub ${hub}`)
    : keepHub(f, `hub ${hub} is ${firstWins ? 'earlier' : 'later'} than incoming ${inc}`);
}

function fieldMerge(f: ConflictFacts): Decision {
  if (!f.hub || !f.incoming) return { ...lww(f, false), reason: `field_merge needs both rows; by last writer: ${lww(f, false).reason}` };
  const row: RowImage = { ...f.hub };
  const merge: Record<string, 'hub' | 'incoming' | 'both'> = {};
  const wins: string[] = [];
  for (const col of Object.keys(f.incoming)) {
    const inc = json(f.incoming[col]);
    const hub = json(f.hub[col]);
    if (inc === hub) continue;
    const base = f.base ? json(f.base[col]) : undefined;
    const incChanged = base === undefined || inc !== base;
    const hubChanged = base === undefined || hub !== base;
    if (incChanged && !hubChanged) {
      row[col] = f.incoming[col];
      merge[col] = 'incoming';
    } else if (incChanged && hubChanged) {
      const colHlc = f.colHlc?.[col] ?? f.hubHlc;
      const incomingLater = !colHlc || compareHlc(f.incomingHlc, colHlc) > 0;
      merge[col] = 'both';
      if (incomingLater) row[col] = f.incoming[col];
      wins.push(`${col}: ${incomingLater ? 'incoming' : 'hub'} (changed on both sides, later writer)`);
    } else {
      merge[col] = 'hub';
    }
  }
  const changed = json(row) !== json(f.hub);
  const reason = `columns merged${wins.length ? `; ${wins.join('; ')}` : ''}`;
  return { outcome: 'merged', action: changed ? 'upsert' : 'none', row, reason, merge };
}

/** Forces the key columns of a row to the op's key, so a resolution can never move a row. */
export function withKey(row: RowImage, pk: RowImage): RowImage {
  return { ...row, ...pk };
}

/**
 * Decides by strategy. `custom` needs the function's answer in `customResult` (null = reject); `manual` parks.
 * A `delete_missing` is always skipped: the row is gone, whatever the strategy.
 */
export function decide(f: ConflictFacts, strategy: Strategy, customResult?: RowImage | null): Decision {
  if (f.type === 'delete_missing') return { outcome: 'skipped', action: 'none', row: null, reason: 'the row is already gone at the hub' };
  switch (strategy) {
    case 'hub_wins':
      return keepHub(f, 'hub_wins keeps the hub row');
    case 'replica_wins':
      return takeIncoming(f, 'applied_incoming', 'replica_wins applies the incoming op');
    case 'last_writer_wins':
      return lww(f, false);
    case 'first_writer_wins':
      return lww(f, true);
    case 'higher_version_wins':
      return f.claim > f.hubVersion
        ? takeIncoming(f, 'applied_incoming', `incoming version ${f.claim} is higher than hub version ${f.hubVersion}`)
        : keepHub(f, `hub version ${f.hubVersion} is not lower than incoming version ${f.claim} (ties go to the hub)`);
    case 'field_merge':
      return fieldMerge(f);
    case 'manual':
      return { outcome: 'parked', action: 'none', row: f.hub, reason: 'waiting for a person to choose' };
    case 'custom':
      if (customResult === undefined) throw new Error('custom strategy decided without the function result');
      return customResult === null
        ? { outcome: 'rejected', action: 'none', row: f.hub, reason: 'the custom function returned NULL: op rejected' }
        : { outcome: 'custom', action: 'upsert', row: withKey(customResult, f.pk), reason: 'row returned by the custom function' };
  }
}

/** A person's choice for a parked conflict. */
export function decideManually(f: ConflictFacts, choice: ManualChoice): Decision {
  if (choice === 'hub') return { ...keepHub(f, 'a person kept the hub row'), outcome: 'resolved_manually' };
  if (choice === 'incoming') return takeIncoming(f, 'resolved_manually', 'a person took the incoming op');
  return { outcome: 'resolved_manually', action: 'upsert', row: withKey(choice.row, f.pk), reason: 'a person edited the row' };
}
