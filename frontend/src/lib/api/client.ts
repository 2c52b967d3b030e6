/**
 * Typed client of the dcmview HTTP API (docs/http-api.md). Method names follow
 * dcmview.client.Client in camelCase. Every request carries the bearer token; every
 * response's X-Server-Instance is reported so the page notices a restarted server.
 */
import { LinkMeter } from "../model/link";
import { parseRawFrame, type RawFrame } from "../render/raw";
import { pngWindowQuery, windowFromPngHeaders, type WindowLevel } from "../render/window";
import type {
  AnnotationsJson,
  DocumentJson,
  FileInfo,
  FilesResponse,
  GraphicAnnotations,
  Health,
  PixelReadout,
  PatientsResponse,
  ReferencesResponse,
  RtContoursResponse,
  SemanticContext,
  ValueLegend,
  TagNode,
} from "./types";

/**
 * Where the API is, from the page's path: beside the page. At `/` that is `/api/...`;
 * behind a path prefix (Jupyter's `/user/me/proxy/8123/`) it is `/user/me/proxy/8123/api/...`,
 * so the viewer works under any prefix a proxy serves it at.
 */
export function apiBase(pathname: string): string {
  return pathname.replace(/\/[^/]*$/, "");
}

/** An HTTP error answer (`code` from the JSON body) or a network failure (status 0). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PngFrame {
  blob: Blob;
  /** The window the server applied (with its VOI function); null for colour. */
  window: WindowLevel | null;
  /** The server inverted the grey levels after the window (X-Frame-Inverted); unset for colour. */
  inverted?: boolean;
}

export interface ClientHooks {
  /** Called with each response's server instance id (X-Server-Instance), when present. */
  onInstance?: (id: string) => void;
  /** Called with every answer that came back (any status): the server is alive. */
  onAnswer?: () => void;
  /** Called when a request could not reach the server at all. */
  onNetworkError?: () => void;
  /** Called on 401 (token missing, wrong, or from an earlier server). */
  onUnauthorized?: () => void;
}

export class ApiClient {
  /** Ask for byte-plane raw bodies (our server only; they compress ~30 % smaller). */
  shuffle = false;
  /** The link's speed, measured on the frame bodies this client reads. */
  readonly link = new LinkMeter();

  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly hooks: ClientHooks = {},
  ) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${this.token}`);
    let resp: Response;
    try {
      resp = await fetch(`${this.base}${path}`, { ...init, headers, cache: "no-store" });
    } catch (exc) {
      if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
      this.hooks.onNetworkError?.();
      throw new ApiError(0, "network", `cannot reach the dcmview server (${String(exc)})`);
    }
    this.hooks.onAnswer?.();
    const inst = resp.headers.get("x-server-instance");
    if (inst) this.hooks.onInstance?.(inst);
    if (!resp.ok) {
      if (resp.status === 401) this.hooks.onUnauthorized?.();
      let code = `http_${resp.status}`;
      let message = `${resp.status} ${resp.statusText}`;
      try {
        const body = (await resp.json()) as { code?: string; error?: string };
        if (body.code) code = body.code;
        if (body.error) message = body.error;
      } catch {
        // Not JSON (a proxy's error page): keep the status line.
      }
      throw new ApiError(resp.status, code, message);
    }
    return resp;
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  health(): Promise<Health> {
    return this.json("/api/health");
  }

  files(): Promise<FilesResponse> {
    return this.json("/api/files");
  }

  patients(): Promise<PatientsResponse> {
    return this.json("/api/patients");
  }

  info(index: number): Promise<FileInfo> {
    return this.json(`/api/file/${index}/info`);
  }

  tags(index: number): Promise<TagNode[]> {
    return this.json(`/api/file/${index}/tags`);
  }

  annotations(index: number): Promise<AnnotationsJson> {
    return this.json(`/api/file/${index}/annotations`);
  }

  putAnnotations(index: number, body: AnnotationsJson): Promise<AnnotationsJson> {
    return this.json(`/api/file/${index}/annotations`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  pixel(index: number, frame: number, row: number, column: number): Promise<PixelReadout> {
    return this.json(`/api/file/${index}/frame/${frame}/pixel?row=${row}&column=${column}`);
  }

  /**
   * Decoded samples (the browser undoes Content-Encoding: zstd/gzip itself) at resolution
   * `level` (0, full resolution, asks without the parameter, as any server understands).
   * The answer's X-Frame-Level says which level came: a server without levels sends 0.
   */
  async frameRaw(
    index: number,
    frame: number,
    opts: { level?: number; thenFull?: boolean; signal?: AbortSignal } = {},
  ): Promise<RawFrame> {
    const q = new URLSearchParams();
    if (opts.level) q.set("level", String(opts.level));
    // The full frame is asked next: the server may decode it while this level travels.
    if (opts.level && opts.thenFull) q.set("then", "full");
    if (this.shuffle) q.set("shuffle", "bytes");
    const qs = q.toString();
    const resp = await this.request(`/api/file/${index}/frame/${frame}/raw${qs ? `?${qs}` : ""}`, opts.signal ? { signal: opts.signal } : {});
    const body = await this.timed(resp, () => resp.arrayBuffer());
    return parseRawFrame(resp.headers, body);
  }

  /** Read a frame body, recording its size on the wire and its transfer time in `link`. */
  private async timed<T extends ArrayBuffer | Blob>(resp: Response, read: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const body = await read();
    const length = Number(resp.headers.get("content-length"));
    const bytes = Number.isFinite(length) && length > 0 ? length : body instanceof Blob ? body.size : body.byteLength;
    this.link.record(bytes, performance.now() - start);
    return body;
  }

  /** The server-rendered PNG; `window` null = the server's default, "full" = full dynamic. */
  async framePng(index: number, frame: number, window: WindowLevel | "full" | null, signal?: AbortSignal): Promise<PngFrame> {
    const resp = await this.request(`/api/file/${index}/frame/${frame}${pngWindowQuery(window)}`, signal ? { signal } : {});
    const h = resp.headers;
    return {
      blob: await this.timed(resp, () => resp.blob()),
      window: windowFromPngHeaders(h.get("x-frame-window-applied"), h.get("x-frame-window-center"), h.get("x-frame-window-width")),
      // Grey only; an older server (the predecessor) does not say.
      ...(h.has("x-frame-inverted") ? { inverted: h.get("x-frame-inverted") === "1" } : {}),
    };
  }

  references(index: number): Promise<ReferencesResponse> {
    return this.json(`/api/file/${index}/references`);
  }

  semanticContext(index: number): Promise<SemanticContext> {
    return this.json(`/api/file/${index}/semantic-context`);
  }

  /** The RGBA PNG of SEG file `seg` on an image frame (the SDK's colours); `segments`: only those. */
  /** `colors`: the `colors=` query (Segment Number:rrggbb pairs, model/overlays.ts colorsParam). */
  async segmentationOverlay(index: number, frame: number, seg: number, segments?: readonly number[], colors?: string): Promise<Blob> {
    const only = segments ? `&segments=${segments.join(",")}` : "";
    const painted = colors ? `&colors=${colors}` : "";
    return (await this.request(`/api/file/${index}/frame/${frame}/segmentation-overlay?seg=${seg}${only}${painted}`)).blob();
  }

  /** The RGBA PNG of the image's own Overlay Planes (60xx) on a frame: white where set. */
  async presentationLayer(index: number, frame: number): Promise<Blob> {
    return (await this.request(`/api/file/${index}/frame/${frame}/presentation-layer`)).blob();
  }

  async doseOverlay(index: number, frame: number, dose: number): Promise<Blob> {
    return (await this.request(`/api/file/${index}/frame/${frame}/dose-overlay?dose=${dose}`)).blob();
  }

  async parametricMapOverlay(index: number, frame: number, map: number): Promise<Blob> {
    return (await this.request(`/api/file/${index}/frame/${frame}/parametric-map-overlay?map=${map}`)).blob();
  }

  /** Dose (Gy) or map values on the image frame's pixels, row-major (NaN where none). */
  async overlayValues(index: number, frame: number, of: { dose: number } | { map: number }): Promise<Float32Array> {
    const path = "dose" in of ? `dose-overlay/values?dose=${of.dose}` : `parametric-map-overlay/values?map=${of.map}`;
    const buf = await (await this.request(`/api/file/${index}/frame/${frame}/${path}`)).arrayBuffer();
    return new Float32Array(buf);
  }

  valueLegend(index: number, frame: number, of: { dose: number } | { map: number }): Promise<ValueLegend> {
    const q = "dose" in of ? `dose=${of.dose}` : `map=${of.map}`;
    return this.json(`/api/file/${index}/frame/${frame}/value-legend?${q}`);
  }

  graphicAnnotations(index: number, frame: number, state: number): Promise<GraphicAnnotations> {
    return this.json(`/api/file/${index}/frame/${frame}/graphic-annotations?state=${state}`);
  }

  rtContours(index: number, frame: number, structureSet: number): Promise<RtContoursResponse> {
    return this.json(`/api/file/${index}/frame/${frame}/rt-contours?structure_set=${structureSet}`);
  }

  /** GET /api/file/:i/document: the file as text (an SR's content tree). */
  document(index: number): Promise<DocumentJson> {
    return this.json(`/api/file/${index}/document`);
  }

  /**
   * A small PNG of a frame (the navigator's thumbnails): the server renders the level
   * that still fills `maxSize` pixels with the file's own window.
   */
  async thumbnail(index: number, frame: number, maxSize: number, signal?: AbortSignal): Promise<Blob> {
    const resp = await this.request(`/api/file/${index}/frame/${frame}?max_size=${maxSize}`, signal ? { signal } : {});
    return resp.blob();
  }

  /** GET /api/file/:i/cine: the frames as an animation file (Instance.export_cine). */
  async cine(index: number, opts: { format: string; fps?: number; window?: WindowLevel | null; maxSize?: number; rois?: boolean }): Promise<Blob> {
    const q = new URLSearchParams(pngWindowQuery(opts.window ?? null).slice(1));
    q.set("format", opts.format);
    if (opts.fps !== undefined) q.set("fps", String(opts.fps));
    if (opts.maxSize !== undefined) q.set("max_size", String(opts.maxSize));
    if (opts.rois) q.set("rois", "1");
    return (await this.request(`/api/file/${index}/cine?${q.toString()}`)).blob();
  }

  async exportCsv(): Promise<Blob> {
    return (await this.request("/api/annotations/export.csv")).blob();
  }

  /** The file's redaction boxes (the annotations' body). */
  redactions(index: number): Promise<AnnotationsJson> {
    return this.json(`/api/file/${index}/redactions`);
  }

  putRedactions(index: number, body: AnnotationsJson): Promise<AnnotationsJson> {
    return this.json(`/api/file/${index}/redactions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** Copy the file's boxes to the rest of its series; answers the files changed. */
  putSeriesRedactions(index: number): Promise<{ file_indices: number[] }> {
    return this.json(`/api/file/${index}/redactions/series`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
  }

  async exportRedactionsCsv(): Promise<Blob> {
    return (await this.request("/api/redactions/export.csv")).blob();
  }
}
