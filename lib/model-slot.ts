/**
 * One loaded model per worker process and stage, replaced only when the settings that choose it change.
 * Loading is shared (concurrent callers await the same promise), a failed load is forgotten so the next
 * call tries again, and the replaced model is disposed.
 */
export interface Disposable {
  dispose(): Promise<void>;
}

export class ModelSlot<T extends Disposable> {
  private current: { key: string; value: Promise<T> } | null = null;

  /** The model for `key`, created with `create` the first time or after the key changes. */
  async get(key: string, create: () => Promise<T>): Promise<T> {
    if (this.current?.key === key) return this.current.value;
    const previous = this.current;
    const created = create();
    this.current = { key, value: created };
    created.catch(() => {
      if (this.current?.value === created) this.current = null;
    });
    if (previous) await (await previous.value.catch(() => null))?.dispose();
    return created;
  }

  async dispose(): Promise<void> {
    const previous = this.current;
    this.current = null;
    if (previous) await (await previous.value.catch(() => null))?.dispose();
  }
}
