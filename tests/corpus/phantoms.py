"""Synthetic anatomy as numpy arrays: CT body, MR brain, breast, ultrasound cine.

Nothing here knows about DICOM. Every random number comes from the
``numpy.random.Generator`` passed in, so a phantom is a pure function of its
arguments. The order in which a function draws from the generator is part of
the corpus: changing it changes pixels (and the ROI boxes the tests pin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# An ellipse in a slice: centre x, centre y, half-axis x, half-axis y, rotation (degrees).
Ellipse = tuple[float, float, float, float, float]

# -- shapes and textures -----------------------------------------------------------------


def ellipse(x, y, cx, cy, ax, ay, deg=0.0) -> np.ndarray:
    """Boolean mask of a (rotated) ellipse; x is (1, W), y is (H, 1)."""
    dx = x - cx
    dy = y - cy
    if deg:
        t = math.radians(deg)
        c, s = math.cos(t), math.sin(t)
        dx, dy = dx * c + dy * s, -dx * s + dy * c
    return (dx / ax) ** 2 + (dy / ay) ** 2 <= 1.0


def ellipse_outline(e: Ellipse, points: int) -> list[tuple[float, float]]:
    """`points` (x, y) points on the boundary of ellipse `e`, counter-clockwise."""
    cx, cy, ax, ay, deg = e
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    out = []
    for k in range(points):
        a = 2 * math.pi * k / points
        u, v = ax * math.cos(a), ay * math.sin(a)
        # The inverse of the rotation ellipse() applies to the offsets.
        out.append((cx + u * c - v * s, cy + u * s + v * c))
    return out


def power_law_texture(shape, rng: np.random.Generator, beta=3.0) -> np.ndarray:
    """Zero-mean, unit-std 1/f^beta noise (looks like breast parenchyma)."""
    white = rng.standard_normal(shape, dtype=np.float32)
    f = np.fft.rfft2(white)
    ky = np.fft.fftfreq(shape[0]).astype(np.float32)[:, None]
    kx = np.fft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    k = np.sqrt(kx * kx + ky * ky)
    k[0, 0] = 1.0
    f *= k ** (-beta / 2.0)
    f[0, 0] = 0
    t = np.fft.irfft2(f, s=shape).astype(np.float32)
    t -= t.mean()
    t /= t.std() + 1e-12
    return t


def smooth_field(shape, rng: np.random.Generator, sigma_px) -> np.ndarray:
    """Zero-mean, unit-std Gaussian-low-passed noise."""
    white = rng.standard_normal(shape, dtype=np.float32)
    f = np.fft.rfft2(white)
    ky = np.fft.fftfreq(shape[0]).astype(np.float32)[:, None]
    kx = np.fft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    f *= np.exp(-2 * (math.pi * sigma_px) ** 2 * (kx * kx + ky * ky))
    t = np.fft.irfft2(f, s=shape).astype(np.float32)
    t -= t.mean()
    t /= t.std() + 1e-12
    return t


def add_blob(img: np.ndarray, cy, cx, sigma, amp) -> None:
    """Add a Gaussian blob in place (only touches a local window)."""
    r = int(math.ceil(4 * sigma)) + 1
    y0, y1 = max(0, int(cy) - r), min(img.shape[0], int(cy) + r + 1)
    x0, x1 = max(0, int(cx) - r), min(img.shape[1], int(cx) + r + 1)
    if y0 >= y1 or x0 >= x1:
        return
    yy = np.arange(y0, y1, dtype=np.float32)[:, None] - cy
    xx = np.arange(x0, x1, dtype=np.float32)[None, :] - cx
    img[y0:y1, x0:x1] += amp * np.exp(-(yy * yy + xx * xx) / (2 * sigma * sigma))


def box_blur(mask: np.ndarray, radius: int) -> np.ndarray:
    """A float32 copy of a 2-D mask averaged over a (2r+1)^2 window: soft edges."""
    out = mask.astype(np.float32)
    k = 2 * radius + 1
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (radius + 1, radius)
        c = np.cumsum(np.pad(out, pad), axis=axis, dtype=np.float64)
        hi = np.take(c, range(k, c.shape[axis]), axis=axis)
        lo = np.take(c, range(c.shape[axis] - k), axis=axis)
        out = ((hi - lo) / k).astype(np.float32)
    return out


# -- CT: axial body slices in HU ------------------------------------------------------------

#: Label values of ct_body_slice's label map (0: no structure of interest).
CT_LABELS = {
    "liver": 1,
    "spleen": 2,
    "kidney_left": 3,
    "kidney_right": 4,
    "aorta": 5,
    "vertebra": 6,
}


def ct_organs(tz: float) -> dict[str, Ellipse]:
    """Outlines (LPS mm) of the organs an RT structure set draws, at height tz in [0, 1].

    An organ absent at that height is not in the dict. ct_body_slice paints
    the same ellipses, so the outlines and the pixels agree.
    """
    out: dict[str, Ellipse] = {"body": (0, 0, 165, 118, 0.0), "aorta": (12, 38, 11, 11, 0.0)}
    lv = float(np.clip((tz - 0.2) / 0.45, 0, 1))
    if lv > 0.05:
        out["liver"] = (-62, -5, 72 * lv**0.5, 70 * lv**0.5, 10)
        out["spleen"] = (85, 25, 28 * lv**0.5, 42 * lv**0.5, -20)
    if tz > 0.55:
        kk = min(1.0, (tz - 0.55) / 0.25)
        # +x is the patient's left.
        out["kidney_left"] = (62, 55, 24 * kk, 36 * kk, 20)
        out["kidney_right"] = (-62, 55, 24 * kk, 36 * kk, -20)
    return out


def ct_body_slice(n, spacing, tz, rng: np.random.Generator, noise_sd=10.0):
    """Axial body slice in HU and its label map; tz in [0,1]: 0 = lower chest, 1 = mid abdomen.

    Coordinates are patient LPS in mm: +x = patient left (image right),
    +y = posterior (image down). Returns (hu float32, labels uint8, see CT_LABELS).
    """
    half = (n - 1) / 2.0
    x = ((np.arange(n, dtype=np.float32) - half) * spacing)[None, :]
    y = ((np.arange(n, dtype=np.float32) - half) * spacing)[:, None]
    hu = np.full((n, n), -1000.0, np.float32)
    labels = np.zeros((n, n), np.uint8)
    organs = ct_organs(tz)

    def paint(mask: np.ndarray, value, label: str | None = None) -> None:
        hu[mask] = value
        labels[mask] = CT_LABELS[label] if label else 0

    paint(((y >= 128) & (y <= 136)) & (np.abs(x) <= 185), 110.0)  # table
    paint(ellipse(x, y, *organs["body"]), -95.0)  # s.c. fat
    paint(ellipse(x, y, 0, 3, 152, 105), 45.0)  # muscle wall
    if tz < 0.85:  # ribs
        for k in range(14):
            a = (k + 0.5) * 2 * math.pi / 14
            if abs(math.sin(a)) > 0.93 and math.sin(a) > 0:  # none over spine
                continue
            paint(
                ellipse(x, y, 141 * math.cos(a), 3 + 96 * math.sin(a), 7, 5, math.degrees(a)), 750.0
            )
    paint(ellipse(x, y, 0, 3, 135, 90), 30.0)  # visceral cavity
    ls = max(0.0, 1.0 - tz / 0.6)  # lungs shrink
    if ls > 0.05:
        lung_tex = smooth_field((n, n), rng, 1.2 / spacing)
        for sx in (-1, 1):
            m = ellipse(x, y, sx * 70, -2, 55 * ls**0.5, 78 * ls**0.6, -sx * 8)
            paint(m, -860.0 + 35.0 * lung_tex[m])
    hs = max(0.0, 1.0 - tz / 0.35)  # heart (top)
    if hs > 0.05:
        paint(ellipse(x, y, 22, -30, 52 * hs**0.5, 44 * hs**0.5, 25), 42.0)
        paint(ellipse(x, y, 30, -28, 20 * hs**0.5, 16 * hs**0.5, 25), 210.0)  # LV blood
    lv = float(np.clip((tz - 0.2) / 0.45, 0, 1))  # liver/spleen
    if lv > 0.05:
        paint(ellipse(x, y, *organs["liver"]), 62.0, "liver")
        paint(ellipse(x, y, -70, 10, 6 * lv, 6 * lv), 110.0, "liver")  # hepatic vessel
        paint(ellipse(x, y, *organs["spleen"]), 50.0, "spleen")
    if 0.35 < tz < 0.9:  # stomach: gas + fluid
        st = math.sin(math.pi * (tz - 0.35) / 0.55)
        m = ellipse(x, y, 45, -30, 38 * st, 26 * st)
        paint(m, 15.0)
        paint(m & (y < -30 - 8 * st), -980.0)
    if tz > 0.55:  # kidneys: cortex, then medulla
        kk = min(1.0, (tz - 0.55) / 0.25)
        for sx in (-1, 1):
            side = "kidney_left" if sx > 0 else "kidney_right"
            paint(ellipse(x, y, *organs[side]), 160.0, side)
            paint(ellipse(x, y, sx * 58, 55, 8 * kk, 14 * kk, sx * 20), 20.0, side)
    paint(ellipse(x, y, *organs["aorta"]), 185.0, "aorta")
    paint(ellipse(x, y, -22, 36, 11, 9), 120.0)  # IVC
    paint(ellipse(x, y, 0, 70, 18, 16), 850.0, "vertebra")  # vertebral body
    paint(ellipse(x, y, 0, 70, 15, 13), 240.0, "vertebra")
    paint(ellipse(x, y, 0, 100, 16, 9), 600.0)  # posterior elements
    paint(ellipse(x, y, 0, 93, 7, 6), 15.0)  # spinal canal
    if noise_sd:
        nz = rng.normal(0.0, noise_sd, (n, n)).astype(np.float32)
        nz = (nz + np.roll(nz, 1, 0) + np.roll(nz, 1, 1) + np.roll(nz, (1, 1), (0, 1))) * 0.5
        hu += nz
    return hu, labels


def ct_stored(hu: np.ndarray) -> np.ndarray:
    """HU -> stored int16 with intercept -1024, padding -2000 outside the FOV."""
    n = hu.shape[0]
    st = np.clip(np.rint(hu + 1024.0), 0, 4095).astype(np.int16)
    half = (n - 1) / 2.0
    r = np.hypot(np.arange(n)[:, None] - half, np.arange(n)[None, :] - half)
    st[r > n / 2.0] = -2000
    return st


# -- MR: axial brain slices -----------------------------------------------------------------

MR_T1 = {"scalp": 620, "skull": 40, "csf": 170, "gm": 470, "wm": 690, "vent": 150, "les": 950}
MR_T2 = {"scalp": 450, "skull": 30, "csf": 1500, "gm": 780, "wm": 560, "vent": 1500, "les": 1250}
#: T1 relaxation times (ms) per tissue at 1.5 T, roughly: the parametric map's quantity.
T1_MS = {"scalp": 350, "skull": 0, "csf": 4000, "gm": 1200, "wm": 780, "vent": 4000, "les": 1500}


def mr_brain_slice(n, tz, tex_a, tex_b, rng, noise_sd=10.0, t2=False, quantity=None):
    """Axial T1-like (or T2-like) brain slice, tz in [-1, 1] (inferior..superior).

    With `quantity` (a value per tissue, like T1_MS) the slice is that map
    instead: float32, no bias field, no noise, and `rng` is not used.
    """
    c = (np.arange(n, dtype=np.float32) - (n - 1) / 2.0) / (n / 2.0)
    x, y = c[None, :], c[:, None]
    s = math.sqrt(max(1.0 - (tz * 0.95) ** 2, 0.04))
    tex = math.cos(tz * 2.2) * tex_a + math.sin(tz * 2.2) * tex_b
    val = quantity or (MR_T2 if t2 else MR_T1)
    img = np.zeros((n, n), np.float32)
    img[ellipse(x, y, 0, 0, 0.71 * s + 0.03, 0.90 * s + 0.03)] = val["scalp"]
    img[ellipse(x, y, 0, 0, 0.67 * s + 0.02, 0.86 * s + 0.02)] = val["skull"]
    csf = ellipse(x, y, 0, 0.01, 0.64 * s, 0.83 * s)
    img[csf] = val["csf"]
    brain = ellipse(x, y, 0, 0.01, 0.615 * s, 0.80 * s)
    img[brain] = val["gm"]
    sulci = brain & (np.abs(tex) < 0.09) & ~ellipse(x, y, 0, 0.01, 0.45 * s, 0.62 * s)
    img[sulci] = val["csf"]
    d = (x / (0.50 * s)) ** 2 + ((y - 0.01) / (0.67 * s)) ** 2 + 0.22 * tex
    img[brain & (d < 1.0)] = val["wm"]
    if abs(tz) < 0.5:
        vs = math.sqrt(1 - (tz / 0.5) ** 2)
        for sx in (-1, 1):
            vent = ellipse(x, y, sx * 0.09, -0.06, 0.05 * vs + 0.01, 0.24 * vs + 0.02, sx * 14)
            img[vent] = val["vent"]
    if 0.1 < tz < 0.45:
        img[ellipse(x, y, 0.25, -0.2, 0.045, 0.035)] = val["les"]
    if tz < -0.45:  # orbits
        for sx in (-1, 1):
            orbit = ellipse(x, y, sx * 0.30, -0.72, 0.11, 0.09)
            img[orbit] = val["csf"] if quantity else 90 if not t2 else 1400
    if quantity:
        return img
    bias = 1.0 + 0.12 * x - 0.10 * y
    img *= bias
    n1 = rng.normal(0.0, noise_sd, (n, n)).astype(np.float32)
    n2 = rng.normal(0.0, noise_sd, (n, n)).astype(np.float32)
    img = np.sqrt((img + n1) ** 2 + n2**2)  # Rician noise
    return np.clip(np.rint(img), 0, 4095).astype(np.uint16)


def mr_textures(n, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two smooth fields that shape a brain volume's gyri (drawn first from `rng`)."""
    return smooth_field((n, n), rng, n / 64.0), smooth_field((n, n), rng, n / 64.0)


def mr_heights(nslices: int) -> list[float]:
    """tz of each slice of a brain volume, inferior to superior."""
    return [-0.75 + 1.55 * i / max(1, nslices - 1) for i in range(nslices)]


# -- mammography: a compressed breast with lesions ------------------------------------------


@dataclass
class BreastModel:
    rows: int
    cols: int
    mask: np.ndarray
    thick: np.ndarray
    env: np.ndarray
    pect: np.ndarray | None
    tex: list
    calc_layer: np.ndarray | None = None
    mass_layer: np.ndarray | None = None
    rois: dict = field(default_factory=dict)  # name -> [ymin, xmin, ymax, xmax]


def breast_model(rows, cols, rng, view="CC", lesions=True, n_tex=1) -> BreastModel:
    """Synthetic compressed breast, chest wall at column 0 (left breast)."""
    r = np.arange(rows, dtype=np.float32)[:, None]
    c = np.arange(cols, dtype=np.float32)[None, :]
    cy = rows * (0.50 if view == "CC" else 0.47)
    A, B = rows * 0.41, cols * 0.80
    ang = np.arctan2((r - cy) / A, c / B)
    wob = 1.0 + 0.015 * np.sin(3 * ang + rng.uniform(0, 6.28)) + 0.01 * np.sin(7 * ang)
    rho = np.sqrt(((r - cy) / A) ** 2 + (c / B) ** 2) / wob
    mask = rho < 1.0
    thick = np.sqrt(np.clip(1.0 - rho * rho, 0.0, 1.0)).astype(np.float32)
    env = np.exp(-((((c / B) - 0.36) / 0.30) ** 2) - ((r - cy) / (0.60 * A)) ** 2).astype(
        np.float32
    )
    pect = None
    if view == "MLO":
        pect = mask & (c < cols * 0.32 * (1.0 - r / (rows * 0.62)))
    tex = [power_law_texture((rows, cols), rng, 3.0) for _ in range(n_tex)]
    m = BreastModel(rows, cols, mask, thick, env, pect, tex)
    if not lesions:
        return m
    scale = max(1.0, rows / 1024.0)
    ok = mask & (env > 0.45) & (thick > 0.5)
    if pect is not None:
        ok &= ~pect
    cand = np.flatnonzero(ok[::4, ::4])
    w4 = (cols + 3) // 4

    def pick():
        i = int(cand[rng.integers(len(cand))])
        return float((i // w4) * 4), float((i % w4) * 4)

    # calcification cluster: 7-12 tiny bright specks
    m.calc_layer = np.zeros((rows, cols), np.float32)
    ccy, ccx = pick()
    ys, xs, smax = [], [], 0.0
    for _ in range(int(rng.integers(7, 13))):
        py = ccy + rng.normal(0, rows * 0.009)
        px = ccx + rng.normal(0, rows * 0.009)
        sg = rng.uniform(0.6, 1.3) * scale
        add_blob(m.calc_layer, py, px, sg, rng.uniform(800, 1400))
        ys.append(py)
        xs.append(px)
        smax = max(smax, sg)
    pad = 3 * smax + 4 * scale
    m.rois["calcifications"] = [
        max(0, int(min(ys) - pad)),
        max(0, int(min(xs) - pad)),
        min(rows - 1, int(max(ys) + pad)),
        min(cols - 1, int(max(xs) + pad)),
    ]
    # mass: lobulated blob with a few spicules, away from the calcifications
    for _ in range(50):
        my, mx = pick()
        if math.hypot(my - ccy, mx - ccx) > rows * 0.18:
            break
    R = rows * rng.uniform(0.025, 0.04)
    h = int(2.2 * R) + 2
    y0, y1 = max(0, int(my) - h), min(rows, int(my) + h + 1)
    x0, x1 = max(0, int(mx) - h), min(cols, int(mx) + h + 1)
    yy = np.arange(y0, y1, dtype=np.float32)[:, None] - my
    xx = np.arange(x0, x1, dtype=np.float32)[None, :] - mx
    th = np.arctan2(yy, xx)
    ph1, ph2 = rng.uniform(0, 6.28, 2)
    rr = np.hypot(yy, xx) / (R * (1 + 0.12 * np.sin(5 * th + ph1) + 0.06 * np.sin(11 * th + ph2)))
    core = np.clip(1.0 - rr, 0, 1) ** 0.35
    spic = ((rr > 0.9) & (rr < 2.0) & (np.abs(np.sin(4.5 * th + ph1)) > 0.985)) * (2.0 - rr) * 0.35
    m.mass_layer = np.zeros((rows, cols), np.float32)
    m.mass_layer[y0:y1, x0:x1] = 520.0 * (core + spic)
    e = 2.0 * R
    m.rois["mass"] = [
        max(0, int(my - e)),
        max(0, int(mx - e)),
        min(rows - 1, int(my + e)),
        min(cols - 1, int(mx + e)),
    ]
    return m


def breast_compose(m: BreastModel, tex, rng, maxval=4095, calc_w=1.0, mass_w=1.0, noise=14.0):
    """Compose one 12-bit-scale image (then scaled to *maxval*) from a model."""
    dense = 1.0 / (1.0 + np.exp(-2.2 * (1.8 * m.env + 0.9 * tex - 1.3)))  # glandular fraction
    tissue = 1250.0 + 650.0 * m.thick**0.35 + 950.0 * dense * (0.8 + 0.2 * tex) * m.thick**0.25
    img = np.where(m.mask, tissue, 70.0).astype(np.float32)
    img[m.mask & (m.thick < 0.2)] += 110.0  # skin line
    if m.pect is not None:
        img[m.pect] = 2300.0 + 150.0 * tex[m.pect]
    if m.calc_layer is not None and calc_w > 0.01:
        img += calc_w * m.calc_layer
    if m.mass_layer is not None and mass_w > 0.01:
        img += mass_w * m.mass_layer
    img += rng.normal(0.0, noise, img.shape).astype(np.float32)
    if maxval != 4095:
        img *= maxval / 4095.0
    return np.clip(np.rint(img), 0, maxval).astype(np.uint16)


def dbt_focus(frames: int) -> tuple[list[float], list[float]]:
    """Per-frame weights of the calcifications and the mass in a tomosynthesis stack.

    Each lesion is in focus around its own depth; 1 is fully in focus.
    """
    k0, k1 = int(round(frames * 0.4)), int(round(frames * 0.62))
    sc, sm = max(1.0, frames * 0.05), max(2.0, frames * 0.10)
    calc = [math.exp(-(((k - k0) / sc) ** 2)) for k in range(frames)]
    mass = [math.exp(-(((k - k1) / sm) ** 2)) for k in range(frames)]
    return calc, mass


# -- ultrasound: an RGB carotid cine --------------------------------------------------------


def us_cine(frames, rows, cols, rng) -> np.ndarray:
    """RGB ultrasound-like cine: speckled sector, pulsating vessel with colour
    Doppler, colour bar and a green ECG trace."""
    out = np.zeros((frames, rows, cols, 3), np.uint8)
    yy = np.arange(rows, dtype=np.float32)[:, None]
    xx = np.arange(cols, dtype=np.float32)[None, :]
    ay, ax = -25.0, cols / 2.0
    rad = np.hypot(yy - ay, xx - ax)
    th = np.arctan2(xx - ax, yy - ay)
    fan = (rad > 40) & (rad < rows * 0.93 - ay * 0.2) & (np.abs(th) < 0.62)
    big = (rows + 40, cols + 40)
    sp = np.hypot(rng.standard_normal(big), rng.standard_normal(big)).astype(np.float32)
    sp = (sp + np.roll(sp, 1, 1) + np.roll(sp, 2, 1)) / 3.0  # lateral blur
    layers = 0.55 + 0.25 * np.sin(yy / 9.0) ** 2 + 0.5 * np.exp(-(((yy - 38) / 4.0) ** 2))
    tgc = np.exp(-(yy / rows) * 0.7)
    vy, vx, R0 = rows * 0.58, cols * 0.5, rows * 0.12
    bar = np.linspace(1, -1, 120)
    ecg_x = np.arange(cols)
    for k in range(frames):
        ph = 2 * math.pi * k / frames
        pulse = max(0.0, math.sin(ph)) ** 2
        R = R0 * (1 + 0.12 * pulse)
        dy, dx = int(round(3 * math.sin(ph))), int(round(2 * math.cos(ph)))
        s = sp[20 + dy : 20 + dy + rows, 20 + dx : 20 + dx + cols]
        d = np.hypot(yy - vy, (xx - vx) * 0.8) / R
        echo = layers * s * tgc
        echo = np.where(d < 1.0, 0.04 * s, echo)  # anechoic lumen
        echo = echo + 0.9 * np.exp(-(((d - 1.05) / 0.05) ** 2))  # bright wall
        g = np.clip(echo * 95.0, 0, 255) * fan
        img = np.repeat(g[..., None], 3, axis=2)
        v = (pulse * 0.9 + 0.1) * np.clip(1 - d * d, 0, 1)  # parabolic flow
        flow = (d < 1.0) & fan
        rev = flow & (d > 0.75) & (math.cos(ph) < -0.3)  # late-diastole reversal
        img[flow, 0] = 90 + 165 * v[flow]
        img[flow, 1] = 30 * v[flow]
        img[flow, 2] = 0
        img[rev] = [0, 40, 200]
        bx0, bx1 = int(vx - 2 * R0), int(vx + 2 * R0)
        by0, by1 = int(vy - 1.8 * R0), int(vy + 1.8 * R0)
        img[by0:by1, [bx0, bx1]] = 180  # colour box outline
        img[[by0, by1], bx0 : bx1 + 1] = 180
        x0 = cols - 14  # colour bar
        for i, b in enumerate(bar):
            img[40 + i, x0 : x0 + 8] = [255 * max(b, 0), 40 * abs(b), 255 * max(-b, 0)]
        base = rows - 14  # ECG trace
        t = (ecg_x / cols * 3.0) % 1.0
        ecg = (
            base - 9 * np.exp(-(((t - 0.3) / 0.012) ** 2)) + 2 * np.exp(-(((t - 0.55) / 0.05) ** 2))
        )
        img[np.clip(np.rint(ecg).astype(int), 0, rows - 1), ecg_x] = [40, 230, 40]
        cur = int(k / frames * (cols - 1))
        img[base - 12 : base + 3, cur] = [250, 250, 60]
        out[k] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def palette_image(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map the luminance of an RGB frame to 8-bit indices + a 'hot iron' LUT (16-bit)."""
    g = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    idx = np.clip(np.rint(g), 0, 255).astype(np.uint8)
    t = np.linspace(0, 1, 256)
    lut = np.stack([np.clip(3 * t, 0, 1), np.clip(3 * t - 1, 0, 1), np.clip(3 * t - 2, 0, 1)], 1)
    return idx, np.rint(lut * 65535).astype(np.uint16)
