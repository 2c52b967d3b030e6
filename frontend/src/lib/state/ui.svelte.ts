/**
 * The page's chrome: the mouse tool, the help overlay, which side panels show, and the
 * status-bar toast (one toast() for every message), plus copying to the clipboard.
 */

export type Tool = "wl" | "pan" | "zoom" | "scroll" | "roi" | "length";

export const TOOLS: ReadonlyArray<{ id: Tool; label: string; key: string }> = [
  { id: "wl", label: "Window/level", key: "W" },
  { id: "pan", label: "Pan", key: "P" },
  { id: "zoom", label: "Zoom", key: "Z" },
  { id: "scroll", label: "Scroll", key: "S" },
  { id: "roi", label: "ROI", key: "R" },
  { id: "length", label: "Length", key: "M" },
];

/** The navigator's width the user dragged to, kept across visits (localStorage). */
const NAV_WIDTH_KEY = "dcmview.navWidth";
export const NAV_WIDTH_MIN = 160;
export const NAV_WIDTH_MAX = 640;

function storedNavWidth(): number | null {
  try {
    const v = Number(localStorage.getItem(NAV_WIDTH_KEY));
    return Number.isFinite(v) && v >= NAV_WIDTH_MIN ? Math.min(NAV_WIDTH_MAX, v) : null;
  } catch {
    return null; // storage blocked: the stylesheet's width
  }
}

class UiState {
  tool = $state<Tool>("wl");
  help = $state(false);
  showTags = $state(true);
  showNav = $state(true);
  showRois = $state(true);
  toast = $state("");
  /** The navigator's width in CSS px; null: the stylesheet's (--nav-width). */
  navWidth = $state<number | null>(storedNavWidth());
}

export const ui = new UiState();

let toastTimer: ReturnType<typeof setTimeout> | null = null;

export function setTool(t: Tool): void {
  ui.tool = t;
}

/** Show `msg` in the status bar for 2.5 s. */
export function toast(msg: string): void {
  ui.toast = msg;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (ui.toast = ""), 2500);
}

export function toggleHelp(v?: boolean): void {
  ui.help = v ?? !ui.help;
}

export function toggleTags(): void {
  ui.showTags = !ui.showTags;
}

export function toggleRois(): void {
  ui.showRois = !ui.showRois;
}

export function toggleNav(): void {
  ui.showNav = !ui.showNav;
}

/** Copy text to the clipboard (falls back to a hidden textarea where the API is blocked). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
  toast(`Copied: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
}

/** Set (and remember) the navigator's width; at most 45 % of the window. */
export function setNavWidth(px: number): void {
  const cap = Math.max(NAV_WIDTH_MIN, Math.min(NAV_WIDTH_MAX, Math.round(window.innerWidth * 0.45)));
  const w = Math.round(Math.min(cap, Math.max(NAV_WIDTH_MIN, px)));
  ui.navWidth = w;
  try {
    localStorage.setItem(NAV_WIDTH_KEY, String(w));
  } catch {
    // Storage blocked: the width holds for this page.
  }
}
