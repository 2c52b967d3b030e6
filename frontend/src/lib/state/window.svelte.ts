/**
 * The active pane's window: choosing a preset, dragging a custom window, and the window
 * in effect for what is shown (model/preset.ts says what each choice means).
 */
import { windowFor } from "../model/preset";
import { dragWindow, type WindowLevel } from "../render/window";
import { shownRaw } from "./display.svelte";
import { activePane } from "./panes.svelte";
import { tabs } from "./tabs.svelte";

export function setPreset(id: string): void {
  const tab = tabs.current;
  if (!tab) return;
  tab.preset = id;
  tab.custom = null;
}

/** W/L drag from the window in effect at drag start. */
export function dragWindowBy(start: WindowLevel, dx: number, dy: number): void {
  const tab = tabs.current;
  if (!tab) return;
  const raw = shownRaw();
  let span = 4096;
  if (raw) {
    const full = windowFor({ preset: "full", custom: null }, { kind: "raw", key: "", raw, bytes: 0 });
    span = full.width;
  }
  tab.preset = "custom";
  tab.custom = dragWindow(start, dx, dy, span);
}

/** The window in effect on the active tab, or null without one. */
export function currentWindow(): WindowLevel | null {
  const tab = tabs.current;
  return tab ? windowFor(tab, activePane().shown) : null;
}
