// Edits are coalesced: a document is checked once its changes stop arriving for DELAY_MS, and then at
// its latest version. The connection hands over one message per turn of the event loop, so without
// this a burst of changes queued behind a long check was checked (and published) once per version,
// each already stale. The delay is short against the time a check takes.
const DELAY_MS = 5;

export class ValidationQueue {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /** `validate` checks and publishes the document's current version (when it is still open). */
  constructor(private readonly validate: (uri: string) => void) {}

  schedule(uri: string): void {
    clearTimeout(this.pending.get(uri));
    this.pending.set(
      uri,
      setTimeout(() => {
        this.pending.delete(uri);
        this.validate(uri);
      }, DELAY_MS),
    );
  }

  /** Whether a check of the document is waiting for its changes to stop. */
  isPending(uri: string): boolean {
    return this.pending.has(uri);
  }

  cancel(uri: string): void {
    clearTimeout(this.pending.get(uri));
    this.pending.delete(uri);
  }
}
