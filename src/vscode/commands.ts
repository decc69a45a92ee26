import * as vscode from 'vscode';
import { redact } from '../core/connections/redact';
import { CommandIds, type CommandKey } from './commandIds';
import type { Log } from './log';

/** A command handler. Thin: it gathers input and calls a service. */
export type CommandHandler = (...args: any[]) => unknown;

/** Handlers by command key. Each feature contributes a partial table; extension.ts merges them. */
export type CommandTable = Partial<Record<CommandKey, CommandHandler>>;

/**
 * Registers every handler in one place, wrapping each so an unexpected error reaches the user as a clear
 * message (and the log) instead of vanishing.
 */
export function registerCommands(table: CommandTable, log: Log): vscode.Disposable[] {
  return (Object.entries(table) as [CommandKey, CommandHandler][]).map(([key, handler]) =>
    vscode.commands.registerCommand(CommandIds[key], async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (e) {
        log.error(`command ${CommandIds[key]} failed`, e);
        const message = redact(e instanceof Error ? e.message : String(e));
        void vscode.window.showErrorMessage(message, 'Show Log').then((pick) => pick && log.show());
        return undefined;
      }
    }),
  );
}
