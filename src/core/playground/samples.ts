import type { PlaygroundSetup } from './playgroundSetup';

/**
 * Sample schemas a person can start a playground from without writing any SQL. Small on purpose: each shows
 * one kind of conflict clearly in a handful of rows. Richer stories live in scenarios/*.syncscenario.json.
 */
export interface PlaygroundSample {
  readonly id: string;
  readonly label: string;
  readonly detail: string;
  readonly setup: PlaygroundSetup;
}

export const PLAYGROUND_SAMPLES: readonly PlaygroundSample[] = [
  {
    id: 'todo',
    label: 'Todo app',
    detail: 'A todo list edited on two devices; last writer wins, titles merge field by field.',
    setup: {
      name: 'todo',
      schema: 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false);',
      seed: "INSERT INTO todo VALUES (1, 'Buy milk', false), (2, 'Call the plumber', false), (3, 'Book flights', true);",
      replicas: [
        { name: 'laptop', clockSkewMs: 0 },
        { name: 'phone', clockSkewMs: 0 },
      ],
      rules: [{ strategy: 'last_writer_wins' }],
    },
  },
  {
    id: 'inventory',
    label: 'Product inventory (manual conflicts)',
    detail: 'Two shops change stock and prices offline; every conflict waits for you in the inspector.',
    setup: {
      name: 'inventory',
      schema:
        'CREATE TABLE product (sku text PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL CHECK (price >= 0), stock int NOT NULL);',
      seed: "INSERT INTO product VALUES ('A-100', 'Espresso cup', 4.50, 40), ('B-200', 'Teapot', 24.00, 12), ('C-300', 'Milk jug', 9.90, 25);",
      replicas: [
        { name: 'shop1', clockSkewMs: 0 },
        { name: 'shop2', clockSkewMs: 0 },
      ],
      rules: [{ strategy: 'manual' }],
    },
  },
  {
    id: 'skew',
    label: 'Clock skew (wall clock vs HLC)',
    detail: 'One device runs 5 minutes fast: watch last-writer-wins pick the skewed write.',
    setup: {
      name: 'clock-skew',
      schema: 'CREATE TABLE note (id int PRIMARY KEY, body text NOT NULL);',
      seed: "INSERT INTO note VALUES (1, 'first draft');",
      replicas: [
        { name: 'fast', clockSkewMs: 300_000 },
        { name: 'slow', clockSkewMs: 0 },
      ],
      rules: [{ strategy: 'last_writer_wins' }],
    },
  },
];
