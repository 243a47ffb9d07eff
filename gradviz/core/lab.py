"""The training lab: two to four networks ("lanes") trained side by side on the same data, epoch by epoch.

Every lane sees the same training split in the same mini-batch order. Lanes that differ only in their
activation start from the same weights (the weights depend on the initialiser, the widths and the seed
alone). Each epoch, and once before any update (epoch 0), every lane records its loss, its train and
test accuracy and, per hidden layer, three measures:

- speed: ``||dC/db_l||``, the norm of the bias gradient of the mean loss over the whole training split
  (Nielsen's measure of how fast layer ``l`` learns, *Neural Networks and Deep Learning*, ch. 5);
- update ratio: ``||W_l(end) - W_l(start)|| / ||W_l(start)||`` over the epoch (0 at epoch 0);
- saturated: the fraction of the layer's units, over the training split, whose ``f'(z)`` is below
  ``SATURATION_LEVEL`` of the activation's largest slope.

Training runs through the one forward/backward loop (``passes.forward_backward``).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

import numpy as np

from . import passes
from .activations import ACTIVATION_NAMES, get_activation
from .budget import check_budget
from ..resource_folder import resource_folder
from .data import DataError, DataSpec, Split, load_data, split_data
from .init import init_weights
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH, Network

#: Initialisers a lane may use. "nielsen" is Nielsen's: weights N(0, 1/n_in), biases N(0, 1); the others
#: (``init.init_weights``) start the biases at 0.
LAB_INITS = ("nielsen", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "normal")
OPTIMIZERS = ("sgd", "momentum", "adam")
#: "auto": cross-entropy (softmax for more than two classes, sigmoid for two); "mse": half squared error.
LAB_LOSSES = ("auto", "cross_entropy", "mse")
MOMENTUM = 0.9
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8
#: A unit counts as saturated where f'(z) < SATURATION_LEVEL * (the activation's largest slope).
SATURATION_LEVEL = 0.01
#: Most epochs a lane's history keeps; beyond it the older half is thinned to every second epoch.
MAX_HISTORY_EPOCHS = 10_000
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
                raise LabError(f"learning rate: must be above 0 and at most {MAX_LEARNING_RATE:g}, got {lane.learning_rate:g}")
            if lane.clip is not None and not (math.isfinite(lane.clip) and 0 < lane.clip <= MAX_CLIP):
                raise LabError(f"clip: must be above 0 and at most {MAX_CLIP:g}, got {lane.clip:g}")
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


# ---------------------------------------------------------------------------------------- history


class LaneHistory:
    """A lane's measures, epoch by epoch, in arrays of at most ``MAX_HISTORY_EPOCHS`` rows.

    When full, the older half is thinned to every second row (epoch 0 is always kept), so a long run
    keeps its whole span at a coarser grain and memory stays bounded.
    """

    SCALARS = ("loss", "train_accuracy", "test_accuracy")
    LAYERED = ("speed", "update_ratio", "saturated")

    def __init__(self, hidden_layers: int, capacity: int = MAX_HISTORY_EPOCHS):
        self.capacity = int(capacity)
        self.epochs = np.zeros(self.capacity, dtype=np.int64)
        self._scalars = np.full((3, self.capacity), np.nan)
        self._layered = np.full((3, self.capacity, hidden_layers), np.nan)
        self.count = 0

    def append(self, epoch: int, loss, train_accuracy, test_accuracy, speed, update_ratio, saturated) -> None:
        if self.count == self.capacity:
            self._thin()
        k = self.count
        self.epochs[k] = epoch
        self._scalars[:, k] = (loss, train_accuracy, test_accuracy)
        self._layered[:, k] = (speed, update_ratio, saturated)
        self.count = k + 1

    def _thin(self) -> None:
        half = self.count // 2
        keep = np.concatenate([np.arange(0, half, 2), np.arange(half, self.count)])
        kept = len(keep)
        self.epochs[:kept] = self.epochs[keep]
        self._scalars[:, :kept] = self._scalars[:, keep]
        self._layered[:, :kept] = self._layered[:, keep]
        self.count = kept

    def measure(self, name: str) -> np.ndarray:
        """The kept rows of one measure: epochs (1-D) or epochs x hidden layers."""
        if name in self.SCALARS:
            return self._scalars[self.SCALARS.index(name), : self.count]
        return self._layered[self.LAYERED.index(name), : self.count]

    def rows(self) -> list[dict]:
        """The kept epochs as JSON-ready dicts (non-finite numbers as None)."""
        scalars = self._scalars[:, : self.count].T.tolist()
        layered = self._layered[:, : self.count].transpose(1, 0, 2).tolist()
        return [
            {
                "epoch": int(epoch),
                "loss": _finite(s[0]), "train_accuracy": _finite(s[1]), "test_accuracy": _finite(s[2]),
                "speed": [_finite(v) for v in m[0]], "update_ratio": [_finite(v) for v in m[1]],
                "saturated": [_finite(v) for v in m[2]],
            }  # fmt: skip
            for epoch, s, m in zip(self.epochs[: self.count].tolist(), scalars, layered)
        ]

    def __repr__(self):
        return f"LaneHistory(epochs={self.count}, capacity={self.capacity})"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ------------------------------------------------------------------------------------------- lanes


def initial_parameters(widths, init: str, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The starting weights and biases of a lane: they depend on ``widths``, ``init`` and ``seed`` only."""
    rng = np.random.default_rng([seed, 0x1A2])
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        if init == "nielsen":
            weights.append(rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_out, n_in)))
            biases.append(rng.normal(0.0, 1.0, size=n_out))
        else:
            weights.append(init_weights(init, (n_out, n_in), rng))
            biases.append(np.zeros(n_out))
    return weights, biases


def output_setup(loss: str, classes: int) -> tuple[int, str, str]:
    """(output units, output activation, loss name) for the lab's ``loss`` choice and ``classes``."""
    if loss == "mse":
        return (1 if classes == 2 else classes), "sigmoid", "half_squared_error"
    if classes == 2:
        return 1, "sigmoid", "binary_cross_entropy"
    return classes, "linear", "softmax_cross_entropy"


def encode_targets(labels: np.ndarray, outputs: int) -> np.ndarray:
    """Class labels as the output layer's targets: a column of 0/1 for one output, else one-hot rows."""
    if outputs == 1:
        return labels.astype(np.float64)[:, None]
    targets = np.zeros((len(labels), outputs))
    targets[np.arange(len(labels)), labels] = 1.0
    return targets


def predicted_classes(logits: np.ndarray) -> np.ndarray:
    """Each sample's class from the output layer's z: z >= 0 for one sigmoid output, else the largest z."""
    if logits.shape[1] == 1:
        return (logits[:, 0] >= 0).astype(np.int64)
    return np.argmax(logits, axis=1)


class _Optimizer:
    """SGD, momentum or Adam, updating a flat parameter array in place from a flat gradient array."""

    def __init__(self, kind: str, learning_rate: float, size: int):
        self.kind, self.learning_rate, self.steps = kind, learning_rate, 0
        self._velocity = np.zeros(size) if kind in ("momentum", "adam") else None
        self._second = np.zeros(size) if kind == "adam" else None

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        lr = self.learning_rate
        if self.kind == "sgd":
            grads *= lr
            params -= grads
        elif self.kind == "momentum":
            velocity = self._velocity
            velocity *= MOMENTUM
            velocity += grads
            np.multiply(velocity, lr, out=grads)
            params -= grads
        else:
            self.steps += 1
            m, s = self._velocity, self._second
            m *= ADAM_BETA1
            m += (1.0 - ADAM_BETA1) * grads
            s *= ADAM_BETA2
            np.square(grads, out=grads)
            grads *= 1.0 - ADAM_BETA2
            s += grads
            # torch.optim.Adam's order of operations: m / (sqrt(s) / sqrt(1 - beta2^t) + eps), times lr / (1 - beta1^t).
            np.sqrt(s, out=grads)
            grads /= math.sqrt(1.0 - ADAM_BETA2**self.steps)
            grads += ADAM_EPSILON
            np.divide(m, grads, out=grads)
            grads *= lr / (1.0 - ADAM_BETA1**self.steps)
            params -= grads


def clip_by_global_norm(grads: np.ndarray, max_norm: float) -> float:
    """Scale the flat gradient ``grads`` in place so that its L2 norm is at most ``max_norm``; returns the norm before.

    The norm is of all weights and biases together (torch's ``clip_grad_norm_``, without its 1e-6).
    """
    total = math.sqrt(float(np.dot(grads, grads)))
    if total > max_norm:
        grads *= max_norm / total
    return total


class Lane:
    """One network in the lab: its working weights (updated in place), optimiser state and history."""

    def __init__(self, spec: LaneSpec, widths: tuple[int, ...], output_activation: str, loss_name: str, seed: int):
        self.spec = spec
        self.widths = widths
        self.loss_name = loss_name
        depth = len(widths) - 1
        self.activations = (spec.activation,) * (depth - 1) + (output_activation,)
        weights, biases = initial_parameters(widths, spec.init, seed)
        self._template = Network(widths, self.activations, weights, biases, spec.residual)
        self._params = passes.ParameterBuffer(widths)
        self._grads = passes.ParameterBuffer(widths)
        for target, source in zip(self._params.weights + self._params.biases, weights + biases):
            target[...] = source
        #: The working weights and biases, views of one flat array that each training step updates in place.
        self.weights, self.biases = self._params.weights, self._params.biases
        self._work = self._template.sharing_params(self.weights, self.biases)
        self._optimizer = _Optimizer(spec.optimizer, spec.learning_rate, self._params.flat.size)
        self.history = LaneHistory(depth - 1)
        self.epochs_done = 0
        self.stopped_at: int | None = None
        self.stop_reason = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def network(self) -> Network:
        """The lane's network now (an immutable copy)."""
        return self._template.with_params(self.weights, self.biases)

    @functools.cached_property
    def weight_slices(self) -> list[slice]:
        """Where each layer's weights lie in ``parameters``."""
        slices, start = [], 0
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            slices.append(slice(start, start + n_in * n_out))
            start += n_in * n_out + n_out
        return slices

    @property
    def parameters(self) -> np.ndarray:
        """Every weight and bias, layer by layer (W_1, b_1, W_2, ...), as one flat array (the working one)."""
        return self._params.flat

    def batch_gradients(self, inputs: np.ndarray, targets: np.ndarray) -> passes.PassArrays:
        """One mini-batch's pass, exactly as the training loop computes it (with the loss too)."""
        return passes.forward_backward(self._work, inputs, targets, self.loss_name, gradients=self._grads)

    def train_epoch(self, batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """One update per mini-batch, in the order given."""
        work, loss_name, clip = self._work, self.loss_name, self.spec.clip
        params, gradients = self._params.flat, self._grads
        grads = gradients.flat
        step = self._optimizer.step
        with passes.ignoring_overflow():
            for inputs, targets in batches:
                passes.forward_backward(work, inputs, targets, loss_name, with_loss=False, gradients=gradients)
                if clip is not None:
                    clip_by_global_norm(grads, clip)
                step(params, grads)

    def measure(self, split: Split, train_targets: np.ndarray) -> tuple | None:
        """(loss, train accuracy, test accuracy, speed, saturated) now, or None when the loss is not finite."""
        arrays = passes.forward_backward(self._work, split.train_x, train_targets, self.loss_name)
        loss = arrays.loss
        if not math.isfinite(loss):
            return None
        train_accuracy = np.count_nonzero(predicted_classes(arrays.zs[-1]) == split.train_y) / len(split.train_y)
        if len(split.test_y):
            test_logits = passes.forward(self._work, split.test_x)[0][-1]
            test_accuracy = np.count_nonzero(predicted_classes(test_logits) == split.test_y) / len(split.test_y)
        else:
            test_accuracy = math.nan
        hidden = len(self.widths) - 2
        speed = [float(np.sqrt(np.dot(g, g))) for g in arrays.grads_b[:hidden]]
        saturated = []
        with passes.ignoring_overflow():
            for l in range(hidden):
                activation = self._work.activation_functions[l]
                slope = passes.layer_slope(self._work, l, arrays.zs[l], arrays.activations[l + 1])
                saturated.append(float(np.count_nonzero(slope < SATURATION_LEVEL * activation.max_slope) / slope.size))
        return loss, train_accuracy, test_accuracy, speed, saturated

    def stop(self, epoch: int, why: str) -> None:
        self.stopped_at = epoch
        kept = "its starting network is kept" if epoch == 0 else f"its network after epoch {epoch - 1:,} is kept"
        self.stop_reason = f"lane {self.name} stopped at epoch {epoch:,}: {why}; {kept}"

    def __repr__(self):
        return f"Lane({self.name!r}, {self._template!r}, epochs={self.epochs_done})"


class Lab:
    """Lanes trained side by side on one split of one data set.

    Parameters
    ----------
    config : the data, widths, loss, batches and lanes (checked here)
    split : the data already split (by default loaded and split from ``config.data``)
    """

    def __init__(self, config: LabConfig, split: Split | None = None):
        self.config = config.checked()
        if split is None:
            split = split_data(load_data(config.data), config.data.test_fraction, config.data.seed)
        self.split = split
        outputs, output_activation, self.loss_name = output_setup(config.loss, split.classes)
        self.widths = (split.train_x.shape[1], *config.hidden, outputs)
        # The measures pass the whole training split through each lane in one batch.
        check_budget(self.widths, len(split.train_y), 1, "measuring this lab (one pass over the training split)")
        self.train_targets = encode_targets(split.train_y, outputs)
        self.lanes = [Lane(spec, self.widths, output_activation, self.loss_name, config.seed) for spec in config.lanes]
        self.epoch = 0
        #: Messages of lanes whose loss was not finite even before training (stopped at epoch 0).
        self.start_messages = [lane.stop_reason for lane in self.lanes if not self._record(lane, lane.parameters.copy())]

    def batch_order(self, epoch: int) -> np.ndarray:
        """The order of the training samples in ``epoch`` (1-based): the same for every lane."""
        return np.random.default_rng([self.config.seed, 0xBA7C, epoch]).permutation(len(self.split.train_y))

    def batches(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The mini-batches of ``epoch``: (inputs, targets) slices of the training split, shuffled."""
        order = self.batch_order(epoch)
        inputs, targets = self.split.train_x[order], self.train_targets[order]
        size = self.config.batch
        return [(inputs[k : k + size], targets[k : k + size]) for k in range(0, len(order), size)]

    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs or not any(lane.running for lane in self.lanes)

    def run_epoch(self) -> list[str]:
        """Train every running lane one more epoch and record its measures; returns the stop messages."""
        self.epoch += 1
        batches = self.batches(self.epoch)
        messages = []
        for lane in self.lanes:
            if not lane.running:
                continue
            start = lane.parameters.copy()
            lane.train_epoch(batches)
            if not self._record(lane, start):
                lane.parameters[:] = start
                messages.append(lane.stop_reason)
        return messages

    def _record(self, lane: Lane, parameters_before: np.ndarray) -> bool:
        with passes.ignoring_overflow():
            return self._measured(lane, parameters_before)

    def _measured(self, lane: Lane, parameters_before: np.ndarray) -> bool:
        finite = bool(np.isfinite(lane.parameters).all())
        measures = lane.measure(self.split, self.train_targets) if finite else None
        if measures is None:
            lane.stop(self.epoch, "the loss is not finite (the weights overflowed)")
            return False
        loss, train_accuracy, test_accuracy, speed, saturated = measures
        hidden = len(self.widths) - 2
        ratio = []
        change = lane.parameters - parameters_before
        for l in range(hidden):
            before = parameters_before[lane.weight_slices[l]]
            size = math.sqrt(float(np.dot(before, before)))
            moved = change[lane.weight_slices[l]]
            ratio.append(math.sqrt(float(np.dot(moved, moved))) / size if size > 0 else math.nan)
        lane.history.append(self.epoch, loss, train_accuracy, test_accuracy, speed, ratio, saturated)
        lane.epochs_done = self.epoch
        return True

    def run(self, on_epoch=None) -> list[str]:
        """Run the remaining epochs; ``on_epoch(epoch, messages)`` after each. Returns all stop messages."""
        messages = []
        while not self.finished:
            new = self.run_epoch()
            messages += new
            if on_epoch is not None:
                on_epoch(self.epoch, new)
        return messages

    def to_json(self) -> dict:
        """The ``gradviz lab --json`` object: the data's sizes and every lane's kept epochs."""
        split = self.split
        return {
            "data": {
                "name": split.data.name, "features": int(split.train_x.shape[1]), "classes": split.classes,
                "train": len(split.train_y), "test": len(split.test_y),
            },
            "lanes": [
                {
                    "name": lane.name, "activation": lane.spec.activation, "layers": list(self.config.hidden),
                    "init": lane.spec.init, "epochs": lane.history.rows(),
                }
                for lane in self.lanes
            ],
        }  # fmt: skip

    def __repr__(self):
        return f"Lab({self.split!r}, widths={list(self.widths)}, lanes={[lane.name for lane in self.lanes]}, epoch={self.epoch})"


def decision_grid(network: Network, split: Split, resolution: int = 200, margin: float = 0.1):
    """The network's class-1 probability (two classes) or class (more) on a grid over 2-D data.

    Returns ``(xs, ys, values)``: the grid's raw x and y coordinates and a ``resolution x resolution``
    array with ``values[i, j]`` at ``(xs[j], ys[i])``. The grid spans the data plus ``margin`` of its
    range on each side.
    """
    raw = split.data.features
    if raw.shape[1] != 2:
        raise LabError(f"a decision grid needs 2-D data; {split.data.name} has {raw.shape[1]} features")
    # Also keeps the memory one grid frees for the next (memory.reuse_freed_memory): no page faults.
    check_budget(network.widths, resolution * resolution, 1, "drawing the decision grid")
    low, high = raw.min(axis=0), raw.max(axis=0)
    pad = (high - low) * margin
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid = np.empty((resolution * resolution, 2))
    grid[:, 0] = np.tile((xs - split.mean[0]) / split.scale[0], resolution)
    grid[:, 1] = np.repeat((ys - split.mean[1]) / split.scale[1], resolution)
    logits = passes.forward(network, grid)[0][-1]
    if logits.shape[1] == 1:
        values = get_activation("sigmoid")(logits[:, 0])
    else:
        values = np.argmax(logits, axis=1).astype(np.float64)
    return xs, ys, values.reshape(resolution, resolution)


# ------------------------------------------------------------------------------------- lab sessions

#: The lab session file: its "format" and the version this code writes and reads.
LAB_FILE_FORMAT = "gradviz-lab"
LAB_FILE_VERSION = 1


def lab_session_json(lab: Lab) -> dict:
    """The lab session as a strict-JSON object: config, data, and every lane's weights and history.

    A window reopens it (``gradviz.files.lab_file.load_lab_session``) without training again: the data come back from their
    spec (a generator's seed, the bundled digits, or the CSV file's path), the weights and the kept epochs
    from the file. The optimiser's running averages (momentum, Adam) are not kept.
    """
    split = lab.split
    return {
        "format": LAB_FILE_FORMAT,
        "version": LAB_FILE_VERSION,
        "config": lab.config.to_json(),
        "data": {
            "name": split.data.name, "features": int(split.train_x.shape[1]), "classes": split.classes,
            "class_names": list(split.data.class_names), "train": len(split.train_y), "test": len(split.test_y),
            "mean": split.mean.tolist(), "scale": split.scale.tolist(),
        },
        "epoch": lab.epoch,
        "lanes": [
            {
                **lane.spec.to_json(),
                "widths": list(lane.widths), "activations": list(lane.activations), "loss": lane.loss_name,
                "weights": [w.tolist() for w in lane.weights], "biases": [b.tolist() for b in lane.biases],
                "stopped_at": lane.stopped_at, "stop_reason": lane.stop_reason, "history": lane.history.rows(),
            }
            for lane in lab.lanes
        ],
    }  # fmt: skip


def lab_from_session_json(obj, source: str = "lab session") -> Lab:
    """A ``Lab`` from ``lab_session_json``'s object, without training."""
    if not isinstance(obj, dict) or obj.get("format") != LAB_FILE_FORMAT:
        raise LabError(f"{source}: format: not a gradviz lab session (\"format\" must be {LAB_FILE_FORMAT!r})")
    if obj.get("version") != LAB_FILE_VERSION:
        raise LabError(f"{source}: version: this gradviz reads version {LAB_FILE_VERSION}, got {obj.get('version')!r}")
    lab = Lab(config_from_json(obj.get("config"), f"{source}: config"))
    saved = obj.get("lanes")
    if not isinstance(saved, list) or len(saved) != len(lab.lanes):
        raise LabError(f"{source}: lanes: must list the {len(lab.lanes)} lanes of its config")
    epoch = obj.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch <= lab.config.epochs:
        raise LabError(f"{source}: epoch: must be a whole number from 0 to {lab.config.epochs}, got {epoch!r}")
    for k, (lane, entry) in enumerate(zip(lab.lanes, saved)):
        where = f"{source}: lanes[{k}]"
        try:
            weights = [np.asarray(w, dtype=np.float64) for w in entry["weights"]]
            biases = [np.asarray(b, dtype=np.float64) for b in entry["biases"]]
            rows = list(entry["history"])
        except (KeyError, TypeError, ValueError):
            raise LabError(f"{where}: needs weights, biases and history as the lab writes them") from None
        shapes_ok = len(weights) == len(lane.weights) and len(biases) == len(lane.biases) and all(
            w.shape == t.shape for w, t in zip(weights + biases, lane.weights + lane.biases)
        )
        if not shapes_ok or not all(np.isfinite(a).all() for a in weights + biases):
            raise LabError(f"{where}: weights and biases must be finite and shaped for widths {list(lane.widths)}")
        for target, value in zip(lane.weights + lane.biases, weights + biases):
            target[...] = value
        lane.history = LaneHistory(len(lane.widths) - 2)
        try:
            for row in rows[:MAX_HISTORY_EPOCHS]:
                lane.history.append(
                    int(row["epoch"]), *(math.nan if row[key] is None else float(row[key]) for key in LaneHistory.SCALARS),
                    *([math.nan if v is None else float(v) for v in row[key]] for key in LaneHistory.LAYERED),
                )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            raise LabError(f"{where}: history: each epoch needs the measures the lab writes") from None
        lane.epochs_done = int(lane.history.epochs[lane.history.count - 1]) if lane.history.count else 0
        stopped = entry.get("stopped_at")
        if stopped is not None:
            if not isinstance(stopped, int) or isinstance(stopped, bool) or not 0 <= stopped <= epoch:
                raise LabError(f"{where}: stopped_at: must be null or an epoch from 0 to {epoch}, got {stopped!r}")
            lane.stopped_at, lane.stop_reason = stopped, str(entry.get("stop_reason", ""))
    lab.epoch = epoch
    return lab
