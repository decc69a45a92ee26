import * as vscode from 'vscode';
import { redact } from '../core/connections/redact';

/**
 * The extension's log (Output > Sync Playground). Secrets never reach it: callers pass no passwords, and
 * `redact` (src/core/connections/redact.ts) strips any password that slipped into a connection string.
 */
export class Log implements vscode.Disposable {
  readonly #channel: vscode.LogOutputChannel;

  constructor() {
    this.#channel = vscode.window.createOutputChannel('Sync Playground', { log: true });
  }

  info(message: string): void {
    this.#channel.info(redact(message));
  }

  warn(message: string): void {
    this.#channel.warn(redact(message));
  }

  error(message: string, e?: unknown): void {
    const detail = e instanceof Error ? `${e.message}${e.stack ? `\n${e.stack}` : ''}` : e === undefined ? '' : String(e);
    this.#channel.error(redact(detail ? `${message}: ${detail}` : message));
  }

  show(): void {
    this.#channel.show(true);
  }

  dispose(): void {
    this.#channel.dispose();
  }
}
