/**
 * The one owner of a loaded model in a worker process: one per stage, replaced only when the settings
 * that choose it change or when the model says it can no longer serve (`healthy()` false: its worker
 * thread pool was closed, its engine died). Loading is shared (concurrent callers await the same
 * promise), a failed load is forgotten so the next call tries again, and a replaced model is disposed.
 * Experts do not cache loaded models themselves; stages hold them here, so there is one place to ask
 * "is this model still alive" and one place that frees it.
 */
export interface Disposable {
  dispose(): Promise<void>;
  /** False when the model can no longer answer (its thread died for good): the slot loads a new one. */
  healthy?(): boolean;
}

export class ModelSlot<T extends Disposable> {
  private current: { key: string; value: Promise<T>; loaded?: T } | null = null;

  /** The model for `key`, created with `create` the first time, after the key changes, or after it died. */
  async get(key: string, create: () => Promise<T>): Promise<T> {
    const current = this.current;
    if (current?.key === key && current.loaded?.healthy?.() !== false) return current.value;
    const created = create();
    const entry: { key: string; value: Promise<T>; loaded?: T } = { key, value: created };
    this.current = entry;
    created.then(
      (value) => (entry.loaded = value),
      () => {
        if (this.current === entry) this.current = null;
      },
    );
    if (current) await (await current.value.catch(() => null))?.dispose().catch(() => undefined);
    return created;
  }

  async dispose(): Promise<void> {
    const previous = this.current;
    this.current = null;
    if (previous) await (await previous.value.catch(() => null))?.dispose();
  }
}
