"""The values an experiment is made of, checked: widths, activations, weights, data, loss, initialiser.

A network file, a preset and an edit in the window all give an experiment as fields (a dict of plain
values: text, numbers, lists); ``experiment_from_fields`` checks them and builds the ``Experiment``,
``experiment_fields`` gives them back. Every problem is one ``NetworkFileError`` naming the field, e.g.
``layers[2]: must be a whole number from 1 to 512, got 0``. No file and no JSON here: ``gradviz.files``
reads and writes the text.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import check_activation
from .budget import STEPPER_PASSES, WorkBudgetError, check_budget
from .choices import UnknownNameError
from .experiment import Experiment, NetworkFileError
from .format import describe_value, format_bound
from .init import INIT_PARAMETERS, InitSpec, check_init_scheme, init_network_weights
from .losses import check_loss
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH, Network

#: Most samples in ``input``.
MAX_SAMPLES = 4096
#: Largest magnitude accepted for any number.
MAX_ABS_VALUE = 1e100
#: Largest learning rate accepted.
MAX_LEARNING_RATE = 1e6
#: The fields an experiment is made of, in the order a file lists them.
EXPERIMENT_FIELDS = (
    "name", "description", "layers", "activation", "weights", "biases", "init",
    "input", "target", "loss", "learning_rate", "residual",
)  # fmt: skip


def checked_name(check, value, where: str) -> str:
    """``check(value)`` (a concept's one name check, e.g. ``check_activation``), its refusal as a
    ``NetworkFileError`` naming the field ``where``."""
    try:
        return check(value)
    except UnknownNameError as exc:
        raise NetworkFileError(where, str(exc)) from None


def experiment_fields(experiment: Experiment, include_params: bool = True) -> dict:
    """The fields of ``experiment`` (what its network file holds), weights and biases included unless
    ``include_params`` is False."""
    net = experiment.network
    acts = net.activations
    params = {"weights": [w.tolist() for w in net.weights], "biases": [b.tolist() for b in net.biases]}
    return {
        "name": experiment.name,
        "description": experiment.description,
        "layers": list(net.widths),
        "activation": acts[0] if len(set(acts)) == 1 else list(acts),
        **(params if include_params else {}),
        "init": experiment.init.to_json(),
        "input": experiment.inputs.tolist(),
        "target": experiment.targets.tolist(),
        "loss": experiment.loss,
        "learning_rate": experiment.learning_rate,
        "residual": net.residual,
    }




def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_number(value, where: str, lo: float = -MAX_ABS_VALUE, hi: float = MAX_ABS_VALUE) -> float:
    if not is_number(value):
        raise NetworkFileError(where, f"must be a number, got {describe_value(value)}")
    try:
        value = float(value)
    except OverflowError:  # a whole number too large for a float, e.g. 1 followed by 400 zeros
        value = math.inf if value > 0 else -math.inf
    if not math.isfinite(value):
        raise NetworkFileError(where, f"must be a finite number, got {value}")
    if not lo <= value <= hi:
        raise NetworkFileError(where, f"must be from {format_bound(lo)} to {format_bound(hi)}, got {value:g}")
    return value


def check_whole(value, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or isinstance(value, float) and value.is_integer()):
        raise NetworkFileError(where, f"must be a whole number from {lo} to {hi}, got {describe_value(value)}")
    if not lo <= value <= hi:
        shown = value if abs(value) < 1e15 else f"{float(value):.3g}" if abs(value) < 1e308 else "a number too large to hold"
        raise NetworkFileError(where, f"must be a whole number from {lo} to {hi}, got {shown}")
    return int(value)


def count_noun(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def check_vector(value, where: str, length: int) -> np.ndarray:
    if not isinstance(value, list):
        raise NetworkFileError(where, f"must be a list of {count_noun(length, 'number')}, got {describe_value(value)}")
    if len(value) != length:
        raise NetworkFileError(where, f"must hold {count_noun(length, 'number')}, got {len(value)}")
    fast = plain_numbers(value)
    if fast is not None:
        return fast
    # Something is wrong: find the first bad entry, for a message that names it.
    return np.array([check_number(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)


def plain_numbers(values: list) -> np.ndarray | None:
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


def check_matrix(value, where: str, rows: int, cols: int) -> np.ndarray:
    if not isinstance(value, list) or len(value) != rows:
        got = f"{len(value)} rows" if isinstance(value, list) else describe_value(value)
        raise NetworkFileError(where, f"must be a {rows} x {cols} matrix (a list of {rows} rows of {cols} numbers), got {got}")
    return np.array([check_vector(row, f"{where}[{i}]", cols) for i, row in enumerate(value)], dtype=np.float64)


def check_samples(value, where: str, width: int) -> np.ndarray:
    """One sample (a list of numbers) or several (a list of lists), as samples x width."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        if len(value) > MAX_SAMPLES:
            raise NetworkFileError(where, f"holds {len(value)} samples; at most {MAX_SAMPLES} are allowed")
        return np.array([check_vector(v, f"{where}[{i}]", width) for i, v in enumerate(value)], dtype=np.float64)
    return check_vector(value, where, width)[None, :]


def experiment_from_fields(data: dict, params: tuple | None = None) -> Experiment:
    """Check the fields of a network file (a dict of plain values) and build their ``Experiment``.

    Every problem is one ``NetworkFileError`` naming the field. Fields are checked, not listed: a caller
    that takes only known fields refuses the others first. ``params``: ``(weights, biases)`` already held
    by a network of the same widths, used in place of the fields' (which must then be absent) without
    checking every number again.
    """
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
        got = f"{len(layers)} widths" if isinstance(layers, list) else describe_value(layers)
        raise NetworkFileError(
            "layers", f"must be a list of 2 to {MAX_WEIGHT_LAYERS + 1} widths (input first), got {got}"
        )
    widths = [check_whole(w, f"layers[{i}]", 1, MAX_WIDTH) for i, w in enumerate(layers)]
    depth = len(widths) - 1
    check_work(widths, data.get("input"))

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
        raise NetworkFileError("activation", f"must be a name or a list of names, got {describe_value(activation)}")
    for w, act in zip(where, activations):
        checked_name(check_activation, act, w)

    init = check_init(data.get("init", {}))
    if params is not None:
        weights, biases = params
    elif "weights" in data:
        weights = data["weights"]
        if not isinstance(weights, list) or len(weights) != depth:
            got = f"{len(weights)} matrices" if isinstance(weights, list) else describe_value(weights)
            raise NetworkFileError("weights", f"must be a list of {depth} matrices (one per weight layer), got {got}")
        weights = [check_matrix(w, f"weights[{l}]", widths[l + 1], widths[l]) for l, w in enumerate(weights)]
    else:
        weights = init_network_weights(widths, init)
    if params is not None:
        pass
    elif "biases" in data:
        biases = data["biases"]
        if not isinstance(biases, list) or len(biases) != depth:
            got = f"{len(biases)} vectors" if isinstance(biases, list) else describe_value(biases)
            raise NetworkFileError("biases", f"must be a list of {depth} vectors (one per weight layer), got {got}")
        biases = [check_vector(b, f"biases[{l}]", widths[l + 1]) for l, b in enumerate(biases)]
    else:
        biases = None

    for key in ("input", "target"):
        if key not in data:
            raise NetworkFileError(key, "is missing; give one sample as a list of numbers, or a list of samples")
    inputs = check_samples(data["input"], "input", widths[0])
    targets = check_samples(data["target"], "target", widths[-1])
    if len(inputs) != len(targets):
        raise NetworkFileError("target", f"must hold one target per input sample ({len(inputs)}), got {len(targets)}")

    loss = data.get("loss", "half_squared_error")
    checked_name(check_loss, loss, "loss")
    if loss == "binary_cross_entropy" and not np.all((targets >= 0) & (targets <= 1)):
        raise NetworkFileError("target", "binary_cross_entropy needs every target from 0 to 1")
    learning_rate = check_number(data.get("learning_rate", 0.5), "learning_rate", 0.0, MAX_LEARNING_RATE)
    residual = data.get("residual", False)
    if not isinstance(residual, bool):
        raise NetworkFileError("residual", f"must be true or false, got {describe_value(residual)}")

    network = Network(widths, activations, weights, biases, residual)
    experiment = Experiment(name, network, inputs, targets, loss, learning_rate, description, init)
    return Experiment.checked(experiment)


def check_work(widths: list[int], inputs) -> None:
    """Refuse, before anything is allocated, a network the window could not step through in the work budget."""
    samples = len(inputs) if isinstance(inputs, list) and inputs and isinstance(inputs[0], list) else 1
    try:
        check_budget(widths, min(samples, MAX_SAMPLES), STEPPER_PASSES, "stepping through this network")
    except WorkBudgetError as exc:
        raise NetworkFileError("", str(exc)) from None


def check_init(value) -> InitSpec:
    """The initialiser field (``{"scheme": ..., "seed": ..., parameters}``) as an ``InitSpec``."""
    if not isinstance(value, dict):
        raise NetworkFileError("init", f"must be an object like {{\"scheme\": \"he_normal\", \"seed\": 0}}, got {describe_value(value)}")
    scheme = value.get("scheme", "he_normal")
    checked_name(check_init_scheme, scheme, "init.scheme")
    seed = check_whole(value.get("seed", 0), "init.seed", 0, 2**32 - 1)
    allowed = INIT_PARAMETERS[scheme]
    params = {}
    for key, v in value.items():
        if key in ("scheme", "seed"):
            continue
        if key not in allowed:
            choices = ", ".join(allowed) if allowed else "none"
            raise NetworkFileError(f"init.{key}", f"is not a parameter of {scheme} (its parameters: {choices})")
        params[key] = check_number(v, f"init.{key}")
    if scheme == "uniform" and params.get("low", -1.0) > params.get("high", 1.0):
        raise NetworkFileError("init.low", "must not exceed init.high")
    if scheme == "normal" and params.get("std", 1.0) < 0:
        raise NetworkFileError("init.std", "must not be negative")
    return InitSpec(scheme, seed, params)


