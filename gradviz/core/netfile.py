"""The network file (JSON): the user's format and every preset's. Load, validate, save.

A file that is not valid is refused with one ``NetworkFileError`` whose message names the field and
what is wrong with it, e.g. ``layers[2]: must be a whole number from 1 to 512, got 0``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np

from .activations import ACTIVATION_NAMES
from .files import write_atomically
from .init import INIT_PARAMETERS, INIT_SCHEMES, InitSpec, init_network_weights
from .losses import LOSS_NAMES, get_loss
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH, Network

#: Largest network file read, in bytes.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Most samples in ``input``.
MAX_SAMPLES = 4096
#: Deepest JSON nesting accepted (the deepest valid field, weights, is 3 levels inside the top object).
MAX_NESTING = 8
#: Largest magnitude accepted for any number in a file.
MAX_ABS_VALUE = 1e100
#: Largest learning rate accepted.
MAX_LEARNING_RATE = 1e6

KNOWN_FIELDS = (
    "name", "description", "layers", "activation", "weights", "biases", "init",
    "input", "target", "loss", "learning_rate", "residual",
)  # fmt: skip


class NetworkFileError(ValueError):
    """A network file, preset or edited value that cannot be used; the message names the field."""

    def __init__(self, field_name: str, problem: str):
        self.field = field_name
        self.problem = problem
        super().__init__(f"{field_name}: {problem}" if field_name else problem)


@dataclass(frozen=True)
class Experiment:
    """Everything a network file holds: the network and what it is trained on.

    The stepper, the trainer, the window and the command line all start from one of these.
    """

    name: str
    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    loss: str = "half_squared_error"
    learning_rate: float = 0.5
    description: str = ""
    init: InitSpec = field(default_factory=InitSpec)

    def with_activation(self, name: str) -> "Experiment":
        """The same weights, biases and data with ``name`` on every layer.

        As in the sigmoid-vs-ReLU comparison, a linear output layer (a regression head) and an output the
        loss requires (sigmoid for binary cross-entropy) are kept: see ``analysis.kept_output_activation``.
        """
        from .analysis import network_with_activation

        if name not in ACTIVATION_NAMES:
            raise NetworkFileError("activation", f"unknown activation {name!r}; choose one of {', '.join(ACTIVATION_NAMES)}")
        return self._checked(replace(self, network=network_with_activation(self.network, name, self.loss)))

    def with_network(self, network: Network) -> "Experiment":
        return replace(self, network=network)

    @staticmethod
    def _checked(experiment: "Experiment") -> "Experiment":
        required = get_loss(experiment.loss).requires_output
        if required and experiment.network.activations[-1] != required:
            raise NetworkFileError(
                "loss", f"{experiment.loss} needs a {required} output layer (its outputs must lie in (0, 1))"
            )
        return experiment

    def to_json(self, include_params: bool = True) -> dict:
        """The network file of this experiment, weights and biases included unless ``include_params`` is False."""
        net = self.network
        acts = net.activations
        params = {"weights": [w.tolist() for w in net.weights], "biases": [b.tolist() for b in net.biases]}
        return {
            "name": self.name,
            "description": self.description,
            "layers": list(net.widths),
            "activation": acts[0] if len(set(acts)) == 1 else list(acts),
            **(params if include_params else {}),
            "init": self.init.to_json(),
            "input": self.inputs.tolist(),
            "target": self.targets.tolist(),
            "loss": self.loss,
            "learning_rate": self.learning_rate,
            "residual": net.residual,
        }

    def __repr__(self):
        return f"Experiment({self.name!r}, {self.network!r}, samples={len(self.inputs)})"


# ---------------------------------------------------------------------------------------------- checks


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value, where: str, lo: float = -MAX_ABS_VALUE, hi: float = MAX_ABS_VALUE) -> float:
    if not _is_number(value):
        raise NetworkFileError(where, f"must be a number, got {_describe(value)}")
    try:
        value = float(value)
    except OverflowError:  # a whole number too large for a float, e.g. 1 followed by 400 zeros
        value = math.inf if value > 0 else -math.inf
    if not math.isfinite(value):
        raise NetworkFileError(where, f"must be a finite number, got {value}")
    if not lo <= value <= hi:
        raise NetworkFileError(where, f"must be from {lo:g} to {hi:g}, got {value:g}")
    return value


def _whole(value, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or isinstance(value, float) and value.is_integer()):
        raise NetworkFileError(where, f"must be a whole number from {lo} to {hi}, got {_describe(value)}")
    if not lo <= value <= hi:
        shown = value if abs(value) < 1e15 else f"{float(value):.3g}" if abs(value) < 1e308 else "a number too large to hold"
        raise NetworkFileError(where, f"must be a whole number from {lo} to {hi}, got {shown}")
    return int(value)


def _name(value) -> str:
    """A name the user gave, quoted; anything that is not a name, described."""
    return repr(value[:40]) if isinstance(value, str) else _describe(value)


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _vector(value, where: str, length: int) -> np.ndarray:
    if not isinstance(value, list):
        raise NetworkFileError(where, f"must be a list of {_count(length, 'number')}, got {_describe(value)}")
    if len(value) != length:
        raise NetworkFileError(where, f"must hold {_count(length, 'number')}, got {len(value)}")
    fast = _plain_numbers(value)
    if fast is not None:
        return fast
    # Something is wrong: find the first bad entry, for a message that names it.
    return np.array([_number(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)


def _plain_numbers(values: list) -> np.ndarray | None:
    """``values`` as an array when every one is an int or float, finite and within bounds; else None.

    The common case in one pass, without a function call per number (a weight file holds millions).
    """
    if not all(type(v) is float or type(v) is int for v in values):
        return None
    try:
        arr = np.array(values, dtype=np.float64)
    except OverflowError:  # an integer too large for a float
        return None
    if not np.all(np.abs(arr) <= MAX_ABS_VALUE):  # False for NaN and inf as well
        return None
    return arr


def _matrix(value, where: str, rows: int, cols: int) -> np.ndarray:
    if not isinstance(value, list) or len(value) != rows:
        got = f"{len(value)} rows" if isinstance(value, list) else _describe(value)
        raise NetworkFileError(where, f"must be a {rows} x {cols} matrix (a list of {rows} rows of {cols} numbers), got {got}")
    return np.array([_vector(row, f"{where}[{i}]", cols) for i, row in enumerate(value)], dtype=np.float64)


def _samples(value, where: str, width: int) -> np.ndarray:
    """One sample (a list of numbers) or several (a list of lists), as samples x width."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        if len(value) > MAX_SAMPLES:
            raise NetworkFileError(where, f"holds {len(value)} samples; at most {MAX_SAMPLES} are allowed")
        return np.array([_vector(v, f"{where}[{i}]", width) for i, v in enumerate(value)], dtype=np.float64)
    return _vector(value, where, width)[None, :]


def _nesting(value, depth: int = 0) -> int:
    if depth > MAX_NESTING:
        return depth
    if isinstance(value, list):
        return max((_nesting(v, depth + 1) for v in value), default=depth + 1)
    if isinstance(value, dict):
        return max((_nesting(v, depth + 1) for v in value.values()), default=depth + 1)
    return depth


def _reject_constant(name):
    raise NetworkFileError("", f"the file holds {name}, which is not a finite number; JSON allows only finite numbers")


# ---------------------------------------------------------------------------------------------- parse


def parse_network(data, params: tuple | None = None) -> Experiment:
    """Validate a decoded network file (a dict) and build its ``Experiment``.

    ``params``: ``(weights, biases)`` already held by a network of the same widths, used in place of the
    file's (which must then be absent) without checking every number again.
    """
    if not isinstance(data, dict):
        raise NetworkFileError("", f"a network file must hold one JSON object, got {_describe(data)}")
    if _nesting(data) > MAX_NESTING:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep")
    unknown = [k for k in data if k not in KNOWN_FIELDS]
    if unknown:
        raise NetworkFileError(str(unknown[0]), f"unknown field; the fields are {', '.join(KNOWN_FIELDS)}")

    name = data.get("name", "untitled")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise NetworkFileError("name", "must be a non-empty text of at most 200 characters")
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        raise NetworkFileError("description", "must be a text of at most 2000 characters")

    if "layers" not in data:
        raise NetworkFileError("layers", "is missing; give the layer widths, input first, e.g. [1, 1, 1, 1]")
    layers = data["layers"]
    if not isinstance(layers, list) or not 2 <= len(layers) <= MAX_WEIGHT_LAYERS + 1:
        got = f"{len(layers)} widths" if isinstance(layers, list) else _describe(layers)
        raise NetworkFileError(
            "layers", f"must be a list of 2 to {MAX_WEIGHT_LAYERS + 1} widths (input first), got {got}"
        )
    widths = [_whole(w, f"layers[{i}]", 1, MAX_WIDTH) for i, w in enumerate(layers)]
    depth = len(widths) - 1

    activation = data.get("activation", "sigmoid")
    if isinstance(activation, str):
        activations = [activation] * depth
        where = ["activation"] * depth
    elif isinstance(activation, list):
        if len(activation) != depth:
            raise NetworkFileError("activation", f"must name one activation per weight layer ({depth}), got {len(activation)}")
        activations = activation
        where = [f"activation[{i}]" for i in range(depth)]
    else:
        raise NetworkFileError("activation", f"must be a name or a list of names, got {_describe(activation)}")
    for w, act in zip(where, activations):
        if act not in ACTIVATION_NAMES:
            raise NetworkFileError(w, f"unknown activation {_name(act)}; choose one of {', '.join(ACTIVATION_NAMES)}")

    init = _parse_init(data.get("init", {}))
    if params is not None:
        weights, biases = params
    elif "weights" in data:
        weights = data["weights"]
        if not isinstance(weights, list) or len(weights) != depth:
            got = f"{len(weights)} matrices" if isinstance(weights, list) else _describe(weights)
            raise NetworkFileError("weights", f"must be a list of {depth} matrices (one per weight layer), got {got}")
        weights = [_matrix(w, f"weights[{l}]", widths[l + 1], widths[l]) for l, w in enumerate(weights)]
    else:
        weights = init_network_weights(widths, init)
    if params is not None:
        pass
    elif "biases" in data:
        biases = data["biases"]
        if not isinstance(biases, list) or len(biases) != depth:
            got = f"{len(biases)} vectors" if isinstance(biases, list) else _describe(biases)
            raise NetworkFileError("biases", f"must be a list of {depth} vectors (one per weight layer), got {got}")
        biases = [_vector(b, f"biases[{l}]", widths[l + 1]) for l, b in enumerate(biases)]
    else:
        biases = None

    for key in ("input", "target"):
        if key not in data:
            raise NetworkFileError(key, "is missing; give one sample as a list of numbers, or a list of samples")
    inputs = _samples(data["input"], "input", widths[0])
    targets = _samples(data["target"], "target", widths[-1])
    if len(inputs) != len(targets):
        raise NetworkFileError("target", f"must hold one target per input sample ({len(inputs)}), got {len(targets)}")

    loss = data.get("loss", "half_squared_error")
    if loss not in LOSS_NAMES:
        raise NetworkFileError("loss", f"unknown loss {_name(loss)}; choose one of {', '.join(LOSS_NAMES)}")
    if loss == "binary_cross_entropy" and not np.all((targets >= 0) & (targets <= 1)):
        raise NetworkFileError("target", "binary_cross_entropy needs every target from 0 to 1")
    learning_rate = _number(data.get("learning_rate", 0.5), "learning_rate", 0.0, MAX_LEARNING_RATE)
    residual = data.get("residual", False)
    if not isinstance(residual, bool):
        raise NetworkFileError("residual", f"must be true or false, got {_describe(residual)}")

    network = Network(widths, activations, weights, biases, residual)
    experiment = Experiment(name, network, inputs, targets, loss, learning_rate, description, init)
    return Experiment._checked(experiment)


#: Edits that make the current weights meaningless, so they are drawn anew from the initialiser.
REINIT_FIELDS = frozenset({"layers", "init"})


def edit_experiment(experiment: Experiment, changes: dict) -> Experiment:
    """``experiment`` with ``changes`` (network-file fields) applied and validated as a file would be.

    The weights and biases stay unless the widths or the initialiser change. New widths are checked
    before the data are fitted to them (a first or last width changes the input or target width: values
    are kept where they fit, and the last one repeated). One activation name for every layer keeps a
    linear output and a loss-required output, as ``Experiment.with_activation`` does.
    """
    unknown = [k for k in changes if k not in KNOWN_FIELDS or k in ("weights", "biases")]
    if unknown:
        raise NetworkFileError(str(unknown[0]), "cannot be edited here")
    data = {**experiment.to_json(include_params=False), **changes}
    if "layers" in changes:
        layers = changes["layers"]
        if not isinstance(layers, list) or not 2 <= len(layers) <= MAX_WEIGHT_LAYERS + 1:
            got = f"{len(layers)} widths" if isinstance(layers, list) else _describe(layers)
            raise NetworkFileError("layers", f"must be a list of 2 to {MAX_WEIGHT_LAYERS + 1} widths (input first), got {got}")
        widths = [_whole(w, f"layers[{i}]", 1, MAX_WIDTH) for i, w in enumerate(layers)]
        _fit_to_widths(data, widths)
    if isinstance(changes.get("activation"), str):
        name = changes["activation"]
        if name not in ACTIVATION_NAMES:
            raise NetworkFileError("activation", f"unknown activation {_name(name)}; choose one of {', '.join(ACTIVATION_NAMES)}")
        from .analysis import kept_output_activation

        kept = kept_output_activation(experiment.network, data.get("loss", experiment.loss))
        depth = len(data["layers"]) - 1
        if kept is not None and name != kept and depth > 1:
            data["activation"] = [name] * (depth - 1) + [kept]
    net = experiment.network
    keep_params = not (REINIT_FIELDS & changes.keys())
    return parse_network(data, (net.weights, net.biases) if keep_params else None)


def _fit_to_widths(data: dict, widths: list[int]) -> None:
    """Fit per-layer activations, inputs and targets to new widths (checked already), in place."""
    data["layers"] = widths
    acts = data.get("activation")
    if isinstance(acts, list) and acts:
        # The output keeps its activation; hidden layers keep theirs, new ones repeat the last hidden one.
        hidden, output = acts[:-1] or [acts[-1]], acts[-1]
        count = len(widths) - 2
        data["activation"] = (hidden + [hidden[-1]] * count)[:count] + [output]
    for key, width in (("input", widths[0]), ("target", widths[-1])):
        rows = data[key] if data[key] and isinstance(data[key][0], list) else [data[key]]
        data[key] = [(list(row) + [row[-1]] * width)[:width] if row else [0.0] * width for row in rows]


def _parse_init(value) -> InitSpec:
    if not isinstance(value, dict):
        raise NetworkFileError("init", f"must be an object like {{\"scheme\": \"he_normal\", \"seed\": 0}}, got {_describe(value)}")
    scheme = value.get("scheme", "he_normal")
    if scheme not in INIT_SCHEMES:
        raise NetworkFileError("init.scheme", f"unknown initialiser {_name(scheme)}; choose one of {', '.join(INIT_SCHEMES)}")
    seed = _whole(value.get("seed", 0), "init.seed", 0, 2**32 - 1)
    allowed = INIT_PARAMETERS[scheme]
    params = {}
    for key, v in value.items():
        if key in ("scheme", "seed"):
            continue
        if key not in allowed:
            choices = ", ".join(allowed) if allowed else "none"
            raise NetworkFileError(f"init.{key}", f"is not a parameter of {scheme} (its parameters: {choices})")
        params[key] = _number(v, f"init.{key}")
    if scheme == "uniform" and params.get("low", -1.0) > params.get("high", 1.0):
        raise NetworkFileError("init.low", "must not exceed init.high")
    if scheme == "normal" and params.get("std", 1.0) < 0:
        raise NetworkFileError("init.std", "must not be negative")
    return InitSpec(scheme, seed, params)


def parse_text(text: str) -> Experiment:
    """Decode and validate the text of a network file."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except NetworkFileError:
        raise
    except RecursionError:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep") from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError:  # json refuses whole numbers of more than 4300 digits (sys.get_int_max_str_digits)
        raise NetworkFileError("", "the file holds a number with too many digits to read") from None
    return parse_network(data)


def load_network(path) -> Experiment:
    """Read and validate a network file; every problem becomes one ``NetworkFileError``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise NetworkFileError("", f"{path} is a folder, not a network file")
        if size > MAX_FILE_BYTES:
            raise NetworkFileError("", f"{path} is {size / 2**20:.0f} MiB; network files are at most {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NetworkFileError("", f"no such file: {path}") from None
    except PermissionError:
        raise NetworkFileError("", f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise NetworkFileError("", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NetworkFileError("", f"{path} is not a text file (it is not UTF-8)") from None
    return parse_text(text)


def save_network(experiment: Experiment, path) -> None:
    """Save ``experiment`` as a network file, weights included, atomically."""
    text = json.dumps(experiment.to_json(), indent=1, allow_nan=False)
    write_atomically(path, (text + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------- presets


def _preset_dir():
    return resources.files("gradviz.resources").joinpath("presets")


def preset_names() -> list[str]:
    """Names of the bundled presets, in the order they are listed."""
    names = sorted(p.name[:-5] for p in _preset_dir().iterdir() if p.name.endswith(".json"))
    order = {"tiny-sigmoid": 0, "tiny-relu": 1, "deep-sigmoid": 2, "deep-relu": 3, "residual-sigmoid": 4, "exploding": 5}
    return sorted(names, key=lambda n: (order.get(n, 99), n))


def load_preset(name: str) -> Experiment:
    """The bundled preset ``name``; a ``NetworkFileError`` naming the presets if there is none."""
    if name not in preset_names():
        raise NetworkFileError("", f"no preset called {name!r}; the presets are {', '.join(preset_names())}")
    return parse_text(_preset_dir().joinpath(f"{name}.json").read_text(encoding="utf-8"))


def preset_descriptions() -> dict[str, str]:
    return {name: load_preset(name).description for name in preset_names()}
