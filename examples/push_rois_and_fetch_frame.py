"""Start a viewer, push ROIs from a pandas DataFrame, fetch a frame back as numpy.

A detector's boxes (one row per box) become the viewer's annotations, the way a
colleague looking at the viewer would see model predictions appear; then the
decoded frame the viewer shows is fetched over HTTP, identical to the SDK's.
"""

from __future__ import annotations

import pandas as pd
import pydicom.examples

from dcmview import view
from dcmview.client import Client
from dcmview.sdk.instance import open as sdk_open

ct = str(pydicom.examples.get_path("ct"))  # a 128x128 CT slice bundled with pydicom

# One row per predicted box, [ymin, xmin, ymax, xmax] in pixel indices (0-based).
boxes = pd.DataFrame(
    {
        "path": [ct, ct, ct],
        "ymin": [10, 60, 5],
        "xmin": [20, 70, 5],
        "ymax": [40, 90, 8],
        "xmax": [50, 100, 8],
        "score": [0.91, 0.74, 0.12],
    }
)
kept = boxes[boxes["score"] >= 0.5]
# The EMBED table: one row per file, its boxes as a list of lists.
table = (
    kept.groupby("path")[["ymin", "xmin", "ymax", "xmax"]]
    .apply(lambda g: g.to_numpy().tolist())
    .rename("ROI_coords")
    .rename_axis("anon_dicom_path")
    .reset_index()
)

with view([ct], browser=False, block=False, quiet=True) as viewer, Client(viewer.url) as client:
    client.wait_until_scanned()
    print(f"viewer at {viewer.base_url} serves {client.health()['file_count']} file(s)")
    for index, rois in client.push_annotations(table).items():
        print(f"file {index}: {len(rois)} ROIs pushed:", [r.to_list() for r in rois])
    pixels = client.frame_array(0, 0)
    same = (pixels == sdk_open(ct).frame(0).array()).all()
    print(f"frame 0: {pixels.shape} {pixels.dtype}, values {pixels.min()}..{pixels.max()}")
    print(f"identical to the SDK's decode: {same}")
    print(client.export_csv(), end="")
