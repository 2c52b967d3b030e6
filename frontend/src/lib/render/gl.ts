/**
 * Drawing a frame on the viewport canvas.
 *
 * WebGL2 path: the stored samples go to the GPU once as an integer texture; each draw
 * maps every canvas pixel back to an image pixel (nearest neighbour, one texelFetch) and
 * applies rescale + the VOI function (LINEAR, LINEAR_EXACT or SIGMOID) in the fragment
 * shader. A reduced resolution level is stretched over the full image's rectangle and
 * interpolated bilinearly (on the samples, before the same window), so the geometry and
 * the window are those of the full-resolution frame whatever level is drawn. A W/L drag is therefore one uniform change and one draw of canvas-sized work,
 * never a server request.
 *
 * Below 1:1 (more than one texel under a device pixel) each canvas pixel is the mean of
 * the windowed texels whose centres fall in its footprint: an area (box) filter, the same
 * rule as Pillow's BOX resampling, so a fitted mammogram does not alias. Integer textures
 * cannot be filtered or mipmapped by the GPU, and a mipmap of the samples would average
 * before the window; the box is computed in the shader instead (at most MAX_TAPS² texels,
 * spread evenly over larger footprints). At 1:1 and above it stays nearest-neighbour,
 * so zoomed views show the stored pixels exactly.
 * Fallback (no WebGL2): the same math on the CPU into a 2D canvas.
 */
import type { RawFrame } from "./raw";
import { SIGMOID_CLAMP, windowToRgba, type VoiFunction, type WindowLevel } from "./window";

/** u_func of the shader for each VOI function. */
const FUNC_CODE: Record<VoiFunction, number> = { LINEAR: 0, LINEAR_EXACT: 1, SIGMOID: 2 };

/** Texels per axis the area filter averages at most (spread evenly beyond that). */
export const MAX_TAPS = 16;

/**
 * Texels under one device pixel along the texture's x and y: the area filter is used
 * when either is above 1. `affine` is screen (CSS px) → image, `scale` texture / image.
 */
export function footprint(affine: readonly number[], scale: [number, number], dpr: number): [number, number] {
  const [a = 1, b = 0, c = 0, d = 1] = affine;
  return [((Math.abs(a) + Math.abs(c)) * scale[0]) / dpr, ((Math.abs(b) + Math.abs(d)) * scale[1]) / dpr];
}

/** What the viewport asks to draw. `image` is raw samples or a server-rendered bitmap. */
export type Source =
  | { kind: "raw"; key: string; raw: RawFrame }
  | {
      kind: "bitmap";
      key: string;
      bitmap: ImageBitmap | HTMLCanvasElement;
      width: number;
      height: number;
      /** A server PNG's grey levels came inverted (X-Frame-Inverted); unknown for colour. */
      inverted?: boolean;
    };

export interface DrawParams {
  /** screen (CSS px) → image affine [a, b, c, d, e, f], see transform.screenToImageAffine. */
  affine: readonly number[];
  /** Canvas size in device pixels and the device-pixel ratio. */
  width: number;
  height: number;
  dpr: number;
  window: WindowLevel;
  /** Invert after the window instead of as the frame says (a GSPS's Presentation LUT); a server PNG is inverted again when the server did otherwise. */
  invert?: boolean;
}

export interface Renderer {
  readonly kind: "webgl2" | "canvas2d";
  /** Whether the last draw was minified with an area filter (instrumentation for the tests). */
  readonly lastArea: boolean;
  draw(src: Source | null, p: DrawParams): void;
  dispose(): void;
}

const VERT = `#version 300 es
void main() {
  // One triangle covering the viewport: vertices (-1,-1), (3,-1), (-1,3).
  vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
  gl_Position = vec4(p, 0.0, 1.0);
}`;

function fragSource(kind: ProgramKind): string {
  const sampler = kind === "uint" ? "usampler2D" : kind === "int" ? "isampler2D" : "sampler2D";
  const color =
    kind === "rgba"
      ? `vec3 at(ivec2 t) { return texelFetch(u_tex, clamp(t, ivec2(0), ivec2(u_texSize) - 1), 0).rgb; }`
      : `float at(ivec2 t) { return float(texelFetch(u_tex, clamp(t, ivec2(0), ivec2(u_texSize) - 1), 0).r); }
bool isPad(float v) { return u_hasPad && v >= u_padLo && v <= u_padHi; }`;
  const shade =
    kind === "rgba"
      ? // An 8-bit PNG shown under another presentation (a GSPS) is inverted again here.
        `vec3 flip(vec3 c) { return u_invert ? vec3(1.0) - c : c; }
vec3 shadeAt(ivec2 t) { return flip(at(t)); }
vec3 shadePoint(vec2 q) { return flip(u_smooth ? bilinear(q) : at(ivec2(floor(q)))); }`
      : `float voi(float v) {
  float m = v * u_slope + u_intercept;
  float y;
  if (u_func == 2) {
    // SIGMOID, PS3.3 C.11.2.1.3.1; the exponent is clamped (exp overflows a float).
    y = 1.0 / (1.0 + exp(clamp(-4.0 * (m - u_center) / u_width, -${SIGMOID_CLAMP.toFixed(1)}, ${SIGMOID_CLAMP.toFixed(1)})));
  } else if (u_func == 1) {
    // LINEAR_EXACT, PS3.3 C.11.2.1.3.2.
    y = clamp((m - u_center) / u_width + 0.5, 0.0, 1.0);
  } else {
    // LINEAR, PS3.3 C.11.2.1.2.1; width <= 1 is a threshold at c - 0.5.
    y = u_width <= 1.0 ? (m > u_center - 0.5 ? 1.0 : 0.0)
                       : clamp((m - (u_center - 0.5)) / (u_width - 1.0) + 0.5, 0.0, 1.0);
  }
  if (u_invert) y = 1.0 - y;
  return y;
}
// Pixel padding (PS3.3 C.7.5.1.1.2) is not image: black, as the server renders it.
vec3 shadeAt(ivec2 t) { float v = at(t); return isPad(v) ? vec3(0.0) : vec3(voi(v)); }
vec3 shadePoint(vec2 q) {
  float v = at(ivec2(floor(q)));
  if (isPad(v)) return vec3(0.0);
  return vec3(voi(u_smooth ? bilinear(q) : v));
}`;
  const type = kind === "rgba" ? "vec3" : "float";
  // Bilinear interpolation of the samples before the window (integer textures cannot be
  // filtered by the GPU); next to padding, the nearest sample is kept.
  const bilinear = `${type} bilinear(vec2 q) {
  vec2 c = q - 0.5;
  ivec2 i = ivec2(floor(c));
  vec2 f = c - floor(c);
  ${type} a = at(i);
  ${type} b = at(i + ivec2(1, 0));
  ${type} d = at(i + ivec2(0, 1));
  ${type} e = at(i + ivec2(1, 1));
  ${kind === "rgba" ? "" : "if (isPad(a) || isPad(b) || isPad(d) || isPad(e)) return at(ivec2(floor(q)));"}
  return mix(mix(a, b, f.x), mix(d, e, f.x), f.y);
}`;
  return `#version 300 es
precision highp float;
precision highp int;
precision highp ${sampler};
uniform ${sampler} u_tex;
uniform mat3 u_affine;
uniform vec2 u_size;
uniform vec2 u_texSize;
uniform bool u_smooth;
uniform float u_canvasH;
uniform float u_dpr;
uniform float u_slope;
uniform float u_intercept;
uniform float u_center;
uniform float u_width;
uniform int u_func;
uniform bool u_invert;
uniform bool u_hasPad;
uniform float u_padLo;
uniform float u_padHi;
uniform bool u_area;
out vec4 outColor;
${color}
${bilinear}
${shade}
// The texels [i0, i0 + n) along one axis whose centres lie in [lo, hi).
ivec2 span(float lo, float hi, int size) {
  int i0 = max(int(ceil(lo - 0.5)), 0);
  int i1 = min(int(ceil(hi - 0.5)), size);
  return ivec2(i0, i1 - i0);
}
// Mean of the shaded texels whose centres fall in the footprint [lo, hi) (texture coords).
vec3 area(vec2 lo, vec2 hi, vec2 q) {
  ivec2 sx = span(lo.x, hi.x, int(u_texSize.x));
  ivec2 sy = span(lo.y, hi.y, int(u_texSize.y));
  if (sx.y <= 0 || sy.y <= 0) return shadePoint(q);
  int nx = min(sx.y, ${MAX_TAPS});
  int ny = min(sy.y, ${MAX_TAPS});
  float stepX = float(sx.y) / float(nx);
  float stepY = float(sy.y) / float(ny);
  vec3 sum = vec3(0.0);
  for (int j = 0; j < ${MAX_TAPS}; j++) {
    if (j >= ny) break;
    int ty = sy.x + int((float(j) + 0.5) * stepY);
    for (int i = 0; i < ${MAX_TAPS}; i++) {
      if (i >= nx) break;
      sum += shadeAt(ivec2(sx.x + int((float(i) + 0.5) * stepX), ty));
    }
  }
  return sum / float(nx * ny);
}
void main() {
  // gl_FragCoord is in device pixels from the bottom-left; the affine expects CSS px from the top-left.
  vec2 s = vec2(gl_FragCoord.x, u_canvasH - gl_FragCoord.y) / u_dpr;
  // p: full-resolution image coordinates (the geometry, whatever level the texture holds).
  vec2 p = (u_affine * vec3(s, 1.0)).xy;
  if (p.x < 0.0 || p.y < 0.0 || p.x >= u_size.x || p.y >= u_size.y) { outColor = vec4(0.0, 0.0, 0.0, 1.0); return; }
  // q: texture coordinates; a reduced level is stretched over the full image's rectangle.
  vec2 q = p * (u_texSize / u_size);
  if (u_area) {
    // The device pixel's footprint: its corners mapped like its centre.
    vec2 s0 = vec2(gl_FragCoord.x - 0.5, u_canvasH - gl_FragCoord.y - 0.5) / u_dpr;
    vec2 s1 = vec2(gl_FragCoord.x + 0.5, u_canvasH - gl_FragCoord.y + 0.5) / u_dpr;
    vec2 q0 = (u_affine * vec3(s0, 1.0)).xy * (u_texSize / u_size);
    vec2 q1 = (u_affine * vec3(s1, 1.0)).xy * (u_texSize / u_size);
    outColor = vec4(area(min(q0, q1), max(q0, q1), q), 1.0);
    return;
  }
  outColor = vec4(shadePoint(q), 1.0);
}`;
}

type ProgramKind = "uint" | "int" | "float" | "rgba";

interface Prog {
  program: WebGLProgram;
  loc: Record<string, WebGLUniformLocation | null>;
}

const UNIFORMS = ["u_tex", "u_affine", "u_size", "u_texSize", "u_smooth", "u_area", "u_canvasH", "u_dpr", "u_slope", "u_intercept", "u_center", "u_width", "u_func", "u_invert", "u_hasPad", "u_padLo", "u_padHi"];

function compile(gl: WebGL2RenderingContext, kind: ProgramKind): Prog {
  const mk = (type: number, src: string): WebGLShader => {
    const sh = gl.createShader(type);
    if (!sh) throw new Error("createShader failed");
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(sh) ?? "?"}`);
    return sh;
  };
  const program = gl.createProgram();
  if (!program) throw new Error("createProgram failed");
  gl.attachShader(program, mk(gl.VERTEX_SHADER, VERT));
  gl.attachShader(program, mk(gl.FRAGMENT_SHADER, fragSource(kind)));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`link: ${gl.getProgramInfoLog(program) ?? "?"}`);
  const loc: Record<string, WebGLUniformLocation | null> = {};
  for (const u of UNIFORMS) loc[u] = gl.getUniformLocation(program, u);
  return { program, loc };
}

/** Texture formats for integer samples (sized internal format, format, type). */
function intFormat(gl: WebGL2RenderingContext, raw: RawFrame): [number, number, number] {
  const s = raw.signed;
  switch (raw.bitsAllocated) {
    case 8:
      return s ? [gl.R8I, gl.RED_INTEGER, gl.BYTE] : [gl.R8UI, gl.RED_INTEGER, gl.UNSIGNED_BYTE];
    case 16:
      return s ? [gl.R16I, gl.RED_INTEGER, gl.SHORT] : [gl.R16UI, gl.RED_INTEGER, gl.UNSIGNED_SHORT];
    default:
      return s ? [gl.R32I, gl.RED_INTEGER, gl.INT] : [gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT];
  }
}

export class WebGL2Renderer implements Renderer {
  readonly kind = "webgl2" as const;
  private gl: WebGL2RenderingContext;
  private progs: Partial<Record<ProgramKind, Prog>> = {};
  private tex: WebGLTexture;
  private texKey: string | null = null;
  /** The samples or bitmap uploaded: a frame loaded again (new pixels, same key) is uploaded again. */
  private texData: unknown = null;
  private texKind: ProgramKind = "uint";
  private texSize: [number, number] = [0, 0];
  /** The full-resolution size the texture is stretched over (its own size but for a reduced level). */
  private imageSize: [number, number] = [0, 0];
  private texLevel = 0;
  /** Whether the last draw used the area filter (instrumentation). */
  lastArea = false;
  private vao: WebGLVertexArrayObject;
  readonly maxTextureSize: number;

  constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    const tex = gl.createTexture();
    const vao = gl.createVertexArray();
    if (!tex || !vao) throw new Error("WebGL2 resources unavailable");
    this.tex = tex;
    this.vao = vao;
    this.maxTextureSize = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
  }

  static create(canvas: HTMLCanvasElement): WebGL2Renderer | null {
    const gl = canvas.getContext("webgl2", { antialias: false, depth: false, alpha: false, preserveDrawingBuffer: false });
    if (!gl) return null;
    try {
      const r = new WebGL2Renderer(gl);
      r.program("uint");
      return r;
    } catch {
      return null;
    }
  }

  private program(kind: ProgramKind): Prog {
    let p = this.progs[kind];
    if (!p) {
      p = compile(this.gl, kind);
      this.progs[kind] = p;
    }
    return p;
  }

  /** Whether a frame of this size fits in one texture on this GPU. */
  fits(width: number, height: number): boolean {
    return width <= this.maxTextureSize && height <= this.maxTextureSize;
  }

  private upload(src: Source): void {
    const data = src.kind === "raw" ? src.raw.data : src.bitmap;
    if (this.texKey === src.key && this.texData === data) return;
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    // Integer textures cannot be filtered; nearest is also what texelFetch does anyway.
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    // Rows of odd-width 8-bit images are not 4-byte aligned.
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    if (src.kind === "raw") {
      const r = src.raw;
      if (r.samplesPerPixel === 3) {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB8, r.columns, r.rows, 0, gl.RGB, gl.UNSIGNED_BYTE, r.data as Uint8Array);
        this.texKind = "rgba";
      } else if (r.float) {
        // texelFetch needs no filtering, so R32F works without OES_texture_float_linear.
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, r.columns, r.rows, 0, gl.RED, gl.FLOAT, r.data as Float32Array);
        this.texKind = "float";
      } else {
        const [internal, format, type] = intFormat(gl, r);
        gl.texImage2D(gl.TEXTURE_2D, 0, internal, r.columns, r.rows, 0, format, type, r.data);
        this.texKind = r.signed ? "int" : "uint";
      }
      this.texSize = [r.columns, r.rows];
      this.imageSize = [r.fullColumns, r.fullRows];
      this.texLevel = r.level;
    } else {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, src.bitmap);
      this.texKind = "rgba";
      this.texSize = [src.width, src.height];
      this.imageSize = [src.width, src.height];
      this.texLevel = 0;
    }
    this.texKey = src.key;
    this.texData = data;
  }

  draw(src: Source | null, p: DrawParams): void {
    const gl = this.gl;
    gl.viewport(0, 0, p.width, p.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!src) return;
    this.upload(src);
    const prog = this.program(this.texKind);
    gl.useProgram(prog.program);
    gl.bindVertexArray(this.vao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    const l = prog.loc;
    const [a, b, c, d, e, f] = p.affine;
    gl.uniform1i(l.u_tex ?? null, 0);
    gl.uniformMatrix3fv(l.u_affine ?? null, false, [a ?? 1, b ?? 0, 0, c ?? 0, d ?? 1, 0, e ?? 0, f ?? 0, 1]);
    gl.uniform2f(l.u_size ?? null, this.imageSize[0], this.imageSize[1]);
    gl.uniform2f(l.u_texSize ?? null, this.texSize[0], this.texSize[1]);
    // A reduced level is interpolated (it is stretched); full resolution stays nearest-neighbour.
    gl.uniform1i(l.u_smooth ?? null, this.texLevel > 0 ? 1 : 0);
    // Minified: the area filter (at 1:1 and above, nearest or the level's bilinear).
    const [fx, fy] = footprint(p.affine, [this.texSize[0] / this.imageSize[0], this.texSize[1] / this.imageSize[1]], p.dpr);
    const minified = Math.max(fx, fy) > 1 + 1e-6;
    gl.uniform1i(l.u_area ?? null, minified ? 1 : 0);
    this.lastArea = minified;
    gl.uniform1f(l.u_canvasH ?? null, p.height);
    gl.uniform1f(l.u_dpr ?? null, p.dpr);
    if (src.kind === "raw" && this.texKind !== "rgba") {
      gl.uniform1f(l.u_slope ?? null, src.raw.slope);
      gl.uniform1f(l.u_intercept ?? null, src.raw.intercept);
      gl.uniform1f(l.u_center ?? null, p.window.center);
      gl.uniform1f(l.u_width ?? null, p.window.width);
      gl.uniform1i(l.u_func ?? null, FUNC_CODE[p.window.function ?? "LINEAR"]);
      gl.uniform1i(l.u_invert ?? null, (p.invert ?? src.raw.inverted) ? 1 : 0);
      const pad = src.raw.padding;
      gl.uniform1i(l.u_hasPad ?? null, pad ? 1 : 0);
      gl.uniform1f(l.u_padLo ?? null, pad ? pad[0] : 0);
      gl.uniform1f(l.u_padHi ?? null, pad ? pad[1] : 0);
    } else {
      gl.uniform1i(l.u_invert ?? null, invertsBitmap(src, p) ? 1 : 0);
    }
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  dispose(): void {
    this.gl.deleteTexture(this.tex);
    this.gl.deleteVertexArray(this.vao);
    for (const p of Object.values(this.progs)) if (p) this.gl.deleteProgram(p.program);
    this.progs = {};
  }
}

/** CPU fallback: windows into an offscreen canvas (cached per frame+window), then blits. */
export class Canvas2DRenderer implements Renderer {
  readonly kind = "canvas2d" as const;
  private ctx: CanvasRenderingContext2D;
  private scratch = document.createElement("canvas");
  private scratchKey = "";
  lastArea = false;
  private scratchData: unknown = null;

  constructor(ctx: CanvasRenderingContext2D) {
    this.ctx = ctx;
  }

  static create(canvas: HTMLCanvasElement): Canvas2DRenderer | null {
    const ctx = canvas.getContext("2d", { alpha: false });
    return ctx ? new Canvas2DRenderer(ctx) : null;
  }

  private prepare(src: Source, win: WindowLevel, override?: boolean): CanvasImageSource {
    if (src.kind === "bitmap") return src.bitmap;
    const r = src.raw;
    const invert = override ?? r.inverted;
    const key = `${src.key}|${win.center}|${win.width}|${win.function ?? "LINEAR"}|${invert}`;
    if (key !== this.scratchKey || r.data !== this.scratchData) {
      this.scratch.width = r.columns;
      this.scratch.height = r.rows;
      const sctx = this.scratch.getContext("2d");
      if (!sctx) return this.scratch;
      const img = sctx.createImageData(r.columns, r.rows);
      if (r.samplesPerPixel === 3) {
        for (let i = 0, o = 0; i < r.data.length; i += 3, o += 4) {
          img.data[o] = r.data[i] ?? 0;
          img.data[o + 1] = r.data[i + 1] ?? 0;
          img.data[o + 2] = r.data[i + 2] ?? 0;
          img.data[o + 3] = 255;
        }
      } else {
        windowToRgba(r.data, { slope: r.slope, intercept: r.intercept, invert }, win, img.data, r.padding);
      }
      sctx.putImageData(img, 0, 0);
      this.scratchKey = key;
      this.scratchData = r.data;
    }
    return this.scratch;
  }

  draw(src: Source | null, p: DrawParams): void {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, p.width, p.height);
    if (!src) return;
    const img = this.prepare(src, p.window, p.invert);
    // Invert the screen→image affine to get image→screen for drawImage, in device px.
    const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = p.affine;
    const det = a * d - b * c;
    const ia = d / det;
    const ib = -b / det;
    const ic = -c / det;
    const id = a / det;
    const ie = -(ia * e + ic * f);
    const iff = -(ib * e + id * f);
    // A reduced level is stretched over the full image's rectangle, smoothed; full resolution
    // is not, unless minified (the browser's high-quality downscaling then stands in for
    // the WebGL path's area filter).
    const level = src.kind === "raw" ? src.raw.level : 0;
    const scale: [number, number] = src.kind === "raw" ? [src.raw.columns / src.raw.fullColumns, src.raw.rows / src.raw.fullRows] : [1, 1];
    const [fx, fy] = footprint(p.affine, scale, p.dpr);
    this.lastArea = Math.max(fx, fy) > 1 + 1e-6;
    ctx.imageSmoothingEnabled = level > 0 || this.lastArea;
    ctx.imageSmoothingQuality = "high";
    ctx.setTransform(ia * p.dpr, ib * p.dpr, ic * p.dpr, id * p.dpr, ie * p.dpr, iff * p.dpr);
    if (src.kind === "raw") ctx.drawImage(img, 0, 0, src.raw.columns, src.raw.rows, 0, 0, src.raw.fullColumns, src.raw.fullRows);
    else {
      ctx.filter = invertsBitmap(src, p) ? "invert(1)" : "none";
      ctx.drawImage(img, 0, 0);
      ctx.filter = "none";
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  dispose(): void {
    this.scratchKey = "";
  }
}

/**
 * Whether a server PNG is drawn inverted: when the view asks for an inversion (a GSPS's
 * `invert`) other than the one the server applied. Grey only: colour says neither.
 */
export function invertsBitmap(src: Source, p: Pick<DrawParams, "invert">): boolean {
  return src.kind === "bitmap" && src.inverted !== undefined && p.invert !== undefined && p.invert !== src.inverted;
}

/** WebGL2 when available (the fast path), else the 2D canvas. */
export function createRenderer(canvas: HTMLCanvasElement, forceCanvas2d = false): Renderer | null {
  if (!forceCanvas2d) {
    const gl = WebGL2Renderer.create(canvas);
    if (gl) return gl;
  }
  return Canvas2DRenderer.create(canvas);
}
