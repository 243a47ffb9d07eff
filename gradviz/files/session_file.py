"""The session file (JSON): a network file plus what was on screen. Parse, validate, save.

A session file is a network file at the current weights with a ``session`` object: the start weights, the
pass position, the training history (its measures by name), the window's settings. The object carries its
``format`` version: 1 (the first, measures beside the losses) and 2 (measures by name in
``history.measures``) are read; a newer one is refused in one line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..core.activations import check_activation
from ..core.experiment import NetworkFileError
from ..core.fields import (
    check_matrix, check_vector, check_whole, checked_name, count_noun, is_number, plain_numbers,
)  # fmt: skip
from ..core.files import write_atomically
from ..core.format import describe_value, quote_name
from ..core.network import Network
from ..core.records import frozen_array
from ..core.session import SIDES, Session
from ..core.session_data import MAX_LANES, LaneData, SessionData
from ..core.stats import MEASURES, check_measure
from ..core.training import MAX_TRAINING_STEPS, TrainingHistory
from ..names import DEFAULT_COLOR_MODE, check_color_mode
from .network_file import SESSION_FIELD, check_format, check_storable, network_json, parse_network
from .reading import MAX_NESTING, decode_text, nesting

#: The version of the ``session`` object this gradviz writes; it reads every version up to it.
#: 1: the first. 2: the history's measures by name, in ``history.measures``.
SESSION_FORMAT = 2
#: Most micro-steps a session may stand from its start.
MAX_SESSION_POSITION = 10**12
#: How a session file writes a non-finite training statistic (JSON has no NaN or infinity).
_NON_FINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
SESSION_KEYS = (
    "format", "start_weights", "start_biases", "pass_weights", "pass_biases", "position", "passes", "history",
    "color_mode", "selection", "compare_activation", "compare_residual", "shared_scale", "bars_measure",
    "bars_activations", "compare_active", "selection_side", "lanes",
)  # fmt: skip
#: The fields of the training history (format 2), and of format 1 (its measures beside the losses).
HISTORY_FIELDS = ("losses", "measures", "cancelled", "stopped_at", "stop_reason")
HISTORY_FIELDS_1 = ("losses", *MEASURES, "cancelled", "stopped_at", "stop_reason")


def _session_field(key: str) -> str:
    return f"{SESSION_FIELD}.{key}"


def _params(value, key: str, widths: list[int], matrices: bool) -> list[np.ndarray]:
    where = _session_field(key)
    depth = len(widths) - 1
    noun = "matrices" if matrices else "vectors"
    if not isinstance(value, list) or len(value) != depth:
        got = f"{len(value)} {noun}" if isinstance(value, list) else describe_value(value)
        raise NetworkFileError(where, f"must be a list of {depth} {noun} (one per weight layer), got {got}")
    if matrices:
        return [check_matrix(v, f"{where}[{l}]", widths[l + 1], widths[l]) for l, v in enumerate(value)]
    return [check_vector(v, f"{where}[{l}]", widths[l + 1]) for l, v in enumerate(value)]


def _statistic(value, where: str) -> float:
    if isinstance(value, str) and value in _NON_FINITE_TEXT:
        return _NON_FINITE_TEXT[value]
    if not is_number(value):
        raise NetworkFileError(where, f"must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {describe_value(value)}")
    try:
        return float(value)
    except OverflowError:
        raise NetworkFileError(where, "must be a number a float can hold") from None


def _statistics(value, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """A list (or list of rows) of training statistics of exactly ``shape``."""
    if len(shape) == 1:
        if not isinstance(value, list) or len(value) != shape[0]:
            got = f"{len(value)} numbers" if isinstance(value, list) else describe_value(value)
            raise NetworkFileError(where, f"must be a list of {count_noun(shape[0], 'number')}, got {got}")
        fast = plain_numbers(value)
        if fast is not None:
            return fast
        return np.array([_statistic(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)
    if not isinstance(value, list) or len(value) != shape[0]:
        got = f"{len(value)} rows" if isinstance(value, list) else describe_value(value)
        raise NetworkFileError(where, f"must be a list of {shape[0]} rows of {shape[1]} numbers (one per step), got {got}")
    rows = [_statistics(row, f"{where}[{k}]", shape[1:]) for k, row in enumerate(value)]
    return np.array(rows, dtype=np.float64).reshape(shape)


def _parse_history(value, start: Network, version: int) -> TrainingHistory | None:
    """The training history; its measures by name (format 1 held them beside ``losses``, format 2 in
    ``measures``). A measure the file lacks is left out; one this gradviz does not know is ignored."""
    where = _session_field("history")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise NetworkFileError(where, f"must be an object or null, got {describe_value(value)}")
    fields = HISTORY_FIELDS if version >= 2 else HISTORY_FIELDS_1
    for key in value:
        if key not in fields:
            raise NetworkFileError(f"{where}.{key}", f"unknown field; the fields are {', '.join(fields)}")
    if "losses" not in value:
        raise NetworkFileError(f"{where}.losses", "is missing")
    losses = value["losses"]
    if not isinstance(losses, list) or len(losses) > MAX_TRAINING_STEPS:
        got = f"{len(losses)} steps" if isinstance(losses, list) else describe_value(losses)
        raise NetworkFileError(f"{where}.losses", f"must be a list of at most {MAX_TRAINING_STEPS:,} numbers, got {got}")
    steps = len(losses)
    losses = frozen_array(_statistics(losses, f"{where}.losses", (steps,)))
    if version >= 2:
        given, measures_where = value.get("measures", {}), f"{where}.measures"
        if not isinstance(given, dict):
            raise NetworkFileError(measures_where, f"must be an object (each measure by name), got {describe_value(given)}")
    else:
        given, measures_where = value, where
    measures = {
        name: frozen_array(_statistics(given[name], f"{measures_where}.{name}", (steps, start.depth)))
        for name in MEASURES
        if name in given
    }
    cancelled = value.get("cancelled", False)
    if not isinstance(cancelled, bool):
        raise NetworkFileError(f"{where}.cancelled", f"must be true or false, got {describe_value(cancelled)}")
    stopped_at = value.get("stopped_at")
    if stopped_at is not None:
        stopped_at = check_whole(stopped_at, f"{where}.stopped_at", 1, MAX_TRAINING_STEPS)
    reason = value.get("stop_reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise NetworkFileError(f"{where}.stop_reason", "must be a text of at most 500 characters")
    return TrainingHistory(losses, MappingProxyType(measures), start, cancelled, stopped_at, reason)


def _choice(value, key: str, check, allow_none: bool = False):
    """``value`` checked by the concept's one name check (``check_activation``, ...); None when allowed."""
    if value is None and allow_none:
        return None
    return checked_name(check, value, _session_field(key))


def _side(value) -> str:
    if value not in SIDES:
        raise NetworkFileError(_session_field("selection_side"), f"must be one of {', '.join(SIDES)}, got {quote_name(value)}")
    return value


def _flag(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise NetworkFileError(_session_field(key), f"must be true or false, got {describe_value(value)}")
    return value


def _parse_selection(value, widths: list[int]) -> tuple | None:
    where = _session_field("selection")
    if value is None:
        return None
    depth = len(widths) - 1
    if isinstance(value, list) and len(value) == 3 and value[0] == "neuron":
        layer = check_whole(value[1], f"{where}[1]", 0, depth)
        return ("neuron", layer, check_whole(value[2], f"{where}[2]", 0, widths[layer] - 1))
    if isinstance(value, list) and len(value) == 4 and value[0] == "edge":
        layer = check_whole(value[1], f"{where}[1]", 1, depth)
        to_unit = check_whole(value[2], f"{where}[2]", 0, widths[layer] - 1)
        return ("edge", layer, to_unit, check_whole(value[3], f"{where}[3]", 0, widths[layer - 1] - 1))
    raise NetworkFileError(
        where, f'must be null, ["neuron", layer, unit] or ["edge", layer, to_unit, from_unit], got {describe_value(value)}'
    )


#: The fields of one entry of ``session.lanes`` (the lanes after lane 0).
LANE_KEYS = ("activation", "residual", "current_weights", "current_biases", "pass_weights", "pass_biases")


def _parse_lanes(value, widths: list[int], at_update: bool) -> tuple[LaneData, ...] | None:
    if value is None:
        return None
    where = _session_field("lanes")
    if not isinstance(value, list) or len(value) > MAX_LANES - 1:
        got = f"{len(value)} lanes" if isinstance(value, list) else describe_value(value)
        raise NetworkFileError(where, f"must be a list of at most {MAX_LANES - 1} lanes (those after the first), got {got}")
    lanes = []
    for i, entry in enumerate(value):
        key = f"lanes[{i}]"
        if not isinstance(entry, dict):
            raise NetworkFileError(_session_field(key), f"must be an object, got {describe_value(entry)}")
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
            activation=_choice(entry.get("activation"), f"{key}.activation", check_activation, allow_none=True),
            residual=None if residual is None else _flag(residual, f"{key}.residual"),
            **arrays,
        ))  # fmt: skip
    return tuple(lanes)


def parse_session(data) -> SessionData:
    """Validate a decoded session file (a dict holding a network file and a ``session`` object)."""
    if not isinstance(data, dict):
        raise NetworkFileError("", f"a session file must hold one JSON object, got {describe_value(data)}")
    session = data.get(SESSION_FIELD)
    if not isinstance(session, dict):
        raise NetworkFileError(SESSION_FIELD, f"must be an object (what was on screen), got {describe_value(session)}")
    network_part = {k: v for k, v in data.items() if k != SESSION_FIELD}
    if nesting(data) > MAX_NESTING:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep")
    for key in session:
        if key not in SESSION_KEYS:
            raise NetworkFileError(_session_field(key), f"unknown field; the fields are {', '.join(SESSION_KEYS)}")
    version = check_format(session.get("format", 1), _session_field("format"), SESSION_FORMAT)
    current = parse_network(network_part)
    widths = list(current.network.widths)
    for key in ("start_weights", "start_biases"):
        if key not in session:
            raise NetworkFileError(_session_field(key), "is missing; a session file holds the weights and biases at its start")
    start_w = _params(session["start_weights"], "start_weights", widths, matrices=True)
    start_b = _params(session["start_biases"], "start_biases", widths, matrices=False)
    experiment = current.with_network(current.network.with_params(start_w, start_b))

    per_pass = 2 * current.network.depth + 2
    position = check_whole(session.get("position", 0), _session_field("position"), 0, MAX_SESSION_POSITION)
    passes = check_whole(session.get("passes", position // per_pass), _session_field("passes"), 0, MAX_SESSION_POSITION)
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

    history = _parse_history(session.get("history"), experiment.network, version)
    selection = _parse_selection(session.get("selection"), widths)
    bars_activations = session.get("bars_activations", ["sigmoid", "relu"])
    if not isinstance(bars_activations, list) or len(bars_activations) != 2:
        raise NetworkFileError(_session_field("bars_activations"), f"must be a list of two activation names, got {describe_value(bars_activations)}")
    pair = tuple(_choice(name, f"bars_activations[{i}]", check_activation) for i, name in enumerate(bars_activations))
    return SessionData(
        experiment=experiment,
        current_weights=current.network.weights,
        current_biases=current.network.biases,
        position=position,
        passes=passes,
        history=history,
        color_mode=_choice(session.get("color_mode", DEFAULT_COLOR_MODE), "color_mode", check_color_mode),
        selection=selection,
        compare_activation=_choice(session.get("compare_activation"), "compare_activation", check_activation, allow_none=True),
        compare_residual=None if session.get("compare_residual", False) is None else _flag(session["compare_residual"], "compare_residual"),
        shared_scale=_flag(session.get("shared_scale", False), "shared_scale"),
        bars_measure=_choice(session.get("bars_measure", MEASURES[0]), "bars_measure", check_measure),
        bars_activations=pair,
        pass_weights=pass_w,
        pass_biases=pass_b,
        compare_active=_flag(session.get("compare_active", False), "compare_active"),
        selection_side=_side(session.get("selection_side", "left")),
        lanes=_parse_lanes(session.get("lanes"), widths, at_update),
    )




def _statistics_json(values: np.ndarray) -> list:
    if np.all(np.isfinite(values)):
        return values.tolist()
    text = {math.inf: "Infinity", -math.inf: "-Infinity"}
    return np.vectorize(lambda v: float(v) if math.isfinite(v) else text.get(v, "NaN"), otypes=[object])(values).tolist()


def _history_json(history: TrainingHistory | None):
    if history is None:
        return None
    out = {"losses": _statistics_json(np.asarray(history.losses))}
    out["measures"] = {name: _statistics_json(np.asarray(values)) for name, values in history.measures.items()}
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
    return {**network_json(current), SESSION_FIELD: session}


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



def save_session_file(session: Session, path) -> None:
    """Write what ``session`` shows to the session file ``path``, atomically; it becomes the current file.

    A network a file cannot hold is refused with a ``NetworkFileError`` naming the value, and nothing is
    written; an ``OSError`` says why the file could not be written. Either way nothing changes.
    """
    save_session(path, session.to_data())
    session.file.saved_to(Path(path))
