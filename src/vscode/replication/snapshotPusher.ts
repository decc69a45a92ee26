/**
 * Coalesces bursts of change events (a sync fires one per event) into one snapshot build at a time: while a
 * build runs, further changes only mark it dirty, and one more build follows. Views never see a stale snapshot
 * last, and never build dozens of them for one sync.
 */
export class SnapshotPusher<T> {
  #running = false;
  #dirty = false;
  #disposed = false;

  constructor(
    private readonly build: () => Promise<T>,
    private readonly push: (snapshot: T) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  request(): void {
    if (this.#disposed) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#running = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#dirty = false;
        try {
          const s = await this.build();
          if (!this.#disposed) this.push(s);
        } catch (e) {
          if (!this.#disposed) this.onError(e);
        }
      } while (this.#dirty && !this.#disposed);
    } finally {
      this.#running = false;
    }
  }

  dispose(): void {
    this.#disposed = true;
  }
}
