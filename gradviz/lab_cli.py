"""``gradviz lab``: train two to four networks side by side and print how fast each layer learns.

The subcommand's flags (``add_lab_parser``) and its run (``run_lab``). Bad input is one line naming the
flag, file, row or column, and exit 2; ``--json`` prints one strict JSON object on stdout. Ctrl+C stops the
run at the end of the epoch under way, and what was trained is printed (and written to ``--out``) as
after a whole run, with exit 130; a second Ctrl+C stops at once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from .core.activations import ACTIVATION_NAMES
from .core.files import check_output_path, write_error_message
from .arguments import number, whole_number
from .core.format import format_number, one_line
from .ctrl_c import INTERRUPTED_EXIT, CtrlC

#: Hidden widths, activation and initialiser of ``--data`` without ``--layers``, ``--activation``, ``--init``.
DEFAULT_LAYERS = (16, 16)
DEFAULT_ACTIVATION = "relu"
DEFAULT_INIT = "he_normal"
MAX_COMPARE = 3
PROGRESS_WIDTH = 30
#: Rows of a lane's table at most (every n-th epoch, and the last).
TABLE_ROWS = 11


def _layers(text: str) -> tuple[int, ...]:
    from .core.network import MAX_WEIGHT_LAYERS, MAX_WIDTH

    parts = [p.strip() for p in text.split(",")]
    if not parts or len(parts) > MAX_WEIGHT_LAYERS - 1:
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_WEIGHT_LAYERS - 1} hidden widths separated by commas, got {text!r}")
    widths = []
    for k, part in enumerate(parts, start=1):
        try:
            width = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"hidden layer {k} is {part!r}, not a whole number") from None
        if not 1 <= width <= MAX_WIDTH:
            raise argparse.ArgumentTypeError(f"hidden layer {k} must have 1 to {MAX_WIDTH} units, got {width}")
        widths.append(width)
    return tuple(widths)


def add_lab_parser(sub) -> None:
    """Add the ``lab`` subcommand to the subparsers ``sub`` of ``gradviz``'s parser."""
    from .core import lab
    from .core.data import MAX_NOISE, MAX_POINTS, MAX_TEST_FRACTION, MIN_POINTS

    parser = sub.add_parser(
        "lab", help="train 1 to 4 networks side by side on a data set and print each layer's learning speed per epoch",
        description="Train networks side by side on the same data, split and mini-batches, and measure per epoch "
        "the loss, the accuracies and, per hidden layer, the speed ||dC/db||, the update ratio and the saturated fraction.",
    )  # fmt: skip
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", help="a lab preset (see --list)")
    source.add_argument("--data", metavar="NAME|FILE.csv", help=f"{', '.join(lab_data_names())}, or a CSV file")
    source.add_argument("--list", action="store_true", help="list the lab presets and exit")
    parser.add_argument("--layers", type=_layers, metavar="W,W,...", help="hidden widths, e.g. 16,16,16 (default 16,16)")
    parser.add_argument("--activation", choices=ACTIVATION_NAMES, metavar="NAME", help=f"lane 1's hidden activation ({', '.join(ACTIVATION_NAMES)}; default relu)")
    parser.add_argument("--compare", choices=ACTIVATION_NAMES, metavar="NAME", action="append", help="another lane with this activation and the same starting weights (up to 3)")
    parser.add_argument("--init", choices=lab.LAB_INITS, metavar="NAME", help=f"initialiser ({', '.join(lab.LAB_INITS)}; default he_normal)")
    parser.add_argument("--optimizer", choices=lab.OPTIMIZERS, help="sgd (default), momentum or adam")
    parser.add_argument("--loss", choices=lab.LAB_LOSSES, help="auto (cross-entropy, the default), cross_entropy or mse")
    parser.add_argument("--learning-rate", type=number(0.0, lab.MAX_LEARNING_RATE, low_open=True), metavar="ETA", help="step size, above 0 and at most 10 (default 0.1)")
    parser.add_argument("--batch", type=whole_number(1, lab.MAX_BATCH), metavar="N", help="mini-batch size (default 10)")
    parser.add_argument("--epochs", type=whole_number(1, lab.MAX_EPOCHS), metavar="N", help="epochs to train (default 30)")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), metavar="N", help="seeds the data, the split, the weights and the batch order")
    parser.add_argument("--test-fraction", type=number(0.0, MAX_TEST_FRACTION), metavar="F", help="share of the samples held out (default 0.2)")
    parser.add_argument("--points", type=whole_number(MIN_POINTS, MAX_POINTS), metavar="N", help="points a 2-D generator draws (default 400)")
    parser.add_argument("--noise", type=number(0.0, MAX_NOISE), metavar="F", help="a 2-D generator's noise, 0 to 0.5 (default 0)")
    parser.add_argument("--clip", type=number(0.0, lab.MAX_CLIP, low_open=True), metavar="NORM", help="clip the gradient's global norm to NORM")
    parser.add_argument("--json", action="store_true", help="print one strict JSON object")
    parser.add_argument("--out", metavar="FILE", help="write the lab session (lanes, data, history, weights) to FILE")


def lab_data_names() -> tuple[str, ...]:
    from .core.data import DATA_NAMES

    return DATA_NAMES


class LabUsageError(Exception):
    """A bad flag combination or value: one line, exit 2."""


def lab_config(args):
    """The ``LabConfig`` the flags describe: a preset with any flags given applied, or ``--data``'s."""
    from dataclasses import replace

    from .core.data import DataSpec
    from .core.lab import LabConfig, LabError, LaneSpec, load_preset

    lane_flags = {
        "init": args.init, "optimizer": args.optimizer, "learning_rate": args.learning_rate, "clip": args.clip,
    }  # fmt: skip
    given = {k: v for k, v in lane_flags.items() if v is not None}
    if args.preset:
        if args.activation or args.compare:
            raise LabUsageError("argument --activation/--compare: a preset names its own lanes; use them with --data")
        try:
            config = load_preset(args.preset)
        except LabError as exc:
            raise LabUsageError(f"argument --preset: {exc}") from None
        lanes = tuple(replace(lane, **given) for lane in config.lanes)
    else:
        if not args.data:
            raise LabUsageError("give --preset NAME or --data NAME|FILE.csv (see gradviz lab --help)")
        compare = args.compare or []
        if len(compare) > MAX_COMPARE:
            raise LabUsageError(f"argument --compare: at most {MAX_COMPARE} (4 lanes in all), got {len(compare)}")
        activations = [args.activation or DEFAULT_ACTIVATION, *compare]
        # A repeated activation is numbered: "relu", "relu 2".
        names = [a if activations[:k].count(a) == 0 else f"{a} {activations[:k].count(a) + 1}" for k, a in enumerate(activations)]
        lanes = tuple(
            LaneSpec(name, activation, given.get("init", DEFAULT_INIT), False, given.get("optimizer", "sgd"),
                     given.get("learning_rate", 0.1), given.get("clip"))
            for name, activation in zip(names, activations)
        )  # fmt: skip
        config = LabConfig(DataSpec(args.data), DEFAULT_LAYERS, lanes)
    data = config.data
    data = replace(
        data,
        points=data.points if args.points is None else args.points,
        noise=data.noise if args.noise is None else args.noise,
        seed=data.seed if args.seed is None else args.seed,
        test_fraction=data.test_fraction if args.test_fraction is None else args.test_fraction,
    )
    return replace(
        config,
        data=data,
        lanes=lanes,
        hidden=config.hidden if args.layers is None else args.layers,
        loss=config.loss if args.loss is None else args.loss,
        batch=config.batch if args.batch is None else args.batch,
        epochs=config.epochs if args.epochs is None else args.epochs,
        seed=config.seed if args.seed is None else args.seed,
    )


def print_descriptions(descriptions: dict, as_json: bool) -> None:
    """Presets on standard output (``gradviz presets``, ``gradviz lab --list``): a line each, names aligned;
    or, ``as_json``, one strict JSON object of each one's name and description."""
    if as_json:
        sys.stdout.write(json.dumps(descriptions, allow_nan=False) + "\n")
        return
    width = max(map(len, descriptions))
    for name, description in descriptions.items():
        print(f"{name:<{width}}  {description}")


def _fmt(value) -> str:
    return "-" if value is None else format_number(value, 4, trailing_zeros=False)


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _progress(epoch: int, total: int) -> None:
    """The progress bar on stderr: redrawn in place on a terminal (at most about 200 times, however long the
    run); a file or a pipe gets the finished bar only, not the redraws joined by carriage returns."""
    terminal = sys.stderr.isatty()
    if epoch < total and (not terminal or epoch % max(1, total // 200)):
        return
    done = PROGRESS_WIDTH * epoch // total
    back = "\r" if terminal else ""  # to the start of the line, over the bar drawn before
    sys.stderr.write(f"{back}[{'#' * done}{' ' * (PROGRESS_WIDTH - done)}] epoch {epoch:,}/{total:,}")
    if epoch >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _print_table(lab) -> None:
    result = lab.to_json()
    data = result["data"]
    print(
        f"{one_line(data['name'])}: {data['features']} features, {data['classes']} classes, "
        f"{data['train']:,} training and {data['test']:,} test samples; loss {lab.loss_name}"
    )
    for lane, out in zip(lab.lanes, result["lanes"]):
        spec = lane.spec
        print()
        print(
            f"lane {one_line(lane.name)}: hidden {','.join(map(str, lab.config.hidden))} {spec.activation}, init {spec.init}, "
            f"{spec.optimizer} eta {_fmt(spec.learning_rate)}" + (f", clip {_fmt(spec.clip)}" if spec.clip is not None else "")
        )
        hidden = len(lab.config.hidden)
        speeds = "".join(f"{'speed ' + str(l + 1):>11}" for l in range(hidden))
        print(f"{'epoch':>7} {'loss':>11} {'train':>7} {'test':>7}{speeds}")
        rows = out["epochs"]
        if not rows:
            print(one_line(lane.stop_reason))
            continue
        every = max(1, math.ceil((len(rows) - 1) / (TABLE_ROWS - 1)))
        shown = sorted(set(range(0, len(rows), every)) | {len(rows) - 1})
        for k in shown:
            row = rows[k]
            print(
                f"{row['epoch']:>7} {_fmt(row['loss']):>11} {_percent(row['train_accuracy']):>7} "
                f"{_percent(row['test_accuracy']):>7}" + "".join(f"{_fmt(v):>11}" for v in row["speed"])
            )
        if lane.stop_reason:
            print(one_line(lane.stop_reason))


def run_lab(args) -> int:
    """Run ``gradviz lab`` with parsed ``args``: 0 on success, 2 (one line on stderr) on bad input, 130 when
    Ctrl+C stopped the training (what was trained is still printed and written)."""
    from .core.budget import WorkBudgetError
    from .core.data import DataError
    from .core.lab import Lab, LabError, preset_descriptions
    from .files.lab_file import save_lab_session

    try:
        if args.list:
            print_descriptions(preset_descriptions(), args.json)
            return 0
        lab = Lab(lab_config(args))
        if args.out is not None:  # before training: a run is never lost to a name that cannot be written
            try:
                check_output_path(args.out)
            except OSError as exc:
                raise LabUsageError(f"argument --out: {write_error_message(args.out, exc)}") from None
        for message in lab.start_messages:
            print(one_line(message), file=sys.stderr)

        ctrl_c = CtrlC("the end of this epoch")  # stopping between a lane's two updates would half-step it

        def on_epoch(epoch, messages):
            if not args.json:
                _progress(epoch, lab.config.epochs)
            for message in messages:
                if not args.json and sys.stderr.isatty():
                    sys.stderr.write("\n")  # below the bar being redrawn
                print(one_line(message), file=sys.stderr)
            return ctrl_c.pressed  # stops the run here, between epochs, where every lane is whole

        with ctrl_c:
            lab.run(on_epoch)
        interrupted = ctrl_c.pressed and not lab.finished
        if interrupted:
            if not args.json and sys.stderr.isatty():
                sys.stderr.write("\n")
            print(f"gradviz: interrupted: trained {lab.epoch:,} of {lab.config.epochs:,} epochs", file=sys.stderr)
        if args.out:
            try:
                save_lab_session(lab, args.out)
            except OSError as exc:
                raise LabUsageError(f"argument --out: {write_error_message(args.out, exc)}") from None
        if args.json:
            sys.stdout.write(json.dumps(lab.to_json(), allow_nan=False) + "\n")
        else:
            _print_table(lab)
        if args.out:
            print(f"wrote {one_line(args.out)}", file=sys.stderr)
        return INTERRUPTED_EXIT if interrupted else 0
    except (LabUsageError, LabError, DataError, WorkBudgetError) as exc:
        print(f"gradviz: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
