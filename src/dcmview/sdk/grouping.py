"""Patient, Study, Series: the DICOM grouping of a catalog's files, and stack order.

A :class:`~dcmview.sdk.catalog.Catalog` groups the headers it has read into
patients, studies (StudyInstanceUID) and series (SeriesInstanceUID), each sorted
the same way whatever order the files were read in; files without those UIDs are
grouped by folder. The grouping only holds indexes: instances are opened through
the catalog when asked for.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.header import Header
    from dcmview.sdk.instance import Instance

__all__ = ["Patient", "Series", "Study", "group", "stack_order"]


def none_last(n: int | None) -> tuple[bool, int]:
    """Sort key of an optional number: numbers in order, then None."""
    return (n is None, n or 0)


@dataclass(frozen=True, slots=True)
class Series:
    """The instances of one series (SeriesInstanceUID), in stack order.

    Stack order is the position along the slice normal (ImagePositionPatient ·
    (row × column direction of ImageOrientationPatient), PS3.3 C.7.6.2.1.1)
    when every instance has a position, else InstanceNumber when every
    instance has one, else the path.

    Parameters
    ----------
    key : str
        The SeriesInstanceUID, or ``"folder:<dir>"`` for files without one
        (files without UIDs are grouped by folder).
    series_instance_uid, modality, series_description : str
        From the first instance.
    series_number : int or None
    indexes : tuple of int
        Catalog indexes in stack order.
    catalog : Catalog
        The catalog the indexes refer to.
    """

    key: str
    series_instance_uid: str
    modality: str
    series_number: int | None
    series_description: str
    indexes: tuple[int, ...]
    catalog: Catalog = dataclasses.field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.indexes)

    @property
    def headers(self) -> tuple[Header, ...]:
        """The Header of each instance, in stack order."""
        return tuple(self.catalog.header(i) for i in self.indexes)

    @property
    def instances(self) -> list[Instance]:
        """The instances, in stack order (opened lazily, through the catalog)."""
        return [self.catalog[i] for i in self.indexes]

    @property
    def frame_count(self) -> int:
        """Frames of all instances together (a stack of single-frame files counts each)."""
        return sum(h.number_of_frames for h in self.headers)


@dataclass(frozen=True, slots=True)
class Study:
    """The series of one study (StudyInstanceUID), by series number.

    Parameters
    ----------
    key : str
        The StudyInstanceUID, or ``"folder:<dir>"`` for files without one.
    study_instance_uid, study_date, study_description, patient_id, patient_name : str
        From the first instance.
    series : tuple of Series
    """

    key: str
    study_instance_uid: str
    study_date: str
    study_description: str
    patient_id: str
    patient_name: str
    series: tuple[Series, ...]

    @property
    def indexes(self) -> tuple[int, ...]:
        """Catalog indexes of every instance, series by series."""
        return tuple(i for s in self.series for i in s.indexes)


@dataclass(frozen=True, slots=True)
class Patient:
    """The studies of one patient (PatientID), by date.

    Parameters
    ----------
    patient_id, patient_name : str
        ``""`` when absent: every file without a PatientID is under one patient.
    studies : tuple of Study
    """

    patient_id: str
    patient_name: str
    studies: tuple[Study, ...]


def _normal(iop: tuple[float, ...] | None) -> tuple[float, float, float] | None:
    if iop is None or len(iop) != 6 or not all(math.isfinite(v) for v in iop):
        return None
    r, c = iop[:3], iop[3:]
    n = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
    return n if any(n) else None


def stack_order(items: list[tuple[int, Header]]) -> list[int]:
    """Return the indexes of `items` (index, header) in stack order (see :class:`Series`)."""
    normal = next(
        (n for _, h in items if (n := _normal(h.image_orientation_patient)) is not None), None
    )
    if normal is not None and all(
        h.image_position_patient is not None and len(h.image_position_patient) == 3
        for _, h in items
    ):
        nx, ny, nz = normal

        def by_position(item: tuple[int, Header]) -> tuple[Any, ...]:
            p = item[1].image_position_patient
            assert p is not None  # checked above
            return (p[0] * nx + p[1] * ny + p[2] * nz, none_last(item[1].instance_number))

        ordered = sorted(items, key=lambda it: (*by_position(it), it[1].path))
    elif all(h.instance_number is not None for _, h in items):
        ordered = sorted(items, key=lambda it: (it[1].instance_number, it[1].path))
    else:
        ordered = sorted(items, key=lambda it: it[1].path)
    return [i for i, _ in ordered]


def _study_key(s: Study) -> tuple[str, str, str]:
    return (s.study_date, s.study_instance_uid, s.key)


def group(catalog: Catalog, headers: list[Header]) -> list[Patient]:
    studies: dict[str, dict[str, list[tuple[int, Header]]]] = {}
    for i, h in enumerate(headers):
        folder = "folder:" + os.path.dirname(h.path)
        study = studies.setdefault(h.study_instance_uid or folder, {})
        study.setdefault(h.series_instance_uid or folder, []).append((i, h))
    patients: dict[str, list[Study]] = {}
    names: dict[str, str] = {}
    for study_key, series_map in studies.items():
        series_list = []
        for series_key, items in series_map.items():
            first = items[0][1]
            series_list.append(
                Series(
                    key=series_key,
                    series_instance_uid=first.series_instance_uid,
                    modality=first.modality,
                    series_number=first.series_number,
                    series_description=first.series_description,
                    indexes=tuple(stack_order(items)),
                    catalog=catalog,
                )
            )
        # The order of a blocking scan's catalog: number, UID ("" first), then folder.
        series_list.sort(key=lambda s: (none_last(s.series_number), s.series_instance_uid, s.key))
        first = headers[series_list[0].indexes[0]]
        patients.setdefault(first.patient_id, []).append(
            Study(
                key=study_key,
                study_instance_uid=first.study_instance_uid,
                study_date=first.study_date,
                study_description=first.study_description,
                patient_id=first.patient_id,
                patient_name=first.patient_name,
                series=tuple(series_list),
            )
        )
        names.setdefault(first.patient_id, first.patient_name)
    return [
        Patient(pid, names[pid], tuple(sorted(sts, key=_study_key)))
        for pid, sts in sorted(patients.items(), key=lambda kv: (kv[0], names[kv[0]]))
    ]
