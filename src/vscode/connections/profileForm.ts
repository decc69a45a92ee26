import * as vscode from 'vscode';
import { draftFromConnectionString, parseConnectionString } from '../../core/connections/connectionString';
import { SSL_MODES, validateDraft, type ConnectionProfile, type ProfileDraft, type SslMode } from '../../core/connections/profile';
import { InvalidInputError } from '../../core/errors';

/** What the form produced: the profile fields, and the password the user typed or pasted (if any). */
export interface ProfileFormResult {
  readonly draft: ProfileDraft;
  /** A string: store it; null: forget the stored one; undefined: keep what is stored. */
  readonly password: string | null | undefined;
}

const SSL_DESCRIPTIONS: Record<SslMode, string> = {
  disable: 'no encryption',
  require: 'encrypted, certificate not checked',
  'verify-ca': 'encrypted, certificate signed by your CA',
  'verify-full': 'encrypted, CA-signed certificate for this host name',
};

async function ask(title: string, value: string, prompt: string, validate?: (v: string) => string | undefined, password = false) {
  return vscode.window.showInputBox({
    title,
    value,
    prompt,
    password,
    ignoreFocusOut: true,
    ...(validate ? { validateInput: validate } : {}),
  });
}

/**
 * Asks for a connection step by step: from a pasted connection string, or field by field. Returns undefined
 * when the user cancels at any step (nothing is saved).
 */
export async function profileForm(existing?: ConnectionProfile, hasPassword = false): Promise<ProfileFormResult | undefined> {
  const title = existing ? `Edit connection "${existing.name}"` : 'Add PostgreSQL connection';
  let base: Partial<ProfileDraft> = existing ?? {};
  let password: string | null | undefined;

  if (!existing) {
    const how = await vscode.window.showQuickPick(
      [
        { label: 'Enter host, port, database…', id: 'fields' },
        { label: 'Paste a connection string', description: 'postgres://… or host=… dbname=…', id: 'string' },
      ],
      { title, ignoreFocusOut: true },
    );
    if (!how) return undefined;
    if (how.id === 'string') {
      const text = await ask(title, '', 'A password in it is moved to secret storage, never into settings.', (v) => {
        try {
          draftFromConnectionString(parseConnectionString(v));
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      }, true);
      if (text === undefined) return undefined;
      const parsed = parseConnectionString(text);
      base = draftFromConnectionString(parsed);
      password = parsed.password;
    }
  }

  const required = (what: string) => (v: string) => (v.trim() ? undefined : `${what} is required`);
  const host = await ask(title, base.host ?? 'localhost', 'Host name or IP address', required('A host'));
  if (host === undefined) return undefined;
  const portText = await ask(title, String(base.port ?? 5432), 'Port', (v) =>
    /^\d+$/.test(v) && +v >= 1 && +v <= 65535 ? undefined : 'A port is a number from 1 to 65535',
  );
  if (portText === undefined) return undefined;
  const database = await ask(title, base.database ?? 'postgres', 'Database', required('A database'));
  if (database === undefined) return undefined;
  const user = await ask(title, base.user ?? 'postgres', 'User', required('A user'));
  if (user === undefined) return undefined;

  if (password === undefined) {
    const typed = await ask(
      title,
      '',
      existing && hasPassword
        ? 'Password (kept in secret storage). Leave empty to keep the saved one; type a single space to forget it.'
        : 'Password (kept in secret storage). Leave empty for none.',
      undefined,
      true,
    );
    if (typed === undefined) return undefined;
    password = typed === ' ' ? null : typed === '' ? (existing ? undefined : null) : typed;
  }

  const ssl = await vscode.window.showQuickPick(
    SSL_MODES.map((m) => ({ label: m, description: SSL_DESCRIPTIONS[m], picked: m === (base.sslMode ?? 'disable') })),
    { title: `${title}: SSL mode`, ignoreFocusOut: true, placeHolder: `current: ${base.sslMode ?? 'disable'}` },
  );
  if (!ssl) return undefined;
  const sslMode = ssl.label as SslMode;
  let caFile = base.caFile;
  if (sslMode === 'verify-ca' || sslMode === 'verify-full') {
    const picked = await vscode.window.showOpenDialog({
      title: 'CA certificate (PEM) that signed the server certificate',
      canSelectMany: false,
      ...(caFile ? { defaultUri: vscode.Uri.file(caFile) } : {}),
    });
    if (!picked?.[0]) return undefined;
    caFile = picked[0].fsPath;
  }
  const applicationName = await ask(title, base.applicationName ?? '', 'application_name shown in pg_stat_activity (optional)');
  if (applicationName === undefined) return undefined;
  const mode = await vscode.window.showQuickPick(
    [
      { label: 'Read and write', readOnly: false },
      { label: 'Read-only', description: 'the server rejects writes in these sessions', readOnly: true },
    ],
    { title: `${title}: access`, ignoreFocusOut: true },
  );
  if (!mode) return undefined;
  const name = await ask(title, base.name ?? `${user}@${host}/${database}`, 'Name shown in the sidebar', required('A name'));
  if (name === undefined) return undefined;

  try {
    const draft = validateDraft({
      name,
      host: host.trim(),
      port: Number(portText),
      database,
      user,
      sslMode,
      ...(caFile && sslMode.startsWith('verify') ? { caFile } : {}),
      ...(applicationName.trim() ? { applicationName: applicationName.trim() } : {}),
      ...(mode.readOnly ? { readOnly: true } : {}),
    });
    return { draft, password };
  } catch (e) {
    if (InvalidInputError.is(e)) void vscode.window.showErrorMessage(e.message);
    else throw e;
    return undefined;
  }
}
