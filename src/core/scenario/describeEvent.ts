import type { TimelineEvent } from '../sync/events';
import { displayName } from '../sync/ident';
import { describeLink } from '../sync/replicaLink';

const key = (pk: Record<string, unknown>) =>
  Object.entries(pk)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');

/** One line for a person reading a timeline: what happened, to which row, and why. */
export function describeEvent(e: TimelineEvent): string {
  switch (e.type) {
    case 'sync_started':
      return `sync started: ${e.queued} op(s) to push, cursor ${e.cursor}`;
    case 'sync_skipped':
      return `sync skipped: replica is ${e.reason}`;
    case 'batch_pushed':
      return `pushed batch ${e.batch}: ${e.opIds.join(', ')}${e.alreadyApplied ? ` (${e.alreadyApplied} already applied)` : ''}`;
    case 'op_applied':
      return `${e.opId} ${e.kind} ${displayName(e.table)}(${key(e.pk)}) applied at the hub, version ${e.version}`;
    case 'conflict_detected':
      return `conflict #${e.conflictId} ${e.conflict} on ${displayName(e.table)}(${key(e.pk)}) from ${e.opId} ${e.kind}; strategy ${e.strategy}`;
    case 'conflict_resolved':
      return `conflict #${e.conflictId} ${e.conflict} → ${e.outcome}${e.choice ? ` (${e.choice})` : ''}: ${e.reason}`;
    case 'op_discarded':
      return `${e.opId} ${e.kind} ${displayName(e.table)}(${key(e.pk)}) discarded: ${e.reason}`;
    case 'op_rejected':
      return `${e.opId} ${e.kind} ${displayName(e.table)}(${key(e.pk)}) rejected${e.code ? ` [${e.code}]` : ''}: ${e.error}`;
    case 'op_failed':
      return `${e.opId} ${e.kind} ${displayName(e.table)}(${key(e.pk)}) failed (${e.retries} retries, now ${e.status}): ${e.error}`;
    case 'change_pulled':
      return `pulled change ${e.changeSeq}: ${e.kind} ${displayName(e.table)}(${key(e.pk)}) from ${e.origin}, version ${e.version} → ${e.result}`;
    case 'sync_finished':
      return (
        `sync finished: pushed ${e.pushed}, applied ${e.applied}, conflicts ${e.conflicts}, discarded ${e.discarded}, ` +
        `rejected ${e.rejected}, failed ${e.failed}, pulled ${e.pulled}, cursor ${e.cursor}${e.moreToDo ? ', more to do' : ''}`
      );
    case 'replica_online':
      return 'replica is online';
    case 'replica_offline':
      return 'replica is offline';
    case 'replica_added':
      return `replica added: a copy of the hub (${e.rows} row(s), up to change ${e.cursor})${e.clockSkewMs ? `, clock skew ${e.clockSkewMs > 0 ? '+' : ''}${e.clockSkewMs} ms` : ''}`;
    case 'replica_removed':
      return `replica removed${e.lostOps === undefined ? '' : e.lostOps ? `: ${e.lostOps} queued op(s) lost` : ', nothing queued'}`;
    case 'link_changed':
      return `link to the hub: ${describeLink(e.link)}${e.link?.dropRate ? ` (seed ${e.link.seed})` : ''}`;
    case 'sync_retry':
      return `link to the hub failed on attempt ${e.attempt} (${e.error}); retrying in ${e.delayMs} ms`;
    case 'sync_gave_up':
      return `sync gave up after ${e.attempts} attempts (${e.error}); nothing is lost: ${e.waiting} op(s) wait in the queue`;
    case 'conflict_resolved_manually': {
      const c = e.choice;
      return `conflict #${e.conflictId} (${e.opId}) resolved by a person: ${typeof c === 'string' ? `took ${c}` : `edited row ${JSON.stringify(c.row)}`}`;
    }
  }
}
