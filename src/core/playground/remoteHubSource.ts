/**
 * The hub of the playground on a saved connection's server: which connection and database, and how to open,
 * install and remove it through the connection's profile (its password from secret storage, its SSL settings).
 */
import type { ConnectionDriver, ConnectionOptions } from '../connections/connectionDriver';
import type { ConnectionManager } from '../connections/connectionManager';
import { describeTarget, type ConnectionProfile } from '../connections/profile';
import type { ProfileStore } from '../connections/profileStore';
import { InvalidInputError } from '../errors';
import { clearHubDatabase, hubDatabaseState, installHubDatabase, removeHubDatabase, type RemoteHubSource } from './remoteHub';

/** Where the hub is: kept in VS Code state so the playground re-opens on the same server. */
export interface RemoteHubLocation {
  readonly profileId: string;
  /** The hub's own database on that server (see remoteHub.ts for why it has one). */
  readonly database: string;
}

export interface RemoteHubDeps {
  readonly store: ProfileStore;
  readonly manager: ConnectionManager;
  readonly driver: ConnectionDriver;
  readonly options: () => ConnectionOptions;
}

/** The profile of a hub location, or a clear error when it cannot be a hub. */
export function hubProfile(store: ProfileStore, at: RemoteHubLocation): ConnectionProfile {
  const profile = store.get(at.profileId);
  if (!profile) {
    throw new InvalidInputError('The saved connection the playground used as its hub was removed. Choose another hub (Use Connection as Hub).', 'hub');
  }
  if (profile.readOnly) {
    throw new InvalidInputError(`Connection "${profile.name}" is read-only, so it cannot hold the playground's hub. Edit it to allow writes, or pick another.`, 'hub');
  }
  return profile;
}

/** `staging: sync_playground on alice@db.example.com:5432`: what the tree and status bar say about the hub. */
export function hubLabel(profile: ConnectionProfile, at: RemoteHubLocation): string {
  return `${profile.name}: ${at.database} on ${describeTarget(profile, at.database).replace(/\/[^/]*$/, '')}`;
}

/**
 * Opens the hub for the playground store. A new playground (`fresh`) creates the hub database if needed and
 * empties it; re-opening a saved playground needs the database to be there still.
 */
export function remoteHubSource(deps: RemoteHubDeps, at: RemoteHubLocation): RemoteHubSource {
  return {
    open: async (fresh) => {
      const profile = hubProfile(deps.store, at);
      const server = describeTarget(profile).replace(/\/[^/]*$/, '');
      const admin = (await deps.manager.connect(profile.id)).open.port;
      if (fresh) await installHubDatabase(admin, at.database, server);
      else {
        const s = await hubDatabaseState(admin, at.database);
        if (!s.exists || !s.ours) {
          throw new InvalidInputError(`The playground's hub database "${at.database}" is no longer on ${server}. Create a new playground or choose another hub.`, 'hub');
        }
      }
      // a pool of its own: the playground closes it with its other databases
      const conn = await deps.driver.open(profile, await deps.store.password(profile.id), deps.options(), at.database);
      try {
        if (fresh) await clearHubDatabase(conn.port);
      } catch (e) {
        conn.dispose();
        throw e;
      }
      return conn.port;
    },
  };
}

/** Drops the hub database from its server (close the playground first). False when it was gone already. */
export async function removeRemoteHub(deps: RemoteHubDeps, at: RemoteHubLocation): Promise<boolean> {
  const profile = deps.store.get(at.profileId);
  if (!profile) throw new InvalidInputError('The saved connection of the hub was removed; add it again to remove the hub database.', 'hub');
  // pools the Connections view may hold on the hub database would keep it in use
  deps.manager.disconnect(profile.id);
  const admin = (await deps.manager.connect(profile.id)).open.port;
  return removeHubDatabase(admin, at.database, describeTarget(profile).replace(/\/[^/]*$/, ''));
}
