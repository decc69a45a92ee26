/**
 * Every command id of the extension, in one table. package.json's contributes.commands must list exactly these
 * (test/unit/packageJson.test.ts checks it). Handlers live with their feature; src/vscode/commands.ts registers
 * them all in one place.
 */
export const CommandIds = {
  showLog: 'syncPlayground.showLog',
  runQuery: 'syncPlayground.runQuery',
} as const;

export type CommandKey = keyof typeof CommandIds;
export type CommandId = (typeof CommandIds)[CommandKey];
