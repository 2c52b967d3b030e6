import { describe, expect, it } from "vitest";
import { UndoStack } from "./undo";

function edit(key: number, before: string, after: string) {
  return { key, label: `${before}→${after}`, before, after };
}

describe("UndoStack", () => {
  it("starts empty", () => {
    const s = new UndoStack<number, string>();
    expect(s.canUndo).toBe(false);
    expect(s.canRedo).toBe(false);
    expect(s.undo()).toBeNull();
    expect(s.redo()).toBeNull();
  });

  it("undoes in reverse order and redoes in order", () => {
    const s = new UndoStack<number, string>();
    s.push(edit(1, "a", "b"));
    s.push(edit(1, "b", "c"));
    s.push(edit(2, "x", "y"));
    expect(s.undo()?.before).toBe("x");
    expect(s.undo()?.before).toBe("b");
    expect(s.canRedo).toBe(true);
    expect(s.redo()?.after).toBe("c");
    expect(s.redo()?.after).toBe("y");
    expect(s.redo()).toBeNull();
    expect(s.size).toBe(3);
  });

  it("a new edit after an undo drops what could be redone", () => {
    const s = new UndoStack<number, string>();
    s.push(edit(1, "a", "b"));
    s.push(edit(1, "b", "c"));
    s.undo();
    s.push(edit(1, "b", "d"));
    expect(s.canRedo).toBe(false);
    expect(s.undo()?.after).toBe("d");
    expect(s.undo()?.after).toBe("b");
    expect(s.canUndo).toBe(false);
  });

  it("undo then redo round-trips the same edit object", () => {
    const s = new UndoStack<number, string>();
    const e = edit(3, "p", "q");
    s.push(e);
    expect(s.peekUndo()).toBe(e);
    expect(s.undo()).toBe(e);
    expect(s.peekRedo()).toBe(e);
    expect(s.redo()).toBe(e);
  });

  it("forgets the oldest edits beyond its limit", () => {
    const s = new UndoStack<number, number>(3);
    for (let i = 0; i < 5; i++) s.push({ key: 0, label: "", before: i, after: i + 1 });
    expect(s.size).toBe(3);
    expect(s.undo()?.before).toBe(4);
    expect(s.undo()?.before).toBe(3);
    expect(s.undo()?.before).toBe(2);
    expect(s.undo()).toBeNull();
  });

  it("clear forgets everything", () => {
    const s = new UndoStack<number, string>();
    s.push(edit(1, "a", "b"));
    s.undo();
    s.clear();
    expect(s.canUndo || s.canRedo).toBe(false);
  });
});
