/**
 * Keyboard shortcuts: one table for the handler and the help overlay.
 */
import { PRESETS } from "../render/window";
import { togglePlay } from "./cine.svelte";
import { hangMammograms } from "./hanging.svelte";
import { cycleLayout, toggleSync } from "./layout.svelte";
import { deleteSelected, redoRoi, select, undoRoi } from "./rois.svelte";
import { openNeighbour, setPos, stackLength, step } from "./tabs.svelte";
import { setTool, toggleHelp, toggleNav, toggleRois, toggleTags, ui } from "./ui.svelte";
import { flipH, flipV, resetView, rotate } from "./view.svelte";
import { setPreset } from "./window.svelte";

export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ["← / →, [ / ]", "previous / next frame"],
  ["Shift + ← / →", "10 frames back / forward"],
  ["↑ / ↓", "previous / next file in the navigator"],
  ["PageUp / PageDown", "previous / next series in the navigator"],
  ["Home / End", "first / last frame"],
  ["Space", "play / pause cine"],
  ["W", "window/level tool (drag: right widens, down raises the center)"],
  ["P", "pan tool"],
  ["Z", "zoom tool (drag up zooms in)"],
  ["S", "scroll tool (drag through frames)"],
  ["R", "ROI tool: drag to draw, drag a box to move, drag a handle to resize"],
  ["Delete / Backspace", "delete the selected ROI"],
  ["Ctrl/Cmd + Z", "undo the last ROI edit (draw, move, resize, delete, frame scope)"],
  ["Ctrl/Cmd + Shift + Z, Ctrl + Y", "redo"],
  ["B", "show or hide the ROI list"],
  ["M", "length tool: drag to measure (mm from Pixel Spacing or Imager Pixel Spacing, else px); drag an end to move it"],
  ["Esc", "deselect / close this help"],
  ["H / V", "flip horizontally / vertically"],
  ["Q / E", "rotate 90° left / right"],
  ["0, double-click", "reset the view"],
  ...PRESETS.map((p): [string, string] => [p.key ?? "", `window: ${p.label}${p.window ? ` (C ${p.window.center} / W ${p.window.width})` : ""}`]),
  ["N / T", "show or hide the navigator / the tag panel"],
  ["L", "layout: 1×1 → 1×2 → 2×2 (click a pane to make it the active one)"],
  ["Y", "synchronise scroll, zoom and pan of the panes"],
  ["G", "hang the mammography study (R left, L right, CC above MLO)"],
  ["?", "this help"],
  ["right-drag", "zoom (always)"],
  ["middle-drag", "pan (always)"],
  ["wheel", "previous / next frame"],
  ["Ctrl/Cmd + wheel", "zoom about the pointer"],
];

/** Handle a keydown on the page; returns true when it was a shortcut. */
export function handleKey(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return false;
  if ((e.ctrlKey || e.metaKey) && !e.altKey) {
    const k = e.key.toLowerCase();
    if (k === "z") return e.shiftKey ? redoRoi() : undoRoi();
    if (k === "y" && !e.shiftKey) return redoRoi();
    return false;
  }
  if (e.altKey || e.ctrlKey || e.metaKey) return false;
  if (ui.help && e.key !== "?" && e.key !== "Escape") return false;
  const preset = PRESETS.find((p) => p.key === e.key);
  if (preset) {
    setPreset(preset.id);
    return true;
  }
  switch (e.key) {
    case "ArrowLeft":
    case "[":
      step(e.shiftKey && e.key === "ArrowLeft" ? -10 : -1);
      return true;
    case "ArrowRight":
    case "]":
      step(e.shiftKey && e.key === "ArrowRight" ? 10 : 1);
      return true;
    case "ArrowUp":
      openNeighbour(-1, "file");
      return true;
    case "ArrowDown":
      openNeighbour(1, "file");
      return true;
    case "PageUp":
      openNeighbour(-1, "series");
      return true;
    case "PageDown":
      openNeighbour(1, "series");
      return true;
    case "Home":
      setPos(0);
      return true;
    case "End":
      setPos(stackLength() - 1);
      return true;
    case " ":
      togglePlay();
      return true;
    case "Delete":
    case "Backspace":
      return deleteSelected();
    case "Escape":
      if (ui.help) toggleHelp(false);
      else select(null, null);
      return true;
    case "?":
      toggleHelp();
      return true;
    case "0":
      resetView();
      return true;
  }
  switch (e.key.toLowerCase()) {
    case "w":
      setTool("wl");
      return true;
    case "p":
      setTool("pan");
      return true;
    case "z":
      setTool("zoom");
      return true;
    case "s":
      setTool("scroll");
      return true;
    case "r":
      setTool("roi");
      return true;
    case "m":
      setTool("length");
      return true;
    case "b":
      toggleRois();
      return true;
    case "h":
      flipH();
      return true;
    case "v":
      flipV();
      return true;
    case "q":
      rotate(false);
      return true;
    case "e":
      rotate(true);
      return true;
    case "n":
      toggleNav();
      return true;
    case "t":
      toggleTags();
      return true;
    case "l":
      cycleLayout();
      return true;
    case "y":
      toggleSync();
      return true;
    case "g":
      void hangMammograms();
      return true;
  }
  return false;
}
