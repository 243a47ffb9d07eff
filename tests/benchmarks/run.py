"""Benchmarks of gradviz against PyTorch and a bare Qt window: ``python tests/benchmarks/run.py [--json]``.

Not collected by pytest (no test_ functions). ``--json`` prints exactly one JSON object (issue 11):

- startup: launch to the first painted frame of the main window on deep-sigmoid, against a bare PySide6
  window holding one pyqtgraph PlotWidget; both as whole processes, offscreen, alternating, both from
  bytecode as an installed program starts (see ``_startup_env``).
- frame_ms: one micro-step of the backward pass (``Stepper.step_forward``) plus the diagram's full recolour
  (``show_record``) and a synchronous repaint, offscreen in a 1400 x 900 window, at about 1e3, 1e4 and 1e5
  edges, on the largest network the files allow (64 weight layers of 512) and on every bundled preset as a
  lecture shows it (``tiny-sigmoid``: edge labels on). ``--against COMMIT_OR_PATH`` times the frames of this
  tree and of an older one (a git worktree of the commit, or a checkout folder) side by side, in fresh
  processes, alternating which goes first, and prints both. Each network's figure is the median of
  ``FRAME_ROUNDS`` rounds (each a fresh view, the networks taken in turn round after round, so that a slow
  phase of the machine falls on one round of a network, not on all); each round's is the median of its
  frames. Printed besides: the rounds' lowest and highest, and the median frame of a step shown for the
  first time in the run (its gradients drawn anew) and of one shown before (from the caches).
- core_vs_torch: one forward plus backward pass recording every layer (``Network.run``) against the same
  pass in PyTorch (CPU, float64, ``retain_grad`` on every z and a), one thread each; null without torch.
- train_steps_per_s: SGD steps per second on deep-sigmoid (``core.training.train``, which also records each
  layer's mean, max and norm of |dL/dW| per step) against the same loop, with the same statistics, in torch.
- export_4k_png_s: the deep-sigmoid diagram written as a 3840 x 2160 PNG, in-process, after a warm-up.
- peak_rss_mb: the peak resident memory of a process showing the main window on the largest network after
  three full passes, stepped micro-step by micro-step.
- lab (issue 18): seconds per training epoch of the ``digits-deep`` lab preset, both lanes, mini-batches of
  10 (``Lane.train_batches``), against the same two networks from the same weights on the same batches in
  torch (``torch.optim.SGD``, cross-entropy on the logits, one thread), alternating; and ``grid_ms``, the
  slower lane's time to evaluate the 200 x 200 decision grid of ``spiral-deep`` (``lab_grid.decision_grid``,
  float32, on up to two threads). Printed besides: the grid on one thread, the cores its threads kept busy on
  average (CPU time over wall time: 2.0 at best on two cores, less on a loaded machine), spiral-deep's epochs
  per second through ``LabRun`` and the time of its ``LabSnapshot`` (what the Lab view draws, 100 x 100 grids);
  and, on a machine whose NumPy runs float32 exp in AVX-512, the grid as a machine without AVX-512 evaluates
  it (a worker started with NumPy's AVX-512 loops and OpenBLAS's AVX-512 kernels off), in alternating rounds.

Every figure is the median of several runs; each comparison alternates its two sides within the run. The table
also prints a speed probe taken before and after each figure (``speed_probe_us``): a virtual machine runs
faster or slower in phases, and figures are comparable where their probes are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One thread each: NumPy's BLAS here, torch below (torch.set_num_threads).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
#: Hidden widths giving about 1e3, 1e4 and 1e5 shown edges (10x10x10, 32x32x10, 64x64x25), and the largest
#: network a file may describe: 64 weight layers of 512.
FRAME_NETWORKS = {"1000": [10] * 11, "10000": [32] * 11, "100000": [64] * 26, "largest": [512] * 65}
WINDOW_SIZE = (1400, 900)
WARMUP_FRAMES = 3
MEASURED_FRAMES = 15
FRAME_ROUNDS = 3
#: The core passes compared with torch: widths and samples.
CORE_CASES = {"tiny": ([1, 1, 1, 1], 1), "medium": ([64] * 11, 64), "large": ([256] * 21, 256)}
ROUNDS = 5
STARTUP_RUNS = 7
EXPORT_SIZE = (3840, 2160)
TRAIN_STEPS = 2000
RSS_RUNS = 3


def _ui():
    """The UI entry points the benchmark drives, imported in this one place."""
    from gradviz.export import export_view
    from gradviz.export_options import ExportOptions
    from gradviz.ui.diagram import NetworkView

    def export_widget(view, path, width):
        return export_view(view, ExportOptions(path, width=width))

    return NetworkView, export_widget


def _app():
    from PySide6 import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def _close(widget) -> None:
    """Close and delete ``widget`` now. ``deleteLater`` alone never runs here: a deferred delete waits for an
    event loop, and processEvents outside one does not deliver it, so every view stayed alive with its
    images, and the next took fresh memory (a page fault per 4 KB touched) instead of the memory freed."""
    from PySide6 import QtCore

    widget.close()
    widget.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    _app().processEvents()


def _random_network(widths, seed=0):
    from gradviz.core.network import Network

    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0 / np.sqrt(widths[l]), (widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    biases = [rng.normal(0.0, 0.1, widths[l + 1]) for l in range(len(widths) - 1)]
    return Network(widths, "sigmoid", weights, biases), rng


def _per_call_s(function, min_total_s=0.1) -> float:
    """Seconds per call of ``function``, over enough calls to last ``min_total_s``."""
    function()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= min_total_s:
            return elapsed / calls
        calls *= 2


# ---------------------------------------------------------------------------------------------- startup

_FIRST_PAINT = r"""
import os, sys, time
from PySide6 import QtCore

class FirstPaint(QtCore.QObject):
    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Paint and obj.isWidgetType() and obj.window().isVisible():
            QtCore.QTimer.singleShot(0, self.done)  # after the whole frame has been painted
        return False

    def done(self):
        print(time.time(), flush=True)
        os._exit(0)

first_paint = FirstPaint()
"""

_BARE_WINDOW = _FIRST_PAINT + r"""
import pyqtgraph as pg
from PySide6 import QtWidgets
app = QtWidgets.QApplication(sys.argv[:1])
app.installEventFilter(first_paint)
plot = pg.PlotWidget()
plot.resize(1400, 900)
plot.show()
app.exec()
"""

_GRADVIZ_WINDOW = _FIRST_PAINT + r"""
import gradviz.ui.app as app_module
make_app = app_module.make_app

def make_app_noting_the_first_paint():
    app = make_app()
    app.installEventFilter(first_paint)
    return app

app_module.make_app = make_app_noting_the_first_paint
from gradviz.cli import main
main(["--preset", "deep-sigmoid"])
"""


def _startup_env(config_home: str, pycache: str) -> dict:
    """Both sides start as an installed program does: from bytecode. pip compiles an installed package's
    modules, and the frozen app holds them compiled, so neither pays for compiling at launch; a checkout
    run under PYTHONDONTWRITEBYTECODE (set on some machines) would pay it on every launch, on gradviz's side
    only (Qt's and pyqtgraph's modules come compiled from their wheels). Each side's first, uncounted launch
    compiles into ``pycache``, outside the source tree."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=config_home, PYTHONPYCACHEPREFIX=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _launch_to_first_paint_s(script: str, env: dict) -> float:
    start = time.time()
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"startup run failed ({result.returncode}): {result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1]) - start


def startup_benchmark() -> dict:
    gradviz_s, bare_s = [], []
    with tempfile.TemporaryDirectory() as config_home, tempfile.TemporaryDirectory() as pycache:
        env = _startup_env(config_home, pycache)
        for script in (_BARE_WINDOW, _GRADVIZ_WINDOW):  # compiles both sides' modules: not counted
            _launch_to_first_paint_s(script, env)
        for _ in range(STARTUP_RUNS):
            bare_s.append(_launch_to_first_paint_s(_BARE_WINDOW, env))
            gradviz_s.append(_launch_to_first_paint_s(_GRADVIZ_WINDOW, env))
    g, b = statistics.median(gradviz_s), statistics.median(bare_s)
    return {"startup": {"gradviz_s": round(g, 3), "bare_s": round(b, 3), "ratio": round(g / b, 2)}}


# ---------------------------------------------------------------------------------------------- frames


def _preset(name: str):
    """A bundled preset's experiment (from an older tree's netfile module too, for ``--against``)."""
    try:
        from gradviz.files.network_file import load_preset
    except ImportError:  # a tree from before gradviz.files
        from gradviz.core.netfile import load_preset
    return load_preset(name)


def _preset_names() -> list[str]:
    try:
        from gradviz.files.network_file import preset_names
    except ImportError:
        from gradviz.core.netfile import preset_names
    return list(preset_names())


def _frame_stepper(network_name: str):
    """The stepper a frame benchmark steps: a random sigmoid network of the widths ``FRAME_NETWORKS`` gives
    (four samples), or a bundled preset as a lecture shows it (its own data, edge labels on where it has them)."""
    from gradviz.core.stepper import Stepper

    if network_name in FRAME_NETWORKS:
        widths = FRAME_NETWORKS[network_name]
        network, rng = _random_network(widths)
        return Stepper(network, rng.normal(size=(4, widths[0])), rng.uniform(size=(4, widths[-1])))
    experiment = _preset(network_name)
    loss = getattr(experiment, "loss", None) or getattr(experiment, "loss_name")
    return Stepper(experiment.network, experiment.inputs, experiment.targets, loss, experiment.learning_rate)


def frame_times(network_name) -> dict:
    """Milliseconds of step + recolour + repaint, one frame at a time, while the backward pass runs."""
    NetworkView, _ = _ui()
    app = _app()
    stepper = _frame_stepper(network_name)
    widths = list(stepper.network.widths)
    view = NetworkView()
    view.resize(*WINDOW_SIZE)
    view.show()
    stepper.run_to_end_of_pass()  # warm the complete record, then start again at the loss
    stepper.go_to_step(stepper.network.depth + 1)
    scale = stepper.complete_record()
    view.show_record(stepper.record, scale)
    view.repaint()  # builds the layout and (big networks) the edge-id raster, once
    app.processEvents()
    paints = []
    view.frame_timing_hook = paints.append
    times, step_times, seen, first_showing = [], [], set(), []
    for frame in range(WARMUP_FRAMES + MEASURED_FRAMES):
        if stepper.record.step >= 2 * stepper.network.depth + 1:
            stepper.go_to_step(stepper.network.depth + 1)
        start = time.perf_counter()
        record = stepper.step_forward()
        stepped = time.perf_counter()
        view.show_record(record, scale)
        view.repaint()
        end = time.perf_counter()
        if frame >= WARMUP_FRAMES:
            times.append((end - start) * 1e3)
            step_times.append((stepped - start) * 1e3)
            first_showing.append(record.step not in seen)
        seen.add(record.step)
    if len(paints) < WARMUP_FRAMES + MEASURED_FRAMES:
        frames = WARMUP_FRAMES + MEASURED_FRAMES
        raise RuntimeError(f"only {len(paints)} paints for {frames} frames: repaint() did not paint")
    result = {
        "edges": int(sum(a * b for a, b in zip(widths[:-1], widths[1:]))),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "step_median_ms": statistics.median(step_times),
        "paint_median_ms": statistics.median(paints[-MEASURED_FRAMES:]),
        # A step's first showing draws what it shows anew; a repeat finds it in the view's caches.
        "first_showing_frames": sum(first_showing),
        "first_showing_median_ms": _median_or_none([t for t, new in zip(times, first_showing) if new]),
        "repeat_median_ms": _median_or_none([t for t, new in zip(times, first_showing) if not new]),
        "render_path": getattr(view, "render_path", None),
    }
    _close(view)
    return result


def _median_or_none(values):
    return statistics.median(values) if values else None


def frame_benchmark() -> dict:
    """``frame_ms`` at about 1e3, 1e4 and 1e5 edges, the largest network, and every bundled preset."""
    names = list(FRAME_NETWORKS) + _preset_names()
    rounds: dict = {name: [] for name in names}
    for _ in range(FRAME_ROUNDS):
        for name in names:
            rounds[name].append(frame_times(name))
    details = {}
    for name, runs in rounds.items():
        medians = [run["median_ms"] for run in runs]
        details[name] = {**sorted(runs, key=lambda run: run["median_ms"])[len(runs) // 2], "round_medians_ms": medians}
    return {"frame_ms": {name: round(d["median_ms"], 2) for name, d in details.items()}, "_frame_details": details}


#: The networks ``--against`` times in both trees (the largest takes a minute to build, so it is left out).
AGAINST_NETWORKS = ("1000", "10000", "100000", "tiny-sigmoid", "deep-sigmoid", "residual-sigmoid")
AGAINST_ROUNDS = 5


def _frame_worker(root: str, names) -> int:
    """Run in a subprocess: time the frames of ``names`` with the gradviz of the tree at ``root``; print JSON."""
    sys.path.insert(0, root)
    for module in [m for m in sys.modules if m == "gradviz" or m.startswith("gradviz.")]:
        del sys.modules[module]
    import gradviz

    if Path(gradviz.__file__).resolve().parents[1] != Path(root).resolve():
        raise RuntimeError(f"gradviz came from {gradviz.__file__}, not from {root}")
    print(json.dumps({name: frame_times(name)["median_ms"] for name in names}))
    return 0


def _old_tree(commit_or_path: str, folder: str) -> Path:
    """The tree to time against: a folder holding a gradviz checkout, or a git worktree of a commit."""
    path = Path(commit_or_path)
    if (path / "gradviz" / "__init__.py").is_file():
        return path
    tree = Path(folder) / "old"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit_or_path], check=True, capture_output=True)
    return tree


def against_benchmark(commit_or_path: str, names=AGAINST_NETWORKS, rounds: int = AGAINST_ROUNDS) -> dict:
    """The frame time of this tree and of an old one side by side, each round timing both in fresh processes,
    alternating which goes first; the medians over the rounds."""
    with tempfile.TemporaryDirectory() as folder:
        old = _old_tree(commit_or_path, folder)
        try:
            runs: dict = {"old": [], "new": []}
            for round_number in range(rounds):
                order = [("old", old), ("new", ROOT)] if round_number % 2 == 0 else [("new", ROOT), ("old", old)]
                for label, tree in order:
                    out = subprocess.run(
                        [sys.executable, str(Path(__file__).resolve()), "--frame-worker", str(tree), *names],
                        check=True, capture_output=True, text=True, cwd=folder,
                    ).stdout
                    runs[label].append(json.loads(out.strip().splitlines()[-1]))
        finally:
            if old.parent == Path(folder):
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    median = {label: {n: round(statistics.median(r[n] for r in rs), 2) for n in names} for label, rs in runs.items()}
    return {"frame_ms_against": {"against": commit_or_path, **median}}


# ---------------------------------------------------------------------------------------------- core vs torch


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def _torch_pass(torch, network, inputs, targets):
    """The same pass as Network.run in torch: every z and a kept with its gradient, as the records keep them."""
    weights = [torch.tensor(w, requires_grad=True) for w in network.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in network.biases]
    x, t = torch.tensor(inputs), torch.tensor(targets)

    def run():
        a, kept = x, []
        for w, b in zip(weights, biases):
            z = torch.nn.functional.linear(a, w, b)
            z.retain_grad()
            a = torch.sigmoid(z)
            a.retain_grad()
            kept.append((z, a))
        loss = (0.5 * ((a - t) ** 2).sum(dim=1)).mean()
        for parameter in weights + biases:
            parameter.grad = None
        loss.backward()
        return kept

    return run


def _matrix_products(library, weights, inputs):
    """The pass's matrix products alone (forward, dL/dW, dL/da below the top layer), in NumPy or torch: the
    floor its BLAS sets, for the table (not the JSON)."""

    def run():
        a = inputs
        for w in weights:
            a = a @ w.T
        delta = a
        for l in range(len(weights) - 1, -1, -1):
            delta.T @ a
            if l:
                delta = delta @ weights[l]

    return run


def core_benchmark() -> dict:
    torch = _torch()
    if torch is None:
        return {"core_vs_torch": None}
    results, details = {}, {}
    for name, (widths, samples) in CORE_CASES.items():
        network, rng = _random_network(widths)
        inputs, targets = rng.normal(size=(samples, widths[0])), rng.uniform(size=(samples, widths[-1]))
        torch_run = _torch_pass(torch, network, inputs, targets)
        numpy_products = _matrix_products(np, network.weights, inputs)
        torch_products = _matrix_products(torch, [torch.tensor(w) for w in network.weights], torch.tensor(inputs))
        ours, theirs, ratios, product_ratios = [], [], [], []
        for _ in range(ROUNDS):
            g = _per_call_s(lambda: network.run(inputs, targets))
            t = _per_call_s(torch_run)
            ours.append(g)
            theirs.append(t)
            ratios.append(g / t)
            product_ratios.append(_per_call_s(numpy_products) / _per_call_s(torch_products))
        results[name] = {
            "gradviz_us": round(statistics.median(ours) * 1e6, 1),
            "torch_us": round(statistics.median(theirs) * 1e6, 1),
            "ratio": round(statistics.median(ratios), 2),
        }
        details[name] = {"matmul_ratio": round(statistics.median(product_ratios), 2)}
    return {"core_vs_torch": results, "_core_details": details}


# ---------------------------------------------------------------------------------------------- training


def _torch_training(torch, experiment, steps: int):
    network = experiment.network
    weights = [torch.tensor(w, requires_grad=True) for w in network.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in network.biases]
    x, t = torch.tensor(experiment.inputs), torch.tensor(experiment.targets)
    activations = [getattr(torch, name) if name != "linear" else (lambda z: z) for name in network.activations]
    if experiment.loss != "half_squared_error":
        raise RuntimeError(f"the torch loop knows half_squared_error only, not {experiment.loss}")
    rate = experiment.learning_rate

    def run():
        losses = torch.empty(steps, dtype=torch.float64)
        stats = torch.empty((3, steps, len(weights)), dtype=torch.float64)
        for step in range(steps):
            a = x
            for w, b, f in zip(weights, biases, activations):
                a = f(torch.nn.functional.linear(a, w, b))
            loss = (0.5 * ((a - t) ** 2).sum(dim=1)).mean()
            for parameter in weights + biases:
                parameter.grad = None
            loss.backward()
            with torch.no_grad():
                losses[step] = loss
                for l, (w, b) in enumerate(zip(weights, biases)):
                    g = w.grad
                    stats[0, step, l] = g.abs().mean()
                    stats[1, step, l] = g.abs().max()
                    stats[2, step, l] = torch.linalg.vector_norm(g)
                    w -= rate * g
                    b -= rate * b.grad
        return losses, stats

    return run


def training_benchmark() -> dict:
    from gradviz.files.network_file import load_preset
    from gradviz.core.training import train

    experiment = load_preset("deep-sigmoid")
    torch = _torch()

    def ours():
        e = experiment
        train(e.network, e.inputs, e.targets, e.loss, e.learning_rate, TRAIN_STEPS)

    theirs = _torch_training(torch, experiment, TRAIN_STEPS) if torch is not None else None
    g_rates, t_rates, ratios = [], [], []
    for _ in range(ROUNDS):
        g_rates.append(TRAIN_STEPS / _per_call_s(ours, 0.0))
        if theirs is not None:
            t_rates.append(TRAIN_STEPS / _per_call_s(theirs, 0.0))
            ratios.append(g_rates[-1] / t_rates[-1])
    result = {"gradviz": round(statistics.median(g_rates), 1)}
    result["torch"] = round(statistics.median(t_rates), 1) if t_rates else None
    result["ratio"] = round(statistics.median(ratios), 2) if ratios else None
    return {"train_steps_per_s": {"deep-sigmoid": result}}


# ---------------------------------------------------------------------------------------------- lab

#: The decision grid's side, in points (issue 18).
GRID_SIDE = 200


def _torch_lab_epoch(torch, lab, batches):
    """The lab's lanes as torch networks from the same starting weights, trained on the same mini-batches
    (torch.optim.SGD, cross-entropy on the logits): one call is one epoch of every lane."""
    F = torch.nn.functional
    activations = {"sigmoid": torch.sigmoid, "relu": F.relu, "tanh": torch.tanh}
    lanes = []
    for lane in lab.lanes:
        weights = [torch.tensor(w, requires_grad=True) for w in lane.weights]
        biases = [torch.tensor(b, requires_grad=True) for b in lane.biases]
        optimizer = torch.optim.SGD([p for pair in zip(weights, biases) for p in pair], lr=lane.spec.learning_rate)
        lanes.append((weights, biases, activations[lane.spec.activation], optimizer))
    data = [(torch.tensor(x), torch.tensor(t.argmax(axis=1))) for x, t in batches]

    def run():
        for weights, biases, f, optimizer in lanes:
            for x, y in data:
                a = x
                for w, b in zip(weights[:-1], biases[:-1]):
                    a = f(F.linear(a, w, b))
                loss = F.cross_entropy(F.linear(a, weights[-1], biases[-1]), y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()

    return run


def _float64_grid(network, split):
    """The grid as it was computed before issue 18's float32 one: every cell through ``passes.forward``."""
    import numpy as np

    from gradviz.core import passes
    from gradviz.core.lab_grid import grid_axes

    xs, ys = grid_axes(split, GRID_SIDE)
    cells = np.column_stack([np.tile(xs, GRID_SIDE), np.repeat(ys, GRID_SIDE)])
    logits = passes.forward(network, split.standardised(cells))[0][-1]
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-logits))


@contextlib.contextmanager
def _grid_threads(threads: int):
    """The decision grid on ``threads`` threads for a while: what a machine with one free core gives."""
    from gradviz.core import lab_grid

    before, lab_grid.GRID_THREADS = lab_grid.GRID_THREADS, threads
    try:
        yield
    finally:
        lab_grid.GRID_THREADS = before


#: What a machine without AVX-512 runs, asked of this one: NumPy's AVX2 loops (X86_V3) and OpenBLAS's
#: Haswell kernels, which have no kernel for small matrices.
WITHOUT_AVX512 = {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"}


def _grid_rounds_ms(spiral) -> dict:
    """One round of the 200 x 200 grid of each of spiral-deep's lanes, in ms."""
    from gradviz.core.lab_grid import decision_grid

    return {lane.name: _per_call_s(lambda lane=lane: decision_grid(lane.network, spiral.split, GRID_SIDE)) * 1e3
            for lane in spiral.lanes}  # fmt: skip


def _grid_worker() -> int:
    """One round of the grid in this process (run by ``_grid_without_avx512`` with NumPy's AVX-512 loops off)."""
    from gradviz.core import lab_grid
    from gradviz.core.lab import Lab, load_preset

    spiral = Lab(load_preset("spiral-deep"))
    figures = _grid_rounds_ms(spiral)
    assert not lab_grid._sigmoid_by_tanh(), "NumPy kept its AVX-512 loops"  # sigmoid as exp, as without AVX-512
    print(json.dumps(figures))
    return 0


def _grid_without_avx512(spiral) -> dict | None:
    """The grid as a machine without AVX-512 evaluates it, side by side with this one: rounds alternate
    between this process and a worker that NumPy and OpenBLAS start without their AVX-512 code. None on a
    machine whose NumPy runs float32 exp without AVX-512 already (its figures are the ones above), or cannot
    say (NumPy 1.x)."""
    from gradviz.core.lab_grid import runs_float32_in_avx512

    if not runs_float32_in_avx512("exp"):
        return None
    here, there = [], []
    for _ in range(ROUNDS):
        here.append(_grid_rounds_ms(spiral))
        worker = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--grid-worker"], capture_output=True, text=True,
            env={**os.environ, **WITHOUT_AVX512}, timeout=300, check=True,
        )  # fmt: skip
        there.append(json.loads(worker.stdout.strip().splitlines()[-1]))
    names = list(here[0])
    return {
        "grid_ms_per_lane": {name: round(statistics.median(r[name] for r in here), 2) for name in names},
        "without_avx512_ms_per_lane": {name: round(statistics.median(r[name] for r in there), 2) for name in names},
    }


def lab_benchmark() -> dict:
    """Seconds per epoch of digits-deep (both lanes, training only) against torch, and the decision grid."""
    from gradviz.core.lab import Lab, load_preset
    from gradviz.core.lab_grid import decision_grid
    from gradviz.core.lab_state import LabRun, take_lab_snapshot

    lab = Lab(load_preset("digits-deep"))
    batches = lab.batches(1)
    torch = _torch()
    theirs = _torch_lab_epoch(torch, lab, batches) if torch is not None else None

    def ours():
        for lane in lab.lanes:
            lane.train_batches(batches)

    g_times, t_times, ratios, whole = [], [], [], []
    for _ in range(ROUNDS):
        g_times.append(_per_call_s(ours, 0.0))
        if theirs is not None:
            t_times.append(_per_call_s(theirs, 0.0))
            ratios.append(g_times[-1] / t_times[-1])
    measured = Lab(lab.config)
    for _ in range(ROUNDS):
        whole.append(_per_call_s(measured.run_epoch, 0.0))
    spiral = Lab(load_preset("spiral-deep"))
    grid_ms, float64_ms, one_thread_ms, cores_used = {}, {}, {}, {}
    for lane in spiral.lanes:  # alternating with the float64 pass the grid had before, for a ratio a loaded machine keeps
        network = lane.network
        ours_ms, before_ms, single_ms, cores = [], [], [], []
        for _ in range(ROUNDS):
            wall, cpu = time.perf_counter(), time.process_time()
            ours_ms.append(_per_call_s(lambda: decision_grid(network, spiral.split, GRID_SIDE)) * 1e3)
            cores.append((time.process_time() - cpu) / (time.perf_counter() - wall))
            before_ms.append(_per_call_s(lambda: _float64_grid(network, spiral.split)) * 1e3)
            with _grid_threads(1):
                single_ms.append(_per_call_s(lambda: decision_grid(network, spiral.split, GRID_SIDE)) * 1e3)
        grid_ms[lane.name] = round(statistics.median(ours_ms), 2)
        float64_ms[lane.name] = round(statistics.median(before_ms), 2)
        one_thread_ms[lane.name] = round(statistics.median(single_ms), 2)
        cores_used[lane.name] = round(statistics.median(cores), 2)
    without_avx512 = _grid_without_avx512(spiral)
    result = {"gradviz_s": round(statistics.median(g_times), 4)}
    result["torch_s"] = round(statistics.median(t_times), 4) if t_times else None
    result["ratio"] = round(statistics.median(ratios), 2) if ratios else None
    run = LabRun(Lab(spiral.config, spiral.split))
    epochs_per_s = statistics.median(1 / _per_call_s(run.step_epoch, 0.0) for _ in range(ROUNDS))
    snapshot_ms = statistics.median(_per_call_s(lambda: take_lab_snapshot(run.lab)) for _ in range(ROUNDS)) * 1e3
    details = {
        "epoch_with_measures_s": round(statistics.median(whole), 4), "grid_ms_per_lane": grid_ms,
        "grid_float64_ms_per_lane": float64_ms, "grid_one_thread_ms_per_lane": one_thread_ms,
        "grid_cores_used_per_lane": cores_used,
        "spiral_deep_epochs_per_s": round(epochs_per_s, 1), "spiral_deep_snapshot_ms": round(snapshot_ms, 2),
        "grid_without_avx512": without_avx512,
    }  # fmt: skip
    return {"lab": {"digits-deep": result, "grid_ms": max(grid_ms.values())}, "_lab_details": details}


# ---------------------------------------------------------------------------------------------- export


def export_benchmark() -> dict:
    from PySide6 import QtGui

    from gradviz.files.network_file import load_preset

    NetworkView, export_widget = _ui()
    app = _app()
    experiment = load_preset("deep-sigmoid")
    record = experiment.network.run(experiment.inputs, experiment.targets, experiment.loss)
    view = NetworkView()
    view.resize(EXPORT_SIZE[0] // 2, EXPORT_SIZE[1] // 2)
    view.show()
    view.show_record(record, record)
    app.processEvents()
    times = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "deep-sigmoid.png"
        for run in range(ROUNDS + 1):
            start = time.perf_counter()
            export_widget(view, out, width=EXPORT_SIZE[0])
            if run:  # the first one warms up
                times.append(time.perf_counter() - start)
        image = QtGui.QImage(str(out))
        if (image.width(), image.height()) != EXPORT_SIZE:
            wanted = f"{EXPORT_SIZE[0]} x {EXPORT_SIZE[1]}"
            raise RuntimeError(f"the export is {image.width()} x {image.height()}, not {wanted}")
    _close(view)
    return {"export_4k_png_s": round(statistics.median(times), 3)}


# ---------------------------------------------------------------------------------------------- memory

_LARGEST_WINDOW_RSS = r"""
import resource, sys
import numpy as np
from gradviz.core.experiment import Experiment
from gradviz.core.network import Network
from gradviz.ui.app import make_app
from gradviz.ui.main_window import MainWindow

widths = [512] * 65
rng = np.random.default_rng(0)
weights = [rng.normal(0.0, 1.0 / np.sqrt(512), (512, 512)) for _ in range(64)]
network = Network(widths, "sigmoid", weights)
experiment = Experiment("largest", network, rng.normal(size=(4, 512)), rng.uniform(size=(4, 512)))
app = make_app()
window = MainWindow(experiment)
window.resize(1400, 900)
window.show()
app.processEvents()
for _ in range(3 * window.bridge.session.stepper.steps_per_pass):
    window.bridge.step_forward()
    app.processEvents()
assert window.bridge.session.stepper.passes_done >= 3, window.bridge.session.stepper.passes_done
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def memory_benchmark() -> dict:
    peaks = []
    with tempfile.TemporaryDirectory() as config_home:
        env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=config_home)
        for _ in range(RSS_RUNS):
            result = subprocess.run(
                [sys.executable, "-c", _LARGEST_WINDOW_RSS], env=env, capture_output=True, text=True, timeout=900
            )
            if result.returncode != 0:
                raise RuntimeError(f"the largest-network window failed: {result.stderr[-2000:]}")
            peaks.append(float(result.stdout.strip().splitlines()[-1]))
    return {"peak_rss_mb": {"largest": round(statistics.median(peaks), 1)}}


# ---------------------------------------------------------------------------------------------- lab in the window (#19)

LAB_PRESET = "spiral-deep"
LAB_PLAY_S = 3.0
LAB_KEY_PRESSES = 10
#: Epochs a press's lab has left at least before it plays (one press plays at most 0.3 s).
LAB_EPOCHS_LEFT = 100


def _lab_window():
    """The real window at 1280 x 720 with the lab on ``LAB_PRESET``, and a list its lab view's paints fill (ms)."""
    from gradviz.files.network_file import load_preset
    from gradviz.ui.main_window import MainWindow
    from gradviz.ui.views.lab import LabView

    app = _app()
    window = MainWindow(load_preset("tiny-sigmoid"))
    window.resize(*WINDOW_SIZE)
    window.show()
    window.lab.open_preset(LAB_PRESET)
    view = window.lab.view
    paints: list[float] = []
    original = LabView.render_to

    def timed(self, painter, rect, paint_background=True, draft=False):
        start = time.perf_counter()
        try:
            return original(self, painter, rect, paint_background, draft)
        finally:
            if self is view:
                paints.append((time.perf_counter() - start) * 1e3)

    view.render_to = timed.__get__(view)
    for _ in range(5):
        app.processEvents()
    return app, window, paints


def _run_events(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def lab_frame_ms() -> dict:
    """Milliseconds of a lab-view frame (its paint) while ``LAB_PRESET`` plays, and the epochs per second Play shows."""
    app, window, paints = _lab_window()
    driver = window.lab.driver
    try:
        _run_events(app, 0.3)
        paints.clear()
        driver.play()
        start, first = time.perf_counter(), driver.lab.epoch
        _run_events(app, LAB_PLAY_S)
        epochs = (driver.lab.epoch - first) / (time.perf_counter() - start)
        driver.pause()
        return {
            "lab_frame_ms": round(statistics.median(paints), 2) if paints else None,
            "lab_play_epochs_per_s": round(epochs, 1),
            "_lab_frames": {"frames": len(paints), "max_ms": round(max(paints), 2) if paints else None},
        }
    finally:
        driver.shutdown()
        _close(window)


def lab_key_latency_ms() -> dict:
    """Milliseconds from a key press to the lab view's next finished paint, while training: Shift+Right, which
    pauses and trains one more mini-batch, so the picture always changes."""
    from PySide6 import QtCore, QtTest

    app, window, paints = _lab_window()
    driver = window.lab.driver
    rng = np.random.default_rng(0)
    latencies, waits, answers = [], [], []
    try:
        for _ in range(LAB_KEY_PRESSES):
            if driver.lab.epochs - driver.lab.epoch < LAB_EPOCHS_LEFT:
                # A lab that runs out of epochs while it plays would not change on the key (Reset is Home):
                # at 200 epochs a second, ten presses can play spiral-deep's 300.
                driver.reset()
                _run_events(app, 0.05)
            driver.play()
            _run_events(app, 0.1)
            # The key comes at any moment of a slice: it is due at ``due``, and handled when the event loop
            # gets to it, as a real key press would be.
            delay_ms = int(rng.integers(20, 200))
            due = time.perf_counter() + delay_ms / 1e3
            painted, handled = [], []
            key, shift = QtCore.Qt.Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier
            QtCore.QTimer.singleShot(delay_ms, lambda: (handled.append(time.perf_counter()), painted.append(len(paints)),
                                                        QtTest.QTest.keyClick(window.lab.view, key, shift)))  # fmt: skip
            while not painted or driver.playing or len(paints) == painted[0]:
                app.processEvents()
                if time.perf_counter() - due > 5:
                    raise RuntimeError("the key press was not painted within 5 s")
            done = time.perf_counter()
            latencies.append((done - due) * 1e3)
            # Details: how late the event loop got to the key (a slice, a snapshot or a paint under way, and the
            # timer's own slack), and from there to the finished paint (the step, its snapshot and the paint).
            waits.append((handled[0] - due) * 1e3)
            answers.append((done - handled[0]) * 1e3)
        return {
            "lab_key_latency_ms": round(statistics.median(latencies), 1), "_lab_key_max_ms": round(max(latencies), 1),
            "_lab_key_parts_ms": {"until_handled": round(statistics.median(waits), 1), "handled_to_painted": round(statistics.median(answers), 1)},
        }  # fmt: skip
    finally:
        driver.shutdown()
        _close(window)


def lab_window_benchmark() -> dict:
    return {**lab_frame_ms(), **lab_key_latency_ms()}


# ---------------------------------------------------------------------------------------------- main

BENCHMARKS = {
    "startup": startup_benchmark,
    "frame_ms": frame_benchmark,
    "core_vs_torch": core_benchmark,
    "train_steps_per_s": training_benchmark,
    "export_4k_png_s": export_benchmark,
    "peak_rss_mb": memory_benchmark,
    "lab": lab_benchmark,
    "lab_window": lab_window_benchmark,  # labview (#19)
}


#: The speed probe's work: float32 ``np.exp`` of this many values (what the decision grid spends most on).
PROBE_VALUES = 160_000


def speed_probe_us() -> tuple[float, float]:
    """Microseconds of a fixed piece of work, the median of 30: how fast this machine runs right now, on one
    core and on two at once.

    A virtual machine's speed changes while it runs (here the same probe takes about 207 or about 345 us, in
    phases of a second or more, as other guests load the host), so every figure is printed with the probe
    taken just before and just after it: two figures are comparable where their probes are. The second
    number is the same work on two threads side by side (each its own copy, the wall time of both): it
    rises above the first when the second virtual core is the slow one, which the decision grid, on two
    threads, feels and a one-core probe does not."""
    import threading

    values = [np.random.default_rng(seed).normal(size=PROBE_VALUES).astype(np.float32) for seed in (0, 1)]
    outs = [np.empty_like(v) for v in values]
    medians = [0.0, 0.0]

    def timed(index: int, start: threading.Barrier | None = None) -> None:
        if start is not None:
            start.wait()  # both threads begin together; each times its own work (no waking up in the timings)
        times = []
        for _ in range(30):
            begin = time.perf_counter()
            np.exp(values[index], out=outs[index])
            times.append(time.perf_counter() - begin)
        medians[index] = round(statistics.median(times) * 1e6, 1)

    timed(0)
    one = medians[0]
    start = threading.Barrier(2)
    other = threading.Thread(target=timed, args=(1, start))
    other.start()
    timed(0, start)
    other.join()
    return one, max(medians)


def run_all(names=None) -> dict:
    results: dict = {"_probe_us": {}}
    for name, benchmark in BENCHMARKS.items():
        if names is None or name in names:
            before = speed_probe_us()
            results.update(benchmark())
            results["_probe_us"][name] = (before, speed_probe_us())
    return results


def public(results: dict) -> dict:
    """The one JSON object of issue 11: the figures without the details kept for the table."""
    return {key: value for key, value in results.items() if not key.startswith("_")}


def _print_table(results: dict) -> None:
    details = results.get("_frame_details", {})
    if details:
        heads = ("network", "edges", "path", "frame ms", "rounds ms", "step ms", "paint ms", "max ms", "new ms", "again ms")
        print("  ".join(f"{h:>11}" for h in heads))
        for name, d in details.items():
            spread = d.get("round_medians_ms") or [d["median_ms"]]
            times = (d["step_median_ms"], d["paint_median_ms"], d["max_ms"], d["first_showing_median_ms"], d["repeat_median_ms"])
            cells = (
                name, d["edges"], str(d["render_path"]), f"{d['median_ms']:.2f}", f"{min(spread):.2f}-{max(spread):.2f}",
                *("-" if t is None else f"{t:.2f}" for t in times),
            )
            print("  ".join(f"{c:>11}" for c in cells))
        print(
            f"budget: 16.7 ms (one 60 Hz frame); frame ms: the median of {FRAME_ROUNDS} rounds, each the median of its "
            f"frames; rounds ms: the lowest and highest round; the other columns are the median round's; new / again: "
            f"the median frame of a step shown for the first time in the run / shown before"
        )
    lab_details = results.get("_lab_details")
    if lab_details:
        print(f"lab digits-deep: a whole epoch with the measures takes {lab_details['epoch_with_measures_s']} s; "
              f"the 200 x 200 grid per lane: {lab_details['grid_ms_per_lane']} ms (float64 as before: "
              f"{lab_details['grid_float64_ms_per_lane']} ms; on one thread: "
              f"{lab_details['grid_one_thread_ms_per_lane']} ms; cores busy on average: "
              f"{lab_details['grid_cores_used_per_lane']}); spiral-deep trains "
              f"{lab_details['spiral_deep_epochs_per_s']} epochs/s (both lanes, LabRun.step_epoch) and its "
              f"snapshot with 100 x 100 grids takes {lab_details['spiral_deep_snapshot_ms']} ms")
        side_by_side = lab_details.get("grid_without_avx512")
        if side_by_side:
            print(f"the grid per lane in alternating rounds, here {side_by_side['grid_ms_per_lane']} ms and as a machine "
                  f"without AVX-512 runs it (NumPy's AVX2 loops, OpenBLAS's Haswell kernels) "
                  f"{side_by_side['without_avx512_ms_per_lane']} ms")
    frames, key_parts = results.get("_lab_frames"), results.get("_lab_key_parts_ms")
    if frames and key_parts:
        print(f"lab window ({LAB_PRESET} playing): {frames['frames']} frames, the slowest {frames['max_ms']} ms; a key press "
              f"waits {key_parts['until_handled']} ms for the event loop (median, with the timer's own slack), then "
              f"{key_parts['handled_to_painted']} ms to its finished paint; the slowest answer {results.get('_lab_key_max_ms')} ms")
    for name, d in results.get("_core_details", {}).items():
        print(f"core {name}: the matrix products alone, NumPy's BLAS against torch's: {d['matmul_ratio']}")
    for key, value in public(results).items():
        if key != "frame_ms":
            print(f"{key}: {json.dumps(value)}")
    probes = results.get("_probe_us")
    if probes:
        taken = ", ".join(f"{name} {a[0]:g} ({a[1]:g}) / {b[0]:g} ({b[1]:g})" for name, (a, b) in probes.items())
        print(
            f"speed probe (float32 exp of {PROBE_VALUES:,} values, us, one core (two at once), before / after each figure; "
            f"lower is a faster machine): {taken}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", nargs="+", choices=tuple(BENCHMARKS), help="run only these figures")
    parser.add_argument(
        "--against", metavar="COMMIT_OR_PATH",
        help="time the frames of this tree and of an older one (a commit, checked out as a git worktree, or a "
        "folder holding a gradviz checkout) side by side, alternating, and print both",
    )
    parser.add_argument("--frame-worker", nargs="+", metavar=("ROOT", "NETWORK"), help=argparse.SUPPRESS)
    parser.add_argument("--grid-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.grid_worker:
        return _grid_worker()
    if args.frame_worker:
        return _frame_worker(args.frame_worker[0], args.frame_worker[1:])
    if args.against:
        results = against_benchmark(args.against)
        if args.json:
            print(json.dumps(results))
        else:
            figures = results["frame_ms_against"]
            print(f"frame ms (step + redraw), median of {AGAINST_ROUNDS} alternating rounds")
            print(f"{'network':>14}  {'old ' + args.against[:10]:>16}  {'this tree':>10}")
            for name in AGAINST_NETWORKS:
                print(f"{name:>14}  {figures['old'][name]:>16.2f}  {figures['new'][name]:>10.2f}")
        return 0
    results = run_all(args.only)
    if args.json:
        print(json.dumps(public(results)))
    else:
        _print_table(results)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
