"""Type aliases shared by the SDK: StrPath, ArrayU8, ArrayF32, AnyArray."""

from __future__ import annotations

import os
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

StrPath: TypeAlias = str | os.PathLike[str]
ArrayU8: TypeAlias = npt.NDArray[np.uint8]
ArrayF32: TypeAlias = npt.NDArray[np.float32]
ArrayF64: TypeAlias = npt.NDArray[np.float64]
AnyArray: TypeAlias = npt.NDArray[Any]
