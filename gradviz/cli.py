"""Command line: the window by default; ``presets``, ``trace``, ``train`` and ``export`` subcommands.

A stable contract for scripts: strict JSON (non-finite numbers written as ``null``); exit 0 on success,
2 on bad input with one line ``gradviz: error: ...`` on stderr and no traceback, 1 on anything else.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback

import numpy as np

from . import names
from .ui.views import registry as view_registry
from .arguments import number, whole_number
from .core.format import format_bound, format_number, one_line, reads_as_number
from .ctrl_c import INTERRUPTED_EXIT, CtrlC

SUBCOMMANDS = ("presets", "trace", "train", "export", "lab")
#: ``gradviz train`` looks at Ctrl+C every so many steps (about 0.04 s of deep-sigmoid's steps).
TRAIN_CTRL_C_STEPS = 100


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


class _VersionAction(argparse.Action):
    """``--version``: the versions of gradviz, Qt/PySide6, pyqtgraph and NumPy (see gradviz.versions)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help="print the versions and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from .versions import version_report

        print(version_report())
        parser.exit()


#: argparse's words for a missing network, and what gradviz says instead.
PLAIN_ERRORS = {
    "one of the arguments file --preset is required": "give a network or session FILE, or --preset NAME (gradviz presets lists them)",
}


class _Parser(argparse.ArgumentParser):
    """Errors as ``UsageError``; an option it does not know is named first.

    argparse takes the value after an unknown option for a positional argument, so ``gradviz trace --preset
    tiny-sigmoid --format xml`` would otherwise say "argument file: not allowed with argument --preset".
    """

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message):
        given = getattr(self, "_given", ())
        parser, unknown = self, self.unknown_option(given)
        if unknown is None and given:
            # A subcommand's parser hands options it does not know back to this one ("gradviz presets --json").
            parser = self._subcommand_parser(given[0]) or self
            unknown = parser.unknown_option(given[1:]) if parser is not self else None
        if unknown:
            raise UsageError(f"unrecognized option {unknown} (see {parser.prog} --help)")
        raise UsageError(PLAIN_ERRORS.get(message, message))

    def _subcommand_parser(self, name: str):
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(name)
                return chosen if isinstance(chosen, _Parser) else None
        return None

    def unknown_option(self, given) -> str | None:
        """The first of ``given`` that looks like an option and is none of this parser's (nor an abbreviation
        of one), before a ``--``; None where there is none, or where this parser hands its arguments on to a
        subcommand's parser, which checks them itself."""
        if any(isinstance(action, argparse._SubParsersAction) for action in self._actions):
            return None
        known = self._option_string_actions
        for token in given:
            if token == "--":
                return None
            # "-5" and "-1e3" are values, however much they look like options.
            if not token.startswith("-") or token == "-" or reads_as_number(token):
                continue
            name = token.split("=", 1)[0]
            if name.startswith("--"):
                if name in known or any(option.startswith(name) for option in known if option.startswith("--")):
                    continue
            elif name[:2] in known:
                continue
            return name
        return None


def _training_steps(text: str) -> int:
    from .core.training import MAX_TRAINING_STEPS

    return whole_number(1, MAX_TRAINING_STEPS)(text)


def _add_source(parser: argparse.ArgumentParser, required: bool = True,
                file_help: str = "a network file, or a session file (its network as saved)") -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("file", nargs="?", help=file_help)
    source.add_argument("--preset", metavar="NAME", help="a bundled preset (see `gradviz presets`)")


def _activation(text: str) -> str:
    """An activation name given on the command line, checked as everywhere else (``check_activation``)."""
    from .core.activations import check_activation
    from .core.choices import UnknownNameError

    try:
        return check_activation(text)
    except UnknownNameError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_activation(parser: argparse.ArgumentParser) -> None:
    from .core.activations import ACTIVATION_NAMES

    parser.add_argument(
        "--activation", type=_activation, metavar="NAME",
        help=f"replace every layer's activation ({', '.join(ACTIVATION_NAMES)})",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gradviz", description="See the vanishing gradient, layer by layer.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    presets = sub.add_parser("presets", help="list the bundled presets")
    presets.add_argument("--json", action="store_true", help="print one JSON object: each preset's name and description")

    trace = sub.add_parser("trace", help="run one forward and backward pass and print every layer's numbers")
    _add_source(trace)
    _add_activation(trace)
    trace.add_argument("--json", action="store_true", help="print one strict JSON object")

    train = sub.add_parser("train", help="train with SGD and print the loss and gradient magnitudes per step")
    _add_source(train)
    _add_activation(train)
    train.add_argument("--steps", type=_training_steps, required=True, help="number of SGD updates (at most 100,000)")
    train.add_argument("--learning-rate", type=number(), help="overrides the file's learning rate")
    train.add_argument("--json", action="store_true", help="print one strict JSON object")
    train.add_argument("--out", metavar="FILE", help="write the trained network to FILE (a network file)")

    export = sub.add_parser("export", help="render a view to PNG, SVG, PDF or an animated GIF, without a display")
    _add_source(export)
    _add_activation(export)
    from .core.session import DEFAULT_COMPARE_ACTIVATION

    export.add_argument("--view", choices=view_registry.EXPORT_NAMES, default="diagram", help="which view (default: diagram)")
    export.add_argument(
        "--compare-activation", type=_activation, default=DEFAULT_COMPARE_ACTIVATION, metavar="NAME",
        help=f"with --view compare: the right half's hidden activation (default {DEFAULT_COMPARE_ACTIVATION})",
    )  # fmt: skip
    export.add_argument(
        "--compare-residual", choices=("on", "off"), help="with --view compare: skip connections on the right (default: as loaded)"
    )
    export.add_argument(
        "--step", help="a micro-step number, or forward, loss or backward (default: backward; a session file: its saved step)"
    )
    export.add_argument(
        "--depth", type=whole_number(1, names.DEPTH_CHAIN_MAX_DEPTH), metavar="N",
        help="with --view depth-chain (or window): the layers k the chain runs to (default 10, the tutorial's)",
    )  # fmt: skip
    export.add_argument(
        "--x", type=number(*names.DEPTH_CHAIN_X_LIMITS), metavar="X",
        help="with --view depth-chain (or window): the pre-activation x every layer sits at (default 5)",
    )  # fmt: skip
    size = export.add_mutually_exclusive_group()
    size.add_argument("--width", type=whole_number(1), metavar="PX", help="output width in pixels; the height is 9/16 of it (default 1920 x 1080)")
    size.add_argument("--scale", type=number(), metavar="S", help="1 to 4 times the default 1920 x 1080 slide")
    export.add_argument(
        "--theme", choices=names.THEME_NAMES, default=names.DEFAULT_EXPORT_THEME,
        help=f"{names.DEFAULT_EXPORT_THEME} (default: white, large print) or screen (dark)",
    )  # fmt: skip
    export.add_argument("--transparent", action="store_true", help="transparent background (PNG)")
    export.add_argument("--animate", action="store_true", help="one frame per micro-step of the pass")
    export.add_argument("--frames-dir", metavar="DIR", help="with --animate: numbered PNG frames in DIR")
    export.add_argument("--out", required=True, metavar="PATH", help="PATH.png, .svg, .pdf or (with --animate) .gif")
    # labview (#19): `gradviz export --view lab --preset spiral-deep --epochs N`
    export.add_argument("--epochs", type=int, metavar="N", help="with --view lab: train the lab preset N epochs first (default: all of them)")
    from .lab_cli import add_lab_parser

    add_lab_parser(sub)
    return parser


def gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradviz",
        description="Open the gradviz window. Subcommands: " + ", ".join(SUBCOMMANDS) + " (gradviz SUBCOMMAND --help).",
    )
    parser.add_argument("--version", action=_VersionAction)
    _add_source(parser, required=False, file_help="a network file, a session file or a lab session file (gradviz lab --out)")
    parser.add_argument("--theme", choices=names.THEME_NAMES, default=None, help="the window's theme")
    # labview (#19): open the training lab on a lab preset (see `gradviz lab --help`)
    parser.add_argument("--lab", metavar="PRESET", help="open the training lab on a lab preset, e.g. spiral-deep")
    return parser


# ---------------------------------------------------------------------------------------------- output


def json_safe(value):
    """Arrays and floats as JSON values, with every non-finite number as None (null)."""
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def trace_json(record) -> dict:
    """The `gradviz trace --json` object of a complete pass record."""
    from .core.stats import grad_stats, gradient_health

    layers = []
    for layer in record.layers:
        stats = grad_stats(layer.grad_w)
        layers.append(
            {
                "index": layer.index,
                "activation": layer.activation,
                "z": layer.z,
                "a": layer.a,
                "delta": layer.delta,
                "grad_w": layer.grad_w,
                "grad_b": layer.grad_b,
                "mean_abs_grad_w": stats.mean_abs_grad_w,
                "max_abs_grad_w": stats.max_abs_grad_w,
                "norm_grad_w": stats.norm_grad_w,
            }
        )
    health = gradient_health(record)
    return json_safe(
        {
            "loss": record.loss,
            "output": record.output,
            "layers": layers,
            "health": {"verdict": health.verdict, "per_layer_factor": health.per_layer_factor},
        }
    )


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")


def _fmt(value: float) -> str:
    """A number in a table: the one formatter, with six significant digits as the inspector shows them."""
    return format_number(value, 6, trailing_zeros=False)


def _print_trace_table(experiment, record) -> None:
    from .core.stats import grad_stats, gradient_health, verdict_span

    print(f"{one_line(experiment.name)}: {experiment.network!r}")
    print(f"loss ({record.loss_name}) = {_fmt(record.loss)}")
    print(f"{'layer':>5}  {'activation':<11} {'mean|dL/dw|':>13} {'max|dL/dw|':>13} {'||dL/dW||':>13}")
    for layer in record.layers:
        s = grad_stats(layer.grad_w)
        print(
            f"{layer.index:>5}  {layer.activation:<11} {_fmt(s.mean_abs_grad_w):>13} "
            f"{_fmt(s.max_abs_grad_w):>13} {_fmt(s.norm_grad_w):>13}"
        )
    health = gradient_health(record)
    first, last = verdict_span(record.depth)
    factor = "undefined" if health.per_layer_factor is None else _fmt(health.per_layer_factor)
    if last > first:
        print(f"per-layer factor f = (g{first} / g{last})^(1/{last - first}) = {factor}")
    else:
        print("per-layer factor f: undefined for a single weight layer")
    print(f"Gradient health: {health.describe()}")


def _load(args):
    from .files.network_file import load_preset
    from .files.sniff import load_network

    experiment = load_preset(args.preset) if args.preset else _load_file(args.file, load_network)
    if getattr(args, "activation", None):
        experiment = experiment.with_activation(args.activation)
    return experiment


def _load_file(path, load):
    """``load(path)``, with a problem of the file's content named with the file ("x.json: not valid JSON ...",
    not a bare "layers: is missing"), as the problems of reading it already are."""
    from .core.experiment import NetworkFileError

    try:
        return load(path)
    except NetworkFileError as exc:
        if str(path) in str(exc):
            raise
        raise UsageError(f"{path}: {exc}") from None


def _run_presets(args) -> int:
    from .files.network_file import preset_descriptions
    from .lab_cli import print_descriptions

    print_descriptions(preset_descriptions(), args.json)
    return 0


def _run_trace(args) -> int:
    experiment = _load(args)
    record = experiment.network.run(experiment.inputs, experiment.targets, experiment.loss)
    if args.json:
        _print_json(trace_json(record))
    else:
        _print_trace_table(experiment, record)
    return 0


def _run_train(args) -> int:
    from .core.files import write_error_message
    from .core.fields import MAX_LEARNING_RATE
    from .files.network_file import save_network
    from .core.training import train

    experiment = _load(args)
    if args.out is not None:
        _check_output(args.out)  # before training, so a bad name does not cost the run
    learning_rate = experiment.learning_rate if args.learning_rate is None else args.learning_rate
    if not 0 <= learning_rate <= MAX_LEARNING_RATE:
        raise UsageError(f"argument --learning-rate: must be from 0 to {format_bound(MAX_LEARNING_RATE)}, got {learning_rate:g}")
    with CtrlC("a whole step") as ctrl_c:  # looked at every TRAIN_CTRL_C_STEPS steps, between steps
        history = train(experiment.network, experiment.inputs, experiment.targets, experiment.loss, learning_rate,
                        args.steps, on_progress=lambda done: ctrl_c.pressed, progress_every=TRAIN_CTRL_C_STEPS)
    interrupted = ctrl_c.pressed and history.cancelled
    if interrupted:
        print(f"gradviz: interrupted: trained {history.steps:,} of {args.steps:,} steps", file=sys.stderr)
    if args.out is not None:
        trained = experiment.with_network(history.network)
        try:
            save_network(trained, args.out)
        except OSError as exc:
            raise UsageError(write_error_message(args.out, exc)) from None
    if args.json:
        steps = [
            {
                "step": k + 1,
                "loss": history.losses[k],
                "layers": [
                    {
                        "mean_abs_grad_w": history.measure("mean_abs_grad_w")[k, l],
                        "max_abs_grad_w": history.measure("max_abs_grad_w")[k, l],
                        "norm_grad_w": history.measure("norm_grad_w")[k, l],
                    }
                    for l in range(history.network.depth)
                ],
            }
            for k in range(history.steps)
        ]
        net = history.network
        result = {"history": steps, "weights": list(net.weights), "biases": list(net.biases)}
        if history.stopped_at is not None:  # only then, so a run that finished keeps the same three fields
            result["stopped_at"] = history.stopped_at
            result["stop_reason"] = history.stop_reason
        _print_json(json_safe(result))
    else:
        every = max(1, history.steps // 20)
        print(f"{one_line(experiment.name)}: {history.steps} SGD steps, learning rate {_fmt(learning_rate)}")
        print(f"{'step':>7} {'loss':>13} {'layer 1 mean|dL/dw|':>21} {'layer L mean|dL/dw|':>21}")
        shown = list(range(0, history.steps, every)) + ([history.steps - 1] if history.steps and (history.steps - 1) % every else [])
        for k in shown:
            print(
                f"{k + 1:>7} {_fmt(history.losses[k]):>13} {_fmt(history.measure('mean_abs_grad_w')[k, 0]):>21} "
                f"{_fmt(history.measure('mean_abs_grad_w')[k, -1]):>21}"
            )
        if history.stopped_at is not None:
            print(history.stop_reason)
    if args.out is not None:
        print(f"wrote {args.out}", file=sys.stderr)
    return INTERRUPTED_EXIT if interrupted else 0


def _check_output(path) -> None:
    """Refuse, in one line, an output no command may write (see ``gradviz.core.files.check_output_path``)."""
    from .core.files import OutputPathError, check_output_path

    try:
        check_output_path(path)
    except OutputPathError as exc:
        raise UsageError(str(exc)) from None


def _refuse_empty_outputs(args) -> None:
    """An empty output name (an unset shell variable) is an error for every command, never a silent no-op;
    and "-", which by custom means standard output, is refused rather than written as a file called "-"
    (standard output carries the command's results)."""
    for dest, what in (("out", "file"), ("frames_dir", "folder")):
        value = getattr(args, dest, None)
        option = f"--{dest.replace('_', '-')}"
        if isinstance(value, str) and not value.strip():
            raise UsageError(f"argument {option}: no {what} name given")
        if value == "-":
            raise UsageError(f"argument {option}: '-' is standard output by custom, and this writes a {what}; give its name (./- for one called -)")


def _run_export(args) -> int:
    from .export_options import ExportError
    from .headless import export_command

    if args.view == "lab" or args.epochs is not None:  # labview (#19): the lab trains a lab preset headless
        from .ui.lab_export import export_lab

        if args.view != "lab":
            raise UsageError("argument --epochs: only with --view lab")
        try:
            path = export_lab(args)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {one_line(path)}", file=sys.stderr)
        return 0
    experiment = _load(args)
    try:
        path = export_command(experiment, args)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {one_line(path)}", file=sys.stderr)
    return 0


def _check_display() -> None:
    """On Linux, say plainly when there is no screen to open a window on (Qt would abort with a page of text)."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError(
            "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "`gradviz export` draws every view without one"
        )


def _run_gui(args) -> int:
    """The window: on FILE (a bad one is named in a message box over the default preset), on a preset, or
    on the session that was on screen when it last closed."""
    from pathlib import Path

    from .files.network_file import load_preset

    start = load_preset(args.preset) if args.preset else Path(args.file) if args.file else None
    if args.lab is not None:  # labview (#19)
        from .core.lab_config import preset_names

        if args.lab not in preset_names():
            raise UsageError(f"argument --lab: no lab preset called {args.lab!r}; the lab presets are {', '.join(preset_names())}")
    _check_display()
    from .ui.app import run_app

    return run_app(start, theme=args.theme, lab=args.lab)


def main(argv: list[str] | None = None) -> int:
    from .core.budget import WorkBudgetError
    from .core.experiment import NetworkFileError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = build_parser().parse_args(argv)
            from .lab_cli import run_lab

            run = {"presets": _run_presets, "trace": _run_trace, "train": _run_train, "export": _run_export, "lab": run_lab}[args.command]
            _refuse_empty_outputs(args)
        else:
            args = gui_parser().parse_args(argv)
            run = _run_gui
        return run(args)
    except (UsageError, NetworkFileError, WorkBudgetError) as exc:
        print(f"gradviz: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the contract: anything unexpected is exit 1, with the details
        print("gradviz: internal error (please report it with the details below)", file=sys.stderr)
        traceback.print_exc()
        return 1
