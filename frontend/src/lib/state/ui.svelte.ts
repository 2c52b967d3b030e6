/**
 * The page's chrome: the mouse tool, the help overlay, which side panels show, and the
 * status-bar toast (one toast() for every message), plus copying to the clipboard.
 */

export type Tool = "wl" | "pan" | "zoom" | "scroll" | "roi" | "redact";

export const TOOLS: ReadonlyArray<{ id: Tool; label: string; key: string }> = [
  { id: "wl", label: "Window/level", key: "W" },
  { id: "pan", label: "Pan", key: "P" },
  { id: "zoom", label: "Zoom", key: "Z" },
  { id: "scroll", label: "Scroll", key: "S" },
  { id: "roi", label: "ROI", key: "R" },
  { id: "redact", label: "Redact", key: "X" },
];

class UiState {
  tool = $state<Tool>("wl");
  help = $state(false);
  showTags = $state(true);
  showNav = $state(true);
  toast = $state("");
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
