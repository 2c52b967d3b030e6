"""The profiles: which patients, studies and files each corpus holds.

``ci``
    Coverage, small: CT and MR series, FFDM in every transfer syntax, a
    tomosynthesis stack, ultrasound, odd and broken files, derived objects
    (SEG, RTSTRUCT, RT Dose, parametric map, GSPS) and the ROI tables.
``bench``
    Volume, for benchmarks/: a 3328x2560 FFDM in four syntaxes, a 60-frame
    2048x1664 tomosynthesis stack (JPEG 2000 and uncompressed) and a folder of
    10,000 small CT files (10 patients x 10 series x 100 slices).
``hostile``
    Memory bombs (bombs.py), kept apart so nothing sweeps them frame by frame.
"""

from __future__ import annotations

from pydicom import uid as U

from tests.corpus import derived
from tests.corpus.bombs import memory_bombs
from tests.corpus.broken_derived import broken_derived_objects
from tests.corpus.builder import Corpus
from tests.corpus.ct import ct_dataset, ct_series
from tests.corpus.edge import edge_cases
from tests.corpus.gsps import gsps_display
from tests.corpus.mg import FFDM_BENCH, FFDM_CI, dbt, ffdm
from tests.corpus.mr import mr_dataset, mr_volume
from tests.corpus.phantoms import ct_body_slice, ct_stored
from tests.corpus.us import ultrasound

PROFILES = ("ci", "bench", "hostile")

#: The bench profile's directory-scan folder: patients x series x slices.
SCAN_SHAPE = (10, 10, 100)


def build_ci(c: Corpus) -> None:
    # CT: 40 slices 256x256 int16, explicit VR LE, nested folders
    pct = c.patient("CT0001", "PHANTOM^CT BODY", "M", "19650310", "058Y")
    sct = c.study(pct, "ct-abdomen", "CT CHEST ABDOMEN W CONTRAST", day=0)
    se = c.series(sct, "axial", 2, "CT", "AX 2.5mm STANDARD")
    root = f"ct/{pct['id']}/{sct['date']}_CT_CHEST_ABDOMEN/series_002_AX_2.5mm"
    ct = ct_series(c, root, se, 40, 256, 1.5, 2.5)

    # MR: 20 slices 256x256 uint16 implicit VR LE + a big-endian copy of the first
    pmr = c.patient("MR0001", "PHANTOM^MR BRAIN", "F", "19800521", "043Y")
    smr = c.study(pmr, "mr-brain", "MR BRAIN WO CONTRAST", day=1, time_="141500")
    se = c.series(smr, "t1ax", 3, "MR", "T1 SE AX")
    vol = mr_volume(c, 256, 20, "t1")
    mr_root = f"mr/{pmr['id']}/{smr['date']}_MR_BRAIN"
    mr = []
    for i, sl in enumerate(vol):
        ds = mr_dataset(c, se, i + 1, sl, 256, 0.9375, 5.0, -60.0 + i * 6.0)
        c.write(
            f"{mr_root}/series_003_T1_SE_AX/IM{i + 1:04d}.dcm",
            ds,
            sl,
            U.ImplicitVRLittleEndian,
            desc=f"MR brain phantom slice {i + 1}/20 (implicit VR LE)",
        )
        mr.append(ds)
    se = c.series(smr, "t1ax-be", 903, "MR", "T1 SE AX (explicit VR big endian copy)")
    ds = mr_dataset(c, se, 1, vol[0], 256, 0.9375, 5.0, -60.0)
    c.write(
        f"{mr_root}/series_903_T1_big_endian/IM0001.dcm",
        ds,
        vol[0],
        U.ExplicitVRBigEndian,
        desc="first MR slice in retired Explicit VR Big Endian",
    )

    # MG: FFDM 1024x832 12-bit in every syntax, DBT 12x768x640 10-bit
    pmg = c.patient("MG0001", "PHANTOM^MAMMO", "F", "19690802", "055Y")
    smg = c.study(pmg, "mammo", "MAMMO SCREENING BILATERAL W TOMO", day=2, time_="101000")
    mg_root = f"mg/{pmg['id']}/{smg['date']}_MAMMO"
    ffdms = ffdm(c, mg_root, smg, 1024, 832, 0.2, FFDM_CI, key="ci")
    tomo = dbt(
        c,
        mg_root,
        smg,
        12,
        768,
        640,
        0.2,
        [
            ("DBT_L_CC_12f_j2k_lossless.dcm", U.JPEG2000Lossless, "JPEG 2000 lossless"),
            ("DBT_L_CC_12f_rle_lossless.dcm", U.RLELossless, "RLE lossless"),
        ],
        key="ci",
    )

    # US: RGB cine, JPEG baseline YBR_FULL_422 frame, palette colour
    pus = c.patient("US0001", "PHANTOM^US CAROTID", "M", "19580115", "066Y")
    sus = c.study(pus, "us-carotid", "US CAROTID DOPPLER", day=3, time_="083000")
    ultrasound(c, f"us/{pus['id']}/{sus['date']}_US_CAROTID", sus)

    explicit = ffdms.get("L_CC_explicit_le.dcm")
    edge_cases(c, vol[0], c.out / mg_root / "L_CC_explicit_le.dcm" if explicit else None, explicit)

    # Derived objects over the series above, in the same studies.
    derived.derived_objects(
        c,
        ct=ct,
        ct_study=sct,
        mr=mr,
        mr_root=f"{mr_root}/series_003_T1_SE_AX",
        mr_study=smr,
        mammogram=explicit,
        mammogram_path=f"{mg_root}/L_CC_explicit_le.dcm",
        mg_study=smg,
        tomo=tomo,
        tomo_path=f"{mg_root}/DBT_L_CC_12f_j2k_lossless.dcm",
    )
    gsps_display(c, ct, sct)
    # ... and SEGs broken on purpose (source missing, wrong geometry, broken encoding).
    broken_derived_objects(c)


def build_bench(c: Corpus) -> None:
    # DBT 60 x 2048 x 1664
    pmg = c.patient("MGB001", "PHANTOM^MAMMO BENCH", "F", "19720202", "052Y")
    smg = c.study(pmg, "mammo-bench", "MAMMO DIAGNOSTIC W TOMO", day=30)
    root = f"mg/{pmg['id']}/{smg['date']}_MAMMO"
    dbt(
        c,
        root,
        smg,
        60,
        2048,
        1664,
        0.1,
        [
            ("DBT_L_CC_60f_j2k_lossless.dcm", U.JPEG2000Lossless, "JPEG 2000 lossless"),
            ("DBT_L_CC_60f_explicit_le.dcm", U.ExplicitVRLittleEndian, "Explicit VR LE"),
        ],
        key="bench",
    )
    # FFDM 3328 x 2560
    ffdm(c, root, smg, 3328, 2560, 0.065, FFDM_BENCH, key="bench", extras=False)
    scan_folder(c)


def scan_folder(c: Corpus) -> None:
    """10,000 CT files of 128x128 (~34 KB each) in 100 series folders, for bench_scan.py."""
    n, (patients, series, slices) = 128, SCAN_SHAPE
    rb = c.rng("scan-base")
    base = [ct_body_slice(n, 3.0, i / (slices - 1), rb, noise_sd=0)[0] for i in range(slices)]
    for p in range(patients):
        pt = c.patient(
            f"SCAN{p:02d}", f"PHANTOM^SCAN {p:02d}", "MF"[p % 2], f"19{50 + p}0101", f"0{70 - p}Y"
        )
        st = c.study(pt, f"scan-{p}", "CT SCAN-SPEED STUDY", day=p)
        for s in range(series):
            se = c.series(st, f"scan-{p}-{s}", s + 1, "CT", f"AX 3mm #{s + 1}")
            rng = c.rng("scan", p, s)
            root = f"scan/{pt['id']}/{st['date']}_CT/SE{s + 1:03d}"
            for i in range(slices):
                hu = base[i] + rng.normal(0, 12, (n, n)).astype("float32")
                arr = ct_stored(hu)
                ds = ct_dataset(c, se, i + 1, arr, n, 3.0, 3.0, -100.0 - 3.0 * i)
                c.write(
                    f"{root}/IM{i + 1:05d}.dcm",
                    ds,
                    arr,
                    U.ExplicitVRLittleEndian,
                    desc="small CT for directory-scan benchmarks",
                )


def build_hostile(c: Corpus) -> None:
    memory_bombs(c)


BUILDERS = {"ci": build_ci, "bench": build_bench, "hostile": build_hostile}
