"""The network file (JSON): the user's format and every preset's. Parse, validate, save; the presets.

A file that is not valid is refused with one ``NetworkFileError`` whose message names the field and
what is wrong with it, e.g. ``layers[2]: must be a whole number from 1 to 512, got 0``. A file carries
its ``format`` version (a file without one is version 1); a file from a newer gradviz is refused in one
line. The values are checked by ``core.fields``, the same checks an edit in the window gets.
"""

from __future__ import annotations

import json

import numpy as np

from ..core.experiment import Experiment, NetworkFileError
from ..core.fields import EXPERIMENT_FIELDS, MAX_ABS_VALUE, check_whole, experiment_fields, experiment_from_fields
from ..core.files import write_atomically
from ..resource_folder import resource_folder
from ..core.format import describe_value, format_number
from .reading import MAX_NESTING, decode_text, nesting

#: The version of the network files this gradviz writes; it reads every version up to it.
#: 1: the first (a file without ``format``).
NETWORK_FORMAT = 1
#: The field holding a file's format version.
FORMAT_FIELD = "format"
#: The field a session file adds to a network file: what was on screen (see ``session_file``).
SESSION_FIELD = "session"
#: Every top-level field of a network or session file.
KNOWN_FIELDS = (*EXPERIMENT_FIELDS, SESSION_FIELD, FORMAT_FIELD)


def check_format(value, where: str, newest: int) -> int:
    """The format version ``value`` (a whole number from 1), refused in one line when it is newer than
    ``newest``, the newest this gradviz reads."""
    version = check_whole(value, where, 1, 10**6)
    if version > newest:
        raise NetworkFileError(where, f"made by a newer gradviz (format {version}); this one reads up to {newest}")
    return version


def parse_network(data, params: tuple | None = None) -> Experiment:
    """Validate a decoded network file (a dict) and build its ``Experiment``.

    ``params``: ``(weights, biases)`` already held by a network of the same widths, used in place of the
    file's (which must then be absent) without checking every number again.
    """
    if not isinstance(data, dict):
        raise NetworkFileError("", f"a network file must hold one JSON object, got {describe_value(data)}")
    if nesting(data) > MAX_NESTING:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep")
    check_format(data.get(FORMAT_FIELD, 1), FORMAT_FIELD, NETWORK_FORMAT)
    unknown = [k for k in data if k not in KNOWN_FIELDS]
    if unknown:
        raise NetworkFileError(str(unknown[0]), f"unknown field; the fields are {', '.join(KNOWN_FIELDS)}")
    return experiment_from_fields({k: v for k, v in data.items() if k != FORMAT_FIELD}, params)


def network_json(experiment: Experiment, include_params: bool = True) -> dict:
    """The network file of ``experiment`` as a dict, weights and biases included unless ``include_params``
    is False."""
    return {FORMAT_FIELD: NETWORK_FORMAT, **experiment_fields(experiment, include_params)}


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
    text = json.dumps(network_json(experiment), indent=1, allow_nan=False)
    write_atomically(path, (text + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------- presets


def preset_dir():
    """The folder of the bundled network presets."""
    return resource_folder().joinpath("presets")


def preset_names() -> list[str]:
    """Names of the bundled presets, in the order they are listed."""
    names = sorted(p.name[:-5] for p in preset_dir().iterdir() if p.name.endswith(".json"))
    order = {"tiny-sigmoid": 0, "tiny-relu": 1, "deep-sigmoid": 2, "deep-relu": 3, "residual-sigmoid": 4, "exploding": 5}
    return sorted(names, key=lambda n: (order.get(n, 99), n))


def load_preset(name: str) -> Experiment:
    """The bundled preset ``name``; a ``NetworkFileError`` naming the presets if there is none."""
    if name not in preset_names():
        raise NetworkFileError("", f"no preset called {name!r}; the presets are {', '.join(preset_names())}")
    return parse_network(decode_text(preset_dir().joinpath(f"{name}.json").read_text(encoding="utf-8")))


def preset_descriptions() -> dict[str, str]:
    """Each bundled preset's description, by name, in the order they are listed."""
    return {name: load_preset(name).description for name in preset_names()}
