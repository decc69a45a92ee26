/**
 * In-memory settings and secret backends for ProfileStore tests. `settingsJson` is what a settings file would
 * hold, so tests can check it for secrets the way a person would: by reading it.
 */
import type { ConnectionProfile } from '../../../src/core/connections/profile';
import type { ProfileSettingsBackend, SecretBackend } from '../../../src/core/connections/profileStore';

export class MemorySettings implements ProfileSettingsBackend {
  settingsJson = '[]';
  constructor(initial: unknown[] = []) {
    this.settingsJson = JSON.stringify(initial);
  }
  read(): readonly unknown[] {
    return JSON.parse(this.settingsJson) as unknown[];
  }
  async write(profiles: readonly ConnectionProfile[]): Promise<void> {
    this.settingsJson = JSON.stringify(profiles, null, 2);
  }
}

export class MemorySecrets implements SecretBackend {
  readonly map = new Map<string, string>();
  async get(key: string) {
    return this.map.get(key);
  }
  async store(key: string, value: string) {
    this.map.set(key, value);
  }
  async delete(key: string) {
    this.map.delete(key);
  }
}
