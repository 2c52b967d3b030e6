/**
 * Tag-panel helpers: value formatting and filtering of the nested tag tree.
 */
import type { TagNode, TagValue } from "../api/types";

/** One-line text of a value, as shown and copied. */
export function formatTagValue(v: TagValue): string {
  switch (v.type) {
    case "string":
      return v.value;
    case "number":
      return String(v.value);
    case "numbers": {
      const s = v.value.join("\\");
      return v.truncated ? `${s}\\… (${v.total ?? "?"} values)` : s;
    }
    case "sequence": {
      const n = v.total ?? v.items.length;
      return `${n} item${n === 1 ? "" : "s"}${v.truncated ? " (truncated)" : ""}`;
    }
    case "binary":
      return `${v.length} bytes`;
    case "error":
      return `⚠ ${v.message ?? v.error ?? v.value ?? "unreadable"}`;
  }
}

/** Path key of a node: indices through the tree, e.g. "12/0/3". */
export type TagPath = string;

function nodeMatches(n: TagNode, needle: string): boolean {
  return (
    n.tag.toLowerCase().includes(needle) ||
    n.tag.replace(/[(),]/g, "").toLowerCase().includes(needle) ||
    n.keyword.toLowerCase().includes(needle) ||
    (n.value.type !== "sequence" && formatTagValue(n.value).toLowerCase().includes(needle))
  );
}

export interface TagRow {
  node: TagNode;
  path: TagPath;
  depth: number;
  /** Item header rows ("Item 2") inside an expanded sequence. */
  item: number | null;
  expandable: boolean;
  expanded: boolean;
}

/**
 * Visible rows of the tree. Without a filter, sequences open when their path is in
 * `expanded`. With one, a node is shown when it or something inside it matches by tag,
 * keyword or value, and sequences on the way to a match are opened.
 */
export function tagRows(nodes: readonly TagNode[], expanded: ReadonlySet<TagPath>, filter: string): TagRow[] {
  const needle = filter.trim().toLowerCase();
  const rows: TagRow[] = [];
  const walk = (list: readonly TagNode[], prefix: string, depth: number, ancestorMatch: boolean): boolean => {
    let any = false;
    list.forEach((node, i) => {
      const path = prefix ? `${prefix}/${i}` : String(i);
      const self = needle === "" || ancestorMatch || nodeMatches(node, needle);
      const isSeq = node.value.type === "sequence";
      const start = rows.length;
      rows.push({ node, path, depth, item: null, expandable: isSeq && node.value.type === "sequence" && node.value.items.length > 0, expanded: false });
      let childHit = false;
      if (node.value.type === "sequence") {
        const open = needle === "" ? expanded.has(path) : true;
        if (open) {
          node.value.items.forEach((item, k) => {
            const itemPath = `${path}/${k}`;
            const headerAt = rows.length;
            rows.push({ node, path: itemPath, depth: depth + 1, item: k, expandable: false, expanded: true });
            const hit = walk(item, itemPath, depth + 2, needle !== "" && self);
            if (needle !== "" && !hit && !self) rows.splice(headerAt, 1);
            childHit = childHit || hit;
          });
        }
        const row = rows[start];
        if (row) row.expanded = open && (needle === "" || self || childHit);
      }
      if (needle !== "" && !self && !childHit) {
        rows.splice(start);
      } else {
        any = true;
      }
    });
    return any;
  };
  walk(nodes, "", 0, false);
  return rows;
}
