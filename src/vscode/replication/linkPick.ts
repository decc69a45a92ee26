import * as vscode from 'vscode';
import { checkLink, describeLink, LINK_DEFAULTS, MAX_LATENCY_MS, type LinkConditions } from '../../core/sync/replicaLink';

/** What Set Link Conditions sets: conditions, or null for the perfect link. */
export type LinkChoice = Partial<LinkConditions> | null;

const PRESETS: readonly { readonly label: string; readonly detail: string; readonly link: LinkChoice }[] = [
  { label: 'Perfect link', detail: 'Nothing lost, no delay.', link: null },
  { label: 'Flaky (drop 30%)', detail: 'Loses 3 round trips to the hub in 10; syncs retry with backoff and get through.', link: { dropRate: 0.3 } },
  {
    label: 'Very flaky (drop 60%)',
    detail: 'Loses 6 round trips in 10; a sync may give up after 20 attempts (its ops stay queued).',
    link: { dropRate: 0.6 },
  },
  { label: 'Slow (200 ms latency)', detail: 'Every round trip to the hub takes 200 ms more.', link: { latencyMs: 200 } },
];
const CUSTOM = 'Custom…';

/**
 * The link a command argument gives: `null`, `"perfect"` or `"off"` for the perfect link, or an object of
 * conditions (checked by the session). Undefined when the argument says nothing, so the person is asked.
 */
export function linkFromArg(arg: unknown): LinkChoice | undefined {
  if (arg === null || arg === 'perfect' || arg === 'off') return null;
  if (typeof arg === 'object') return arg as Partial<LinkConditions>;
  return undefined;
}

/** Asks for a replica's link: a preset, or custom conditions field by field. Undefined when the person cancelled. */
export async function pickLink(replica: string, current: LinkConditions | undefined): Promise<LinkChoice | undefined> {
  const now = describeLink(current);
  const picked = await vscode.window.showQuickPick(
    [
      ...PRESETS.map((p) => ({ ...p, description: describeLink(p.link ? { ...LINK_DEFAULTS, ...p.link } : undefined) === now ? 'current' : '' })),
      { label: CUSTOM, detail: 'Drop rate, latency, what a drop loses, and the seed that makes the drops repeatable.', description: '', link: null },
    ],
    { title: `Set Link Conditions: ${replica} ↔ hub (now: ${now})`, placeHolder: 'How good is the network between this replica and the hub?' },
  );
  if (!picked) return undefined;
  return picked.label === CUSTOM ? askCustom(replica, current) : picked.link;
}

async function askCustom(replica: string, current: LinkConditions | undefined): Promise<LinkChoice | undefined> {
  const c = current ?? LINK_DEFAULTS;
  const title = `Set Link Conditions: ${replica} ↔ hub`;
  /** An input box for one numeric field, validated as the person types by the core's own check. */
  const ask = async (field: 'dropRate' | 'latencyMs' | 'seed', prompt: string, value: number) => {
    const text = await vscode.window.showInputBox({
      title,
      prompt,
      value: String(value),
      validateInput: (v) => (v.trim() === '' ? 'A number, please.' : checkLink({ [field]: Number(v) }).problems[0]?.message),
    });
    return text === undefined ? undefined : Number(text);
  };
  const dropRate = await ask('dropRate', 'Drop rate: the share of round trips to the hub that are lost, from 0 to 1 (0.3 = 30%).', c.dropRate);
  if (dropRate === undefined) return undefined;
  const latencyMs = await ask('latencyMs', `Latency: milliseconds added to every round trip (0 to ${MAX_LATENCY_MS}).`, c.latencyMs);
  if (latencyMs === undefined) return undefined;
  if (dropRate === 0) return { dropRate, latencyMs };
  const lose = await vscode.window.showQuickPick(
    [
      { label: 'request' as const, detail: 'The request never reaches the hub: nothing ran there.' },
      { label: 'reply' as const, detail: 'The hub ran it, the reply is lost: a pushed batch is committed although the replica saw an error.' },
    ],
    { title, placeHolder: 'What does a drop lose?' },
  );
  if (!lose) return undefined;
  const seed = await ask('seed', 'Seed: the same seed loses the same round trips, so an exported scenario replays them.', c.seed);
  if (seed === undefined) return undefined;
  return { dropRate, latencyMs, lose: lose.label, seed };
}
