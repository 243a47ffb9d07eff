"""The network file (JSON): the user's format and every preset's. Load, validate, save.

A file that is not valid is refused with one ``NetworkFileError`` whose message names the field and
what is wrong with it, e.g. ``layers[2]: must be a whole number from 1 to 512, got 0``.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .activations import ACTIVATION_NAMES
from .files import write_atomically
from .format import format_number
from .budget import STEPPER_PASSES, WorkBudgetError, check_budget
from .init import INIT_PARAMETERS, INIT_SCHEMES, InitSpec, init_network_weights
from .losses import LOSS_NAMES, get_loss
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH, Network
from .records import frozen_array
from .stats import MEASURES
from .training import MAX_TRAINING_STEPS, TrainingHistory
from ..names import COLOR_MODES, DEFAULT_COLOR_MODE
from ..resource_folder import resource_folder

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
    "input", "target", "loss", "learning_rate", "residual", "session",
)  # fmt: skip
#: The field a session file adds to a network file: what was on screen (see ``SessionData``).
SESSION_FIELD = "session"


#: Unicode categories escaped in messages: controls, format characters (e.g. bidi overrides), lone
#: surrogates, and line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def one_line(text: str) -> str:
    """``text`` with every control character, line or paragraph separator and lone surrogate escaped.

    A message built from a file (a field name, a path) then stays one line and sends no terminal
    escape sequence: a newline shows as ``\\n``, ESC as ``\\x1b``, a lone surrogate as ``\\ud800``.
    """
    text = str(text)
    if text.isprintable():  # the common case, in one pass
        return text
    out = []
    for char in text:
        if char == " " or unicodedata.category(char) not in _ESCAPED_CATEGORIES:
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "".join(out)


class NetworkFileError(ValueError):
    """A network file, preset or edited value that cannot be used; the message names the field.

    The message is always one line: control characters in the field or the problem are escaped.
    """

    def __init__(self, field_name: str, problem: str):
        self.field = one_line(field_name)
        self.problem = one_line(problem)
        super().__init__(f"{self.field}: {self.problem}" if self.field else self.problem)


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
    _check_work(widths, data.get("input"))

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


def _check_work(widths: list[int], inputs) -> None:
    """Refuse, before anything is allocated, a network the window could not step through in the work budget."""
    samples = len(inputs) if isinstance(inputs, list) and inputs and isinstance(inputs[0], list) else 1
    try:
        check_budget(widths, min(samples, MAX_SAMPLES), STEPPER_PASSES, "stepping through this network")
    except WorkBudgetError as exc:
        raise NetworkFileError("", str(exc)) from None


#: Edits that make the current weights meaningless, so they are drawn anew from the initialiser.
REINIT_FIELDS = frozenset({"init"})
#: Edits that change the network itself; the others (data, loss, learning rate, name) leave it as it is.
NETWORK_FIELDS = frozenset({"layers", "activation", "residual", "init"})


@dataclass(frozen=True)
class EditOutcome:
    """What an edit made: the edited ``experiment``, and the weight layers (1-based) drawn anew.

    ``network_changed`` is False for an edit of the data, loss, learning rate, name or description,
    which leaves the network (weights, activations, skips) exactly as it was.
    """

    experiment: Experiment
    fresh_layers: tuple[int, ...] = ()
    network_changed: bool = False

    def describe_fresh(self) -> str:
        """"layers 2 and 3 got fresh weights (xavier_normal, seed 0)", or "" when every layer was kept."""
        fresh = self.fresh_layers
        if not fresh:
            return ""
        how = f"({describe_init(self.experiment.init)})"
        if len(fresh) == self.experiment.network.depth and len(fresh) > 1:
            return f"every layer got fresh weights {how}"
        if len(fresh) == 1:
            return f"layer {fresh[0]} got fresh weights {how}"
        names = ", ".join(str(l) for l in fresh[:-1]) + f" and {fresh[-1]}"
        return f"layers {names} got fresh weights {how}"


def describe_init(init: InitSpec) -> str:
    """An initialiser as the window names it: "he_normal, seed 0", "constant, value 0.3, seed 0"."""
    params = "".join(f", {k} {format_number(v, 6, trailing_zeros=False)}" for k, v in init.params.items())
    return f"{init.scheme}{params}, seed {init.seed}"


def edit_experiment(experiment: Experiment, changes: dict) -> Experiment:
    """``experiment`` with ``changes`` (network-file fields) applied; see ``apply_edit``."""
    return apply_edit(experiment, changes).experiment


def apply_edit(experiment: Experiment, changes: dict) -> EditOutcome:
    """``experiment`` with ``changes`` (network-file fields) applied and validated as a file would be.

    The weights and biases stay unless the initialiser changes (then every layer is drawn anew). New
    widths keep every layer whose weight matrix keeps its shape (by position) and draw the others from
    the initialiser, as a file without weights would get them. New widths are checked before the data
    are fitted to them (a first or last width changes the input or target width: values are kept where
    they fit, and the last one repeated). One activation name for every layer keeps a linear output and
    a loss-required output, as ``Experiment.with_activation`` does.
    """
    unknown = [k for k in changes if k not in KNOWN_FIELDS or k in ("weights", "biases", SESSION_FIELD)]
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
    network_changed = bool(NETWORK_FIELDS & changes.keys())
    if REINIT_FIELDS & changes.keys():
        edited = parse_network(data)
        return EditOutcome(edited, tuple(range(1, edited.network.depth + 1)), True)
    if list(data["layers"]) == list(net.widths):
        return EditOutcome(parse_network(data, (net.weights, net.biases)), (), network_changed)
    drawn = parse_network(data)  # every layer from the initialiser; those that keep their shape keep their weights
    new = drawn.network
    weights, biases, fresh = list(new.weights), list(new.biases), []
    for l in range(new.depth):
        if l < net.depth and net.weights[l].shape == new.weights[l].shape:
            weights[l], biases[l] = net.weights[l], net.biases[l]
        else:
            fresh.append(l + 1)
    network = Network(new.widths, new.activations, weights, biases, new.residual)
    return EditOutcome(replace(drawn, network=network), tuple(fresh), True)


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


def _unique_fields(pairs: list) -> dict:
    """A JSON object's fields as a dict, refusing a field given twice (json would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise NetworkFileError(key, "is given more than once; give each field once")
            seen.add(key)
    return obj


def decode_text(text: str):
    """The JSON value of a network or session file's text; every problem becomes one ``NetworkFileError``."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_fields)
    except NetworkFileError:
        raise
    except RecursionError:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep") from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError:  # json refuses whole numbers of more than 4300 digits (sys.get_int_max_str_digits)
        raise NetworkFileError("", "the file holds a number with too many digits to read") from None


def parse_text(text: str) -> Experiment:
    """Decode and validate the text of a network file (or a session file: its network at the current weights)."""
    data = decode_text(text)
    if isinstance(data, dict) and SESSION_FIELD in data:
        return parse_session(data).current_experiment()
    return parse_network(data)


def read_text(path) -> str:
    """The text of the regular file ``path``, read through one handle, at most ``MAX_FILE_BYTES`` + 1 bytes.

    Folders, devices (``/dev/zero``), FIFOs and sockets are refused without blocking and without reading;
    every problem is one ``NetworkFileError``.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise NetworkFileError("", f"no such file: {path}") from None
    except PermissionError:
        raise NetworkFileError("", f"cannot read {path}: permission denied") from None
    except IsADirectoryError:  # Windows
        raise NetworkFileError("", f"{path} is a folder, not a network file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise NetworkFileError("", f"{path} is a socket or a device, not a network file") from None
        raise NetworkFileError("", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NetworkFileError("", f"{path} is a folder, not a network file")
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
            raise NetworkFileError("", f"{path} is {kind}, not a network file; only regular files are read")
        _refuse_size(path, info.st_size)
        with os.fdopen(fd, "rb", buffering=0) as handle:
            fd = None  # the handle closes it
            raw = _read_at_most(handle, MAX_FILE_BYTES + 1)
        _refuse_size(path, len(raw))  # the file grew after it was measured
    except NetworkFileError:
        raise
    except OSError as exc:
        raise NetworkFileError("", f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        if fd is not None:
            os.close(fd)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NetworkFileError("", f"{path} is not a text file (it is not UTF-8)") from None


def _refuse_size(path: Path, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise NetworkFileError("", f"{path} is {size / 2**20:.0f} MiB; network files are at most {MAX_FILE_BYTES // 2**20} MiB")


def _read_at_most(handle, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        try:
            chunk = handle.read(min(1 << 20, limit - total))
        except BlockingIOError:  # a regular file never blocks; this is only belt and braces
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def load_network(path) -> Experiment:
    """Read and validate a network file; every problem becomes one ``NetworkFileError``.

    A session file gives its network at the current weights (what was on screen when it was saved).
    """
    return parse_text(read_text(path))


def check_storable(weights, biases, field: str = "weights", bias_field: str = "biases") -> None:
    """Refuse parameters a network file cannot hold (non-finite, or beyond ``MAX_ABS_VALUE``).

    Raises
    ------
    NetworkFileError
        naming the first such value by its field, its layer, row and column, e.g.
        ``weights[3][0][1]: is ∞ (layer 4, row 1, column 2); a network file holds only finite numbers
        from -1e+100 to 1e+100, so nothing was written``
    """
    limits = f"a network file holds only finite numbers from {-MAX_ABS_VALUE:g} to {MAX_ABS_VALUE:g}, so nothing was written"
    for l, w in enumerate(weights):
        w = np.asarray(w)
        ok = np.abs(w) <= MAX_ABS_VALUE  # False for NaN and inf as well
        if not ok.all():
            r, c = (int(i) for i in np.argwhere(~ok)[0])
            shown = format_number(w[r, c])
            raise NetworkFileError(f"{field}[{l}][{r}][{c}]", f"is {shown} (layer {l + 1}, row {r + 1}, column {c + 1}); {limits}")
    for l, b in enumerate(biases):
        b = np.asarray(b)
        ok = np.abs(b) <= MAX_ABS_VALUE
        if not ok.all():
            r = int(np.argwhere(~ok)[0][0])
            raise NetworkFileError(f"{bias_field}[{l}][{r}]", f"is {format_number(b[r])} (layer {l + 1}, row {r + 1}); {limits}")


def save_network(experiment: Experiment, path) -> None:
    """Save ``experiment`` as a network file, weights included, atomically.

    A network a file cannot hold (a non-finite weight, or one beyond ``MAX_ABS_VALUE``) is refused with
    a ``NetworkFileError`` naming the value, and nothing is written: whatever gradviz writes, it reads.
    """
    net = experiment.network
    check_storable(net.weights, net.biases)
    text = json.dumps(experiment.to_json(), indent=1, allow_nan=False)
    write_atomically(path, (text + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------- sessions

#: The version of the ``session`` object a session file holds.
SESSION_FORMAT = 1
#: Most micro-steps a session may stand from its start.
MAX_SESSION_POSITION = 10**12
#: How a session file writes a non-finite training statistic (JSON has no NaN or infinity).
_NON_FINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
SESSION_KEYS = (
    "format", "start_weights", "start_biases", "pass_weights", "pass_biases", "position", "passes", "history",
    "color_mode", "selection", "compare_activation", "compare_residual", "shared_scale", "bars_measure",
    "bars_activations", "compare_active", "selection_side", "lanes",
)  # fmt: skip
#: Most lanes (networks moving in lock-step) a session holds, lane 0 included.
MAX_LANES = 8
#: The fields of one entry of ``session.lanes`` (the lanes after lane 0).
LANE_KEYS = ("activation", "residual", "current_weights", "current_biases", "pass_weights", "pass_biases")


@dataclass(frozen=True)
class LaneData:
    """What a session file holds of one lane after lane 0: its variant (hidden ``activation``, None as
    loaded; ``residual``, None as loaded) and where it stands -- its current weights and, at an update step,
    the weights its pass ran on -- so opening restores it without replaying the passes before."""

    activation: str | None
    residual: bool | None
    current_weights: tuple
    current_biases: tuple
    pass_weights: tuple | None = None
    pass_biases: tuple | None = None
HISTORY_KEYS = ("losses", *MEASURES, "cancelled", "stopped_at", "stop_reason")


@dataclass(frozen=True)
class SessionData:
    """What a session file holds: a network file plus what was on screen.

    ``experiment`` holds the network at the start of the session (where Home returns); the network on
    screen has ``current_weights`` and ``current_biases``, ``position`` micro-steps (``passes`` SGD
    updates) after the start. At an update step (``position`` a whole number of passes) ``pass_weights``
    and ``pass_biases`` are those the pass on screen ran on, before its update, so the record on screen
    can be recomputed exactly; elsewhere they are None. ``history`` is the training panel's history.
    The rest are the window's settings: the diagram's colour mode, the selection
    (``("neuron", layer, unit)``, ``("edge", layer, to_unit, from_unit)`` or None), the compare view's
    activation and residual switch (None: as loaded), whether both diagrams share one colour scale, the
    gradient bars' measure and pair of activations, whether the Compare view is on, and the half of it the
    selection was picked on ("left" or "right").
    """

    experiment: Experiment
    current_weights: tuple
    current_biases: tuple
    position: int = 0
    passes: int = 0
    history: TrainingHistory | None = None
    color_mode: str = DEFAULT_COLOR_MODE
    selection: tuple | None = None
    compare_activation: str | None = None
    compare_residual: bool | None = False
    shared_scale: bool = False
    bars_measure: str = MEASURES[0]
    bars_activations: tuple[str, str] = ("sigmoid", "relu")
    pass_weights: tuple | None = None
    pass_biases: tuple | None = None
    compare_active: bool = False
    selection_side: str = "left"
    #: The lanes after lane 0 (lane 1: the Compare view's right half), or None in a file written before lanes.
    lanes: tuple[LaneData, ...] | None = None

    @property
    def current_network(self) -> Network:
        return self.experiment.network.with_params(self.current_weights, self.current_biases)

    @property
    def pass_network(self) -> Network | None:
        """The network the pass on screen ran on, when it differs from the current one (an update step)."""
        if self.pass_weights is None:
            return None
        return self.experiment.network.with_params(self.pass_weights, self.pass_biases)

    def current_experiment(self) -> Experiment:
        """The experiment at the current weights: what ``load_network`` gives for a session file."""
        return self.experiment.with_network(self.current_network)

    def __repr__(self):
        return f"SessionData({self.experiment.name!r}, position={self.position}, passes={self.passes})"


def _session_field(key: str) -> str:
    return f"{SESSION_FIELD}.{key}"


def _params(value, key: str, widths: list[int], matrices: bool) -> list[np.ndarray]:
    where = _session_field(key)
    depth = len(widths) - 1
    noun = "matrices" if matrices else "vectors"
    if not isinstance(value, list) or len(value) != depth:
        got = f"{len(value)} {noun}" if isinstance(value, list) else _describe(value)
        raise NetworkFileError(where, f"must be a list of {depth} {noun} (one per weight layer), got {got}")
    if matrices:
        return [_matrix(v, f"{where}[{l}]", widths[l + 1], widths[l]) for l, v in enumerate(value)]
    return [_vector(v, f"{where}[{l}]", widths[l + 1]) for l, v in enumerate(value)]


def _statistic(value, where: str) -> float:
    if isinstance(value, str) and value in _NON_FINITE_TEXT:
        return _NON_FINITE_TEXT[value]
    if not _is_number(value):
        raise NetworkFileError(where, f"must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {_describe(value)}")
    try:
        return float(value)
    except OverflowError:
        raise NetworkFileError(where, "must be a number a float can hold") from None


def _statistics(value, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """A list (or list of rows) of training statistics of exactly ``shape``."""
    if len(shape) == 1:
        if not isinstance(value, list) or len(value) != shape[0]:
            got = f"{len(value)} numbers" if isinstance(value, list) else _describe(value)
            raise NetworkFileError(where, f"must be a list of {_count(shape[0], 'number')}, got {got}")
        fast = _plain_numbers(value)
        if fast is not None:
            return fast
        return np.array([_statistic(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)
    if not isinstance(value, list) or len(value) != shape[0]:
        got = f"{len(value)} rows" if isinstance(value, list) else _describe(value)
        raise NetworkFileError(where, f"must be a list of {shape[0]} rows of {shape[1]} numbers (one per step), got {got}")
    rows = [_statistics(row, f"{where}[{k}]", shape[1:]) for k, row in enumerate(value)]
    return np.array(rows, dtype=np.float64).reshape(shape)


def _parse_history(value, start: Network) -> TrainingHistory | None:
    where = _session_field("history")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise NetworkFileError(where, f"must be an object or null, got {_describe(value)}")
    for key in value:
        if key not in HISTORY_KEYS:
            raise NetworkFileError(f"{where}.{key}", f"unknown field; the fields are {', '.join(HISTORY_KEYS)}")
    for key in ("losses", *MEASURES):
        if key not in value:
            raise NetworkFileError(f"{where}.{key}", "is missing")
    losses = value["losses"]
    if not isinstance(losses, list) or len(losses) > MAX_TRAINING_STEPS:
        got = f"{len(losses)} steps" if isinstance(losses, list) else _describe(losses)
        raise NetworkFileError(f"{where}.losses", f"must be a list of at most {MAX_TRAINING_STEPS:,} numbers, got {got}")
    steps = len(losses)
    arrays = {"losses": _statistics(losses, f"{where}.losses", (steps,))}
    for key in MEASURES:
        arrays[key] = _statistics(value[key], f"{where}.{key}", (steps, start.depth))
    cancelled = value.get("cancelled", False)
    if not isinstance(cancelled, bool):
        raise NetworkFileError(f"{where}.cancelled", f"must be true or false, got {_describe(cancelled)}")
    stopped_at = value.get("stopped_at")
    if stopped_at is not None:
        stopped_at = _whole(stopped_at, f"{where}.stopped_at", 1, MAX_TRAINING_STEPS)
    reason = value.get("stop_reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise NetworkFileError(f"{where}.stop_reason", "must be a text of at most 500 characters")
    frozen = {k: frozen_array(v) for k, v in arrays.items()}
    return TrainingHistory(
        frozen["losses"], frozen["mean_abs_grad_w"], frozen["max_abs_grad_w"], frozen["norm_grad_w"],
        start, cancelled, stopped_at, reason,
    )  # fmt: skip


def _choice(value, key: str, choices, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or value not in choices:
        extra = " or null" if allow_none else ""
        raise NetworkFileError(_session_field(key), f"must be one of {', '.join(choices)}{extra}, got {_name(value)}")
    return value


def _flag(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise NetworkFileError(_session_field(key), f"must be true or false, got {_describe(value)}")
    return value


def _parse_selection(value, widths: list[int]) -> tuple | None:
    where = _session_field("selection")
    if value is None:
        return None
    depth = len(widths) - 1
    if isinstance(value, list) and len(value) == 3 and value[0] == "neuron":
        layer = _whole(value[1], f"{where}[1]", 0, depth)
        return ("neuron", layer, _whole(value[2], f"{where}[2]", 0, widths[layer] - 1))
    if isinstance(value, list) and len(value) == 4 and value[0] == "edge":
        layer = _whole(value[1], f"{where}[1]", 1, depth)
        to_unit = _whole(value[2], f"{where}[2]", 0, widths[layer] - 1)
        return ("edge", layer, to_unit, _whole(value[3], f"{where}[3]", 0, widths[layer - 1] - 1))
    raise NetworkFileError(
        where, f'must be null, ["neuron", layer, unit] or ["edge", layer, to_unit, from_unit], got {_describe(value)}'
    )


def parse_session(data) -> SessionData:
    """Validate a decoded session file (a dict holding a network file and a ``session`` object)."""
    if not isinstance(data, dict):
        raise NetworkFileError("", f"a session file must hold one JSON object, got {_describe(data)}")
    session = data.get(SESSION_FIELD)
    if not isinstance(session, dict):
        raise NetworkFileError(SESSION_FIELD, f"must be an object (what was on screen), got {_describe(session)}")
    network_part = {k: v for k, v in data.items() if k != SESSION_FIELD}
    if _nesting(data) > MAX_NESTING:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep")
    for key in session:
        if key not in SESSION_KEYS:
            raise NetworkFileError(_session_field(key), f"unknown field; the fields are {', '.join(SESSION_KEYS)}")
    version = _whole(session.get("format", SESSION_FORMAT), _session_field("format"), 1, 10**6)
    if version != SESSION_FORMAT:
        raise NetworkFileError(_session_field("format"), f"this gradviz reads session files of format {SESSION_FORMAT}, got {version}")
    current = parse_network(network_part)
    widths = list(current.network.widths)
    for key in ("start_weights", "start_biases"):
        if key not in session:
            raise NetworkFileError(_session_field(key), "is missing; a session file holds the weights and biases at its start")
    start_w = _params(session["start_weights"], "start_weights", widths, matrices=True)
    start_b = _params(session["start_biases"], "start_biases", widths, matrices=False)
    experiment = current.with_network(current.network.with_params(start_w, start_b))

    per_pass = 2 * current.network.depth + 2
    position = _whole(session.get("position", 0), _session_field("position"), 0, MAX_SESSION_POSITION)
    passes = _whole(session.get("passes", position // per_pass), _session_field("passes"), 0, MAX_SESSION_POSITION)
    if passes != position // per_pass:
        raise NetworkFileError(
            _session_field("passes"),
            f"must be {position // per_pass:,}: position {position:,} is that many passes of {per_pass} micro-steps, got {passes:,}",
        )
    at_update = position > 0 and position % per_pass == 0
    pass_w = pass_b = None
    if at_update:
        for key in ("pass_weights", "pass_biases"):
            if key not in session:
                raise NetworkFileError(_session_field(key), "is missing; at an update step the session holds the weights the pass ran on")
        pass_w = tuple(frozen_array(w) for w in _params(session["pass_weights"], "pass_weights", widths, matrices=True))
        pass_b = tuple(frozen_array(b) for b in _params(session["pass_biases"], "pass_biases", widths, matrices=False))
    else:
        for key in ("pass_weights", "pass_biases"):
            if session.get(key) is not None:
                raise NetworkFileError(_session_field(key), "is only given at an update step (position a whole number of passes)")

    history = _parse_history(session.get("history"), experiment.network)
    selection = _parse_selection(session.get("selection"), widths)
    bars_activations = session.get("bars_activations", ["sigmoid", "relu"])
    if not isinstance(bars_activations, list) or len(bars_activations) != 2:
        raise NetworkFileError(_session_field("bars_activations"), f"must be a list of two activation names, got {_describe(bars_activations)}")
    pair = tuple(_choice(name, f"bars_activations[{i}]", ACTIVATION_NAMES) for i, name in enumerate(bars_activations))
    return SessionData(
        experiment=experiment,
        current_weights=current.network.weights,
        current_biases=current.network.biases,
        position=position,
        passes=passes,
        history=history,
        color_mode=_choice(session.get("color_mode", DEFAULT_COLOR_MODE), "color_mode", tuple(COLOR_MODES)),
        selection=selection,
        compare_activation=_choice(session.get("compare_activation"), "compare_activation", ACTIVATION_NAMES, allow_none=True),
        compare_residual=None if session.get("compare_residual", False) is None else _flag(session["compare_residual"], "compare_residual"),
        shared_scale=_flag(session.get("shared_scale", False), "shared_scale"),
        bars_measure=_choice(session.get("bars_measure", MEASURES[0]), "bars_measure", MEASURES),
        bars_activations=pair,
        pass_weights=pass_w,
        pass_biases=pass_b,
        compare_active=_flag(session.get("compare_active", False), "compare_active"),
        selection_side=_choice(session.get("selection_side", "left"), "selection_side", ("left", "right")),
        lanes=_parse_lanes(session.get("lanes"), widths, at_update),
    )


def _parse_lanes(value, widths: list[int], at_update: bool) -> tuple[LaneData, ...] | None:
    if value is None:
        return None
    where = _session_field("lanes")
    if not isinstance(value, list) or len(value) > MAX_LANES - 1:
        got = f"{len(value)} lanes" if isinstance(value, list) else _describe(value)
        raise NetworkFileError(where, f"must be a list of at most {MAX_LANES - 1} lanes (those after the first), got {got}")
    lanes = []
    for i, entry in enumerate(value):
        key = f"lanes[{i}]"
        if not isinstance(entry, dict):
            raise NetworkFileError(_session_field(key), f"must be an object, got {_describe(entry)}")
        for name in entry:
            if name not in LANE_KEYS:
                raise NetworkFileError(_session_field(f"{key}.{name}"), f"unknown field; the fields are {', '.join(LANE_KEYS)}")
        for name in ("current_weights", "current_biases") + (("pass_weights", "pass_biases") if at_update else ()):
            if name not in entry:
                raise NetworkFileError(_session_field(f"{key}.{name}"), "is missing")
        if not at_update and (entry.get("pass_weights") is not None or entry.get("pass_biases") is not None):
            raise NetworkFileError(_session_field(f"{key}.pass_weights"), "is only given at an update step (position a whole number of passes)")
        arrays = {
            name: tuple(frozen_array(a) for a in _params(entry[name], f"{key}.{name}", widths, matrices=name.endswith("weights")))
            for name in ("current_weights", "current_biases", "pass_weights", "pass_biases") if entry.get(name) is not None
        }  # fmt: skip
        residual = entry.get("residual")
        lanes.append(LaneData(
            activation=_choice(entry.get("activation"), f"{key}.activation", ACTIVATION_NAMES, allow_none=True),
            residual=None if residual is None else _flag(residual, f"{key}.residual"),
            **arrays,
        ))  # fmt: skip
    return tuple(lanes)


def load_session(path) -> SessionData:
    """Read and validate a session file; a plain network file gives a session at its start.

    Every problem becomes one ``NetworkFileError`` naming the field.
    """
    data = decode_text(read_text(path))
    if isinstance(data, dict) and SESSION_FIELD in data:
        return parse_session(data)
    experiment = parse_network(data)
    return SessionData(experiment, experiment.network.weights, experiment.network.biases)


def _statistics_json(values: np.ndarray) -> list:
    if np.all(np.isfinite(values)):
        return values.tolist()
    text = {math.inf: "Infinity", -math.inf: "-Infinity"}
    return np.vectorize(lambda v: float(v) if math.isfinite(v) else text.get(v, "NaN"), otypes=[object])(values).tolist()


def _history_json(history: TrainingHistory | None):
    if history is None:
        return None
    out = {"losses": _statistics_json(np.asarray(history.losses))}
    for key in MEASURES:
        out[key] = _statistics_json(np.asarray(history.measure(key)))
    out["cancelled"] = history.cancelled
    out["stopped_at"] = history.stopped_at
    out["stop_reason"] = history.stop_reason
    return out


def session_json(data: SessionData) -> dict:
    """The session file of ``data`` as a dict (a network file at the current weights plus ``session``)."""
    current = data.current_experiment()
    start = data.experiment.network
    session = {
        "format": SESSION_FORMAT,
        "start_weights": [w.tolist() for w in start.weights],
        "start_biases": [b.tolist() for b in start.biases],
        "position": int(data.position),
        "passes": int(data.passes),
        "history": _history_json(data.history),
        "color_mode": data.color_mode,
        "selection": list(data.selection) if data.selection is not None else None,
        "compare_activation": data.compare_activation,
        "compare_residual": None if data.compare_residual is None else bool(data.compare_residual),
        "shared_scale": bool(data.shared_scale),
        "bars_measure": data.bars_measure,
        "bars_activations": list(data.bars_activations),
        "compare_active": bool(data.compare_active),
        "selection_side": data.selection_side,
    }
    if data.pass_weights is not None:
        session["pass_weights"] = [np.asarray(w).tolist() for w in data.pass_weights]
        session["pass_biases"] = [np.asarray(b).tolist() for b in data.pass_biases]
    if data.lanes is not None:
        session["lanes"] = [
            {
                "activation": lane.activation, "residual": lane.residual,
                "current_weights": [np.asarray(w).tolist() for w in lane.current_weights],
                "current_biases": [np.asarray(b).tolist() for b in lane.current_biases],
                **({} if lane.pass_weights is None else {
                    "pass_weights": [np.asarray(w).tolist() for w in lane.pass_weights],
                    "pass_biases": [np.asarray(b).tolist() for b in lane.pass_biases],
                }),
            }
            for lane in data.lanes
        ]  # fmt: skip
    return {**current.to_json(), SESSION_FIELD: session}


def save_session(path, data: SessionData) -> None:
    """Save ``data`` as a session file, atomically, after checking it reads back.

    The text is validated as ``load_session`` would validate it before anything is written, so a
    session that could not be opened again (a non-finite weight, a selection outside the network) is
    refused with one ``NetworkFileError`` naming the value, and nothing is written.
    """
    check_storable(data.current_weights, data.current_biases)
    start = data.experiment.network
    check_storable(start.weights, start.biases, _session_field("start_weights"), _session_field("start_biases"))
    if data.pass_weights is not None:
        check_storable(data.pass_weights, data.pass_biases, _session_field("pass_weights"), _session_field("pass_biases"))
    for i, lane in enumerate(data.lanes or ()):
        where = _session_field(f"lanes[{i}]")
        check_storable(lane.current_weights, lane.current_biases, f"{where}.current_weights", f"{where}.current_biases")
        if lane.pass_weights is not None:
            check_storable(lane.pass_weights, lane.pass_biases, f"{where}.pass_weights", f"{where}.pass_biases")
    document = session_json(data)
    text = json.dumps(document, indent=1, allow_nan=False)
    parse_session(decode_text(text))  # whatever gradviz writes, it reads back
    write_atomically(path, (text + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------- presets


def _preset_dir():
    return resource_folder().joinpath("presets")


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
