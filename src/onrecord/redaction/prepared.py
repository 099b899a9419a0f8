"""The face model as onnxruntime runs it, made once from ``centerface.onnx`` and kept in a cache
folder, so that a run loads it straight into onnxruntime: no ``onnx`` import (seconds), no
quantization.

Two precisions. ``float``: the model with its input and output sizes made free (it fixes them
at 10×3×32×32, but is fully convolutional), its weights taken out of the graph's inputs so
onnxruntime may fold them, and the landmark output dropped (not used, so not run). ``int8``: that
model quantized by onnxruntime (static, QDQ, weights signed 8-bit per channel, activations
unsigned 8-bit per tensor, reduced range as on CPUs without VNNI) with the activation ranges in
``centerface-ranges.json`` (made by ``scripts/calibrate_face_model.py`` from scikit-image's
sample pictures, none of them a face the quality tests judge), so that no pictures are needed at
run time and the result is the same bytes on every machine with the same versions.

A cached file's name carries a key over everything that shapes its bytes (the source model's
SHA-256, the precision, the ranges, ``RECIPE``, the onnx and onnxruntime versions), so a new
version makes a new file; beside it a ``.sha256`` file holds its digest, and a file that does
not match (cut short, altered) is made again, never trusted. Files are written under a temporary
name and renamed, so processes racing to make the same file each leave a whole one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Any

RECIPE = "1"
"""Changed whenever the making below changes what it makes."""
RANGES = Path(__file__).with_name("centerface-ranges.json")
INPUT = "input.1"
LANDMARKS = "540"


class Precision(StrEnum):
    """Which copy of the face model runs."""

    INT8 = "int8"
    FLOAT = "float"


@dataclass(frozen=True)
class Prepared:
    """A prepared model's bytes (as onnxruntime loads them) and their SHA-256."""

    precision: Precision
    model: bytes
    sha256: str


def cache_dir() -> Path:
    """``$ONRECORD_CACHE_DIR``, else ``$XDG_CACHE_HOME/onrecord``, else ``~/.cache/onrecord``;
    the models go in its ``models`` folder."""
    if found := os.environ.get("ONRECORD_CACHE_DIR"):
        return Path(found) / "models"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "onrecord" / "models"


def tool_versions() -> list[str]:
    """The versions of the packages that make a prepared model (read without importing them)."""
    return [f"{name} {version(name)}" for name in ("onnx", "onnxruntime")]


def key(source_sha256: str, precision: Precision) -> str:
    """What a prepared file's bytes depend on, hashed."""
    parts = [source_sha256, str(precision), RECIPE, *tool_versions()]
    if precision is Precision.INT8:
        parts.append(hashlib.sha256(RANGES.read_bytes()).hexdigest())
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def cached_path(folder: Path, source_sha256: str, precision: Precision) -> Path:
    return folder / f"centerface-{precision}-{key(source_sha256, precision)[:16]}.onnx"


def prepared(
    source: Path, source_sha256: str, precision: Precision, folder: Path | None = None
) -> Prepared:
    """The model ``source`` (whose SHA-256 is ``source_sha256``) prepared at ``precision``: from
    the cache in ``folder`` (``cache_dir()``) when a whole file is there, else made and stored
    there. A folder that cannot be written to costs the making on every run, nothing else."""
    path = cached_path(folder or cache_dir(), source_sha256, precision)
    found = _read_checked(path)
    if found is not None:
        return Prepared(precision, found, hashlib.sha256(found).hexdigest())
    made = make(source, precision)
    digest = hashlib.sha256(made).hexdigest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(path, made)
        _write_whole(_digest_path(path), f"{digest}\n".encode())
    except OSError:
        pass
    return Prepared(precision, made, digest)


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _read_checked(path: Path) -> bytes | None:
    """The file's bytes when its digest file names them, else ``None``."""
    try:
        expected = _digest_path(path).read_text(encoding="ascii").strip()
        data = path.read_bytes()
    except (OSError, UnicodeDecodeError):
        return None
    return data if hashlib.sha256(data).hexdigest() == expected else None


def _write_whole(path: Path, data: bytes) -> None:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def make(source: Path, precision: Precision) -> bytes:
    """The prepared model's bytes, made from ``source`` (deterministic for given versions)."""
    free = free_sized(source)
    if precision is Precision.FLOAT:
        return bytes(free.SerializeToString())
    return quantized(free)


def free_sized(source: Path) -> Any:
    """``source`` with free batch, height and width, weights out of the inputs, no landmarks."""
    import onnx

    model = onnx.load(str(source))
    weights = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    outputs = [o for o in model.graph.output if o.name != LANDMARKS]
    del model.graph.output[:]
    model.graph.output.extend(outputs)
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        for axis, name in ((0, "batch"), (2, "height"), (3, "width")):
            dims[axis].ClearField("dim_value")
            dims[axis].dim_param = f"{value.name}_{name}"
    del model.graph.value_info[:]
    return model


QUANTIZE: dict[str, Any] = {
    "per_channel": True,
    "reduce_range": True,
}
"""The quantizer's settings besides the types (shared with the calibration script)."""


def quantized(free: Any, ranges: Path = RANGES, reader: Any = None) -> bytes:
    """``free`` (a free-sized float model) quantized with the activation ranges in ``ranges``;
    with a calibration ``reader`` the ranges are measured on its inputs and written there."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # Per-channel weights need DequantizeLinear's axis: opset 13 (the model is at 9).
    model = version_converter.convert_version(free, 13)
    with tempfile.TemporaryDirectory(prefix="onrecord-quantize-") as tmp:
        plain, ready, out = (Path(tmp) / n for n in ("plain.onnx", "ready.onnx", "int8.onnx"))
        onnx.save(model, str(plain))
        quant_pre_process(str(plain), str(ready), skip_symbolic_shape=True)
        if reader is None:  # quantize_static reads the ranges from, or writes them to, this path
            cache = Path(tmp) / "ranges.json"
            cache.write_bytes(ranges.read_bytes())
        else:
            cache = ranges
        quantize_static(
            str(ready), str(out), reader, quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax, calibration_cache_path=str(cache),
            **QUANTIZE,
        )  # fmt: skip
        return out.read_bytes()
