/**
 * Saved connection profiles. Profiles (no secrets) go to a settings backend — in VS Code the
 * `syncPlayground.connections` setting, so users can read and share them — and passwords go to a secret
 * backend (VS Code SecretStorage), keyed by profile id.
 */
import { randomUUID } from 'node:crypto';
import { Emitter } from '../emitter';
import { InvalidInputError } from '../errors';
import { validateDraft, validateProfile, type ConnectionProfile, type ProfileDraft } from './profile';

/** Where profiles are kept. Holds no secrets. */
export interface ProfileSettingsBackend {
  /** The stored array as it is (it may have been edited by hand). */
  read(): readonly unknown[];
  write(profiles: readonly ConnectionProfile[]): Promise<void>;
}

/** Where passwords are kept. Same shape as vscode.SecretStorage. */
export interface SecretBackend {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** What loading the settings found: valid profiles, and entries that could not be read (shown, not dropped). */
export interface ProfileList {
  readonly profiles: readonly ConnectionProfile[];
  readonly problems: readonly InvalidInputError[];
}

/** The secret storage key of a profile's password. */
export function passwordKey(profileId: string): string {
  return `syncPlayground.connection.${profileId}.password`;
}

export class ProfileStore {
  readonly #changed = new Emitter<void>();
  /** Fires after any profile or password change made through this store. */
  readonly onDidChange = this.#changed.event;

  constructor(
    private readonly settings: ProfileSettingsBackend,
    private readonly secrets: SecretBackend,
  ) {}

  /** Every profile in the settings. Entries that are not valid profiles are reported in `problems`. */
  list(): ProfileList {
    const profiles: ConnectionProfile[] = [];
    const problems: InvalidInputError[] = [];
    const seen = new Set<string>();
    this.settings.read().forEach((raw, i) => {
      try {
        const p = validateProfile(raw, `syncPlayground.connections[${i}]`);
        if (seen.has(p.id)) throw new InvalidInputError(`syncPlayground.connections[${i}]: duplicate id ${p.id}`, 'id');
        seen.add(p.id);
        profiles.push(p);
      } catch (e) {
        if (!InvalidInputError.is(e)) throw e;
        problems.push(e);
      }
    });
    return { profiles, problems };
  }

  get(id: string): ConnectionProfile | undefined {
    return this.list().profiles.find((p) => p.id === id);
  }

  /** Saves a new profile; its password (if any) goes to secret storage only. */
  async add(draft: ProfileDraft, password?: string): Promise<ConnectionProfile> {
    const profile: ConnectionProfile = { id: randomUUID(), ...validateDraft(draft) };
    if (password) await this.secrets.store(passwordKey(profile.id), password);
    await this.#write([...this.#rawKept(), profile]);
    this.#changed.fire();
    return profile;
  }

  /**
   * Replaces a profile's fields. `password`: a string sets it, `null` forgets it, `undefined` keeps the
   * stored one.
   */
  async update(id: string, draft: ProfileDraft, password?: string | null): Promise<ConnectionProfile> {
    const raw = this.#rawKept();
    const at = raw.findIndex((r) => (r as { id?: unknown })?.id === id);
    if (at < 0) throw new InvalidInputError(`There is no connection with id ${id}.`, 'id');
    const profile: ConnectionProfile = { id, ...validateDraft(draft) };
    if (password) await this.secrets.store(passwordKey(id), password);
    else if (password === null) await this.secrets.delete(passwordKey(id));
    raw[at] = profile;
    await this.#write(raw);
    this.#changed.fire();
    return profile;
  }

  /** Removes a profile and its password. */
  async remove(id: string): Promise<void> {
    await this.secrets.delete(passwordKey(id));
    await this.#write(this.#rawKept().filter((r) => (r as { id?: unknown })?.id !== id));
    this.#changed.fire();
  }

  password(id: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(passwordKey(id)));
  }

  async setPassword(id: string, password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(passwordKey(id), password);
    else await this.secrets.delete(passwordKey(id));
    this.#changed.fire();
  }

  /**
   * Moves any `password` someone typed into the settings by hand into secret storage and rewrites the settings
   * without it. Returns the names of the profiles it moved.
   */
  async moveStrayPasswords(): Promise<string[]> {
    const moved: string[] = [];
    const before = this.settings.read();
    const after: unknown[] = [];
    for (const r of before) {
      if (!r || typeof r !== 'object' || !('password' in r)) {
        after.push(r);
        continue;
      }
      const { password, ...rest } = r as Record<string, unknown>;
      // without an id there is no key to keep it under: drop it from the settings all the same
      if (typeof password === 'string' && password && typeof rest.id === 'string') {
        await this.secrets.store(passwordKey(rest.id), password);
      }
      moved.push(String(rest.name ?? rest.id ?? '(unnamed)'));
      after.push(rest);
    }
    if (moved.length) {
      await this.#write(after);
      this.#changed.fire();
    }
    return moved;
  }

  /** The stored entries, unreadable ones included, so a save never loses what a person wrote by hand. */
  #rawKept(): unknown[] {
    return [...this.settings.read()];
  }

  #write(entries: readonly unknown[]): Promise<void> {
    return this.settings.write(entries as ConnectionProfile[]);
  }
}
