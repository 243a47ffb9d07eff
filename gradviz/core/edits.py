"""Edits of the experiment on screen: new widths, activations, data, loss, initialiser, checked as a file is.

No file here: an edit is a dict of experiment fields (see ``fields``), applied to an ``Experiment``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .activations import check_activation
from .analysis import kept_output_activation
from .experiment import Experiment, NetworkFileError
from .fields import EXPERIMENT_FIELDS, check_whole, checked_name, experiment_fields, experiment_from_fields
from .format import describe_value, format_number
from .init import InitSpec
from .network import MAX_WEIGHT_LAYERS, MAX_WIDTH, Network


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
    unknown = [k for k in changes if k not in EXPERIMENT_FIELDS or k in ("weights", "biases")]
    if unknown:
        raise NetworkFileError(str(unknown[0]), "cannot be edited here")
    data = {**experiment_fields(experiment, include_params=False), **changes}
    if "layers" in changes:
        layers = changes["layers"]
        if not isinstance(layers, list) or not 2 <= len(layers) <= MAX_WEIGHT_LAYERS + 1:
            got = f"{len(layers)} widths" if isinstance(layers, list) else describe_value(layers)
            raise NetworkFileError("layers", f"must be a list of 2 to {MAX_WEIGHT_LAYERS + 1} widths (input first), got {got}")
        widths = [check_whole(w, f"layers[{i}]", 1, MAX_WIDTH) for i, w in enumerate(layers)]
        _fit_to_widths(data, widths)
    if isinstance(changes.get("activation"), str):
        name = checked_name(check_activation, changes["activation"], "activation")
        kept = kept_output_activation(experiment.network, data.get("loss", experiment.loss))
        depth = len(data["layers"]) - 1
        if kept is not None and name != kept and depth > 1:
            data["activation"] = [name] * (depth - 1) + [kept]
    net = experiment.network
    network_changed = bool(NETWORK_FIELDS & changes.keys())
    if REINIT_FIELDS & changes.keys():
        edited = experiment_from_fields(data)
        return EditOutcome(edited, tuple(range(1, edited.network.depth + 1)), True)
    if list(data["layers"]) == list(net.widths):
        return EditOutcome(experiment_from_fields(data, (net.weights, net.biases)), (), network_changed)
    drawn = experiment_from_fields(data)  # every layer from the initialiser; those that keep their shape keep their weights
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
