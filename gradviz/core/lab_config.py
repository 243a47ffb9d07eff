"""What defines a lab run: its lanes (``LaneSpec``), its data, widths and batches (``LabConfig``), the
limits of each setting, and the bundled lab presets (``resources/lab/*.json``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from ..resource_folder import resource_folder
from .activations import ACTIVATION_NAMES
from .data import DataError, DataSpec
from .format import format_bound
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH

#: Initialisers a lane may use. "nielsen" is Nielsen's: weights N(0, 1/n_in), biases N(0, 1); the others
#: (``init.init_weights``) start the biases at 0.
LAB_INITS = ("nielsen", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "normal")
OPTIMIZERS = ("sgd", "momentum", "adam")
#: "auto": cross-entropy (softmax for more than two classes, sigmoid for two); "mse": half squared error.
LAB_LOSSES = ("auto", "cross_entropy", "mse")
MAX_EPOCHS = 100_000
MAX_LANES = 4
MAX_BATCH = 100_000
MAX_LEARNING_RATE = 10.0
MAX_CLIP = 1e6
MAX_PRESET_BYTES = 64 * 1024


class LabError(ValueError):
    """A lab setting or file that cannot be used; the message names the setting (or flag) at fault."""


@dataclass(frozen=True)
class LaneSpec:
    """One lane: its activation (hidden layers), initialiser, skip connections and optimiser."""

    name: str
    activation: str
    init: str = "he_normal"
    residual: bool = False
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    #: Largest global norm of the gradient (all weights and biases together); None: no clipping.
    clip: float | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name, "activation": self.activation, "init": self.init, "residual": self.residual,
            "optimizer": self.optimizer, "learning_rate": self.learning_rate, "clip": self.clip,
        }  # fmt: skip


@dataclass(frozen=True)
class LabConfig:
    """Everything that defines a lab run: the data, the hidden widths, the loss, the batches and the lanes."""

    data: DataSpec
    hidden: tuple[int, ...]
    lanes: tuple[LaneSpec, ...]
    loss: str = "auto"
    batch: int = 10
    epochs: int = 30
    seed: int = 0
    description: str = ""

    def checked(self) -> "LabConfig":
        """This config, or a ``LabError`` naming the setting out of range (as its CLI flag)."""
        try:
            self.data.checked()
        except DataError as exc:
            raise LabError(str(exc)) from None
        if not 1 <= len(self.hidden) <= MAX_WEIGHT_LAYERS - 1:
            raise LabError(f"layers: give 1 to {MAX_WEIGHT_LAYERS - 1} hidden widths, got {len(self.hidden)}")
        for k, width in enumerate(self.hidden, start=1):
            if not 1 <= width <= MAX_WIDTH:
                raise LabError(f"layers: hidden layer {k} must have 1 to {MAX_WIDTH} units, got {width}")
        if not 1 <= len(self.lanes) <= MAX_LANES:
            raise LabError(f"lanes: a lab trains 1 to {MAX_LANES} lanes, got {len(self.lanes)}")
        if self.loss not in LAB_LOSSES:
            raise LabError(f"loss: choose one of {', '.join(LAB_LOSSES)}, got {self.loss!r}")
        if not 1 <= self.batch <= MAX_BATCH:
            raise LabError(f"batch: must be from 1 to {MAX_BATCH:,}, got {self.batch:,}")
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise LabError(f"epochs: must be from 1 to {MAX_EPOCHS:,}, got {self.epochs:,}")
        for lane in self.lanes:
            if lane.activation not in ACTIVATION_NAMES:
                raise LabError(f"activation: choose one of {', '.join(ACTIVATION_NAMES)}, got {lane.activation!r}")
            if lane.init not in LAB_INITS:
                raise LabError(f"init: choose one of {', '.join(LAB_INITS)}, got {lane.init!r}")
            if lane.optimizer not in OPTIMIZERS:
                raise LabError(f"optimizer: choose one of {', '.join(OPTIMIZERS)}, got {lane.optimizer!r}")
            if not (math.isfinite(lane.learning_rate) and 0 < lane.learning_rate <= MAX_LEARNING_RATE):
                raise LabError(f"learning rate: must be above 0 and at most {format_bound(MAX_LEARNING_RATE)}, got {lane.learning_rate:g}")
            if lane.clip is not None and not (math.isfinite(lane.clip) and 0 < lane.clip <= MAX_CLIP):
                raise LabError(f"clip: must be above 0 and at most {format_bound(MAX_CLIP)}, got {lane.clip:g}")
        return self

    def to_json(self) -> dict:
        return {
            "description": self.description, "data": self.data.to_json(), "layers": list(self.hidden),
            "loss": self.loss, "batch": self.batch, "epochs": self.epochs, "seed": self.seed,
            "lanes": [lane.to_json() for lane in self.lanes],
        }  # fmt: skip


# ------------------------------------------------------------------------------------------ presets


def preset_names() -> list[str]:
    """The bundled lab presets, by name."""
    order = ["digits-deep", "digits-shallow", "spiral-deep", "xor", "circles", "moons", "gauss", "exploding-clip"]
    names = [p.name[:-5] for p in resource_folder().joinpath("lab").iterdir() if p.name.endswith(".json")]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def load_preset(name: str) -> LabConfig:
    """The bundled lab preset ``name``; a ``LabError`` naming the presets if there is none."""
    names = preset_names()
    if name not in names:
        raise LabError(f"no lab preset called {name!r}; the lab presets are {', '.join(names)}")
    text = resource_folder().joinpath("lab").joinpath(f"{name}.json").read_text(encoding="utf-8")
    return config_from_json(json.loads(text[: MAX_PRESET_BYTES + 1]), f"lab preset {name}")


def preset_descriptions() -> dict[str, str]:
    """Each lab preset's one-line description, by name, in the listed order."""
    return {name: load_preset(name).description for name in preset_names()}


def _field(obj: dict, key: str, kind, source: str, default=None):
    value = obj.get(key, default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if value is not None and not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise LabError(f"{source}: {key} must be {kind.__name__}, got {value!r}")
    return value


def config_from_json(obj, source: str) -> LabConfig:
    """A ``LabConfig`` from its JSON object (a preset, or a lab file's "config"); ``LabError`` if unusable."""
    if not isinstance(obj, dict):
        raise LabError(f"{source}: must be a JSON object")
    data = _field(obj, "data", dict, source, {})
    spec = DataSpec(
        _field(data, "name", str, source, ""),
        _field(data, "points", int, source, 400),
        _field(data, "noise", float, source, 0.0),
        _field(data, "seed", int, source, 0),
        _field(data, "test_fraction", float, source, 0.2),
    )
    hidden = _field(obj, "layers", list, source, [])
    if not all(isinstance(w, int) and not isinstance(w, bool) for w in hidden):
        raise LabError(f"{source}: layers must be whole numbers, got {hidden!r}")
    shared = {
        "optimizer": _field(obj, "optimizer", str, source, "sgd"),
        "learning_rate": _field(obj, "learning_rate", float, source, 0.1),
        "clip": _field(obj, "clip", float, source, None),
        "residual": _field(obj, "residual", bool, source, False),
        "init": _field(obj, "init", str, source, "he_normal"),
    }
    lanes = []
    for k, lane in enumerate(_field(obj, "lanes", list, source, [])):
        where = f"{source}: lanes[{k}]"
        if not isinstance(lane, dict):
            raise LabError(f"{where} must be an object")
        own = {key: _field(lane, key, type(value) if value is not None else float, where, value) for key, value in shared.items()}
        activation = _field(lane, "activation", str, where, "relu")
        lanes.append(LaneSpec(_field(lane, "name", str, where, activation), activation, **own))
    config = LabConfig(
        spec,
        tuple(hidden),
        tuple(lanes),
        _field(obj, "loss", str, source, "auto"),
        _field(obj, "batch", int, source, 10),
        _field(obj, "epochs", int, source, 30),
        _field(obj, "seed", int, source, 0),
        _field(obj, "description", str, source, ""),
    )
    try:
        return config.checked()
    except LabError as exc:
        raise LabError(f"{source}: {exc}") from None
