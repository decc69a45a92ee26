import { REPLICA_NAME, REPLICA_NAME_RULE, type ScenarioStep } from '../scenario/scenarioModel';
import { HUB } from './sessionDatabases';

/**
 * Why `name` cannot be a new replica's name in a playground whose replicas are `current` and whose steps so far are
 * `steps` (so the UI can say it as the person types), or undefined when it can.
 */
export function replicaNameProblem(name: string, current: readonly { readonly name: string }[], steps: readonly ScenarioStep[]): string | undefined {
  if (name === HUB) return '"hub" is the hub\'s name: choose another.';
  if (!REPLICA_NAME.test(name)) return `A replica name ${REPLICA_NAME_RULE}.`;
  if (current.some((r) => r.name === name)) return `The playground has a replica named "${name}" already.`;
  // op ids are `name:seq`: the hub would take a new replica's ops for the removed one's
  if (steps.some((st) => st.kind === 'removeReplica' && st.replica === name)) return `A replica named "${name}" was removed from this playground: choose another name.`;
  return undefined;
}
