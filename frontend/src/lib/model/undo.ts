/**
 * Undo/redo as a stack of snapshots: each edit remembers a key's value before and after,
 * so undoing sets `before` back and redoing sets `after` again, whatever the edit was
 * (create, move, resize, delete). Pure: the caller applies the values (and saves them).
 */

export interface Edit<K, T> {
  /** What was edited (for ROIs: the file index). */
  key: K;
  /** Words for a toast: "move ROI 2". */
  label: string;
  before: T;
  after: T;
}

export class UndoStack<K, T> {
  private done: Edit<K, T>[] = [];
  private undone: Edit<K, T>[] = [];

  /** At most `limit` edits are kept; the oldest are forgotten first. */
  constructor(readonly limit = 200) {}

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get size(): number {
    return this.done.length;
  }

  /** Record a new edit: it can be undone, and whatever was undone can no longer be redone. */
  push(edit: Edit<K, T>): void {
    this.done.push(edit);
    if (this.done.length > this.limit) this.done.splice(0, this.done.length - this.limit);
    this.undone = [];
  }

  /** The edit to revert (apply its `before`), or null when there is none. */
  undo(): Edit<K, T> | null {
    const e = this.done.pop();
    if (!e) return null;
    this.undone.push(e);
    return e;
  }

  /** The edit to apply again (its `after`), or null when there is none. */
  redo(): Edit<K, T> | null {
    const e = this.undone.pop();
    if (!e) return null;
    this.done.push(e);
    return e;
  }

  /** The edit `undo()` would return, without taking it. */
  peekUndo(): Edit<K, T> | null {
    return this.done[this.done.length - 1] ?? null;
  }

  peekRedo(): Edit<K, T> | null {
    return this.undone[this.undone.length - 1] ?? null;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
  }
}
