"""Benchmarks of the gradviz UI, run as a script: ``python tests/benchmarks/run.py [--json]``.

Not collected by pytest (no test_ functions). Every figure comes from a function returning a dict; ``main``
gathers them into one object, so more figures can be added as more functions in ``BENCHMARKS``.

frame_ms: median time of one micro-step during the backward pass (``Stepper.step_forward``) plus the
network view's full recolour (``show_record``) and a synchronous repaint (``QWidget.repaint``), offscreen, in
a 1400 x 900 window, for networks of about 1e3, 1e4 and 1e5 edges.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

#: Hidden widths giving about 1e3, 1e4 and 1e5 shown edges: 10x10x10, 32x32x10 and 64x64x25.
FRAME_NETWORKS = {"1000": [10] * 11, "10000": [32] * 11, "100000": [64] * 26}
WINDOW_SIZE = (1400, 900)
WARMUP_FRAMES = 3
MEASURED_FRAMES = 15


def _app():
    from PySide6 import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def _stepper(widths):
    from gradviz.core.network import Network
    from gradviz.core.stepper import Stepper

    rng = np.random.default_rng(0)
    weights = [rng.normal(0.0, 1.0 / np.sqrt(widths[l]), (widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    network = Network(widths, "sigmoid", weights)
    return Stepper(network, rng.normal(size=(4, widths[0])), rng.uniform(size=(4, widths[-1])))


def frame_times(widths) -> dict:
    """Milliseconds of step + recolour + repaint, one frame at a time, while the backward pass runs."""
    from gradviz.ui.diagram import NetworkView

    app = _app()
    stepper = _stepper(widths)
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
    times = []
    for frame in range(WARMUP_FRAMES + MEASURED_FRAMES):
        if stepper.record.step >= 2 * stepper.network.depth + 1:
            stepper.go_to_step(stepper.network.depth + 1)
        start = time.perf_counter()
        record = stepper.step_forward()
        view.show_record(record, scale)
        view.repaint()
        elapsed = (time.perf_counter() - start) * 1e3
        if frame >= WARMUP_FRAMES:
            times.append(elapsed)
    if len(paints) < WARMUP_FRAMES + MEASURED_FRAMES:
        raise RuntimeError(f"only {len(paints)} paints for {WARMUP_FRAMES + MEASURED_FRAMES} frames: repaint() did not paint")
    result = {
        "paint_only_median_ms": statistics.median(paints[-MEASURED_FRAMES:]),
        "edges": int(sum(a * b for a, b in zip(widths[:-1], widths[1:]))),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "render_path": view.render_path,
    }
    view.close()
    view.deleteLater()
    app.processEvents()
    return result


def frame_benchmark() -> dict:
    details = {name: frame_times(widths) for name, widths in FRAME_NETWORKS.items()}
    return {
        "frame_ms": {name: round(d["median_ms"], 2) for name, d in details.items()},
        "frame_details": details,
    }


def raster_build_benchmark() -> dict:
    """Milliseconds to lay out the 1e5-edge network and build its edge-id raster (on resize/new network)."""
    from gradviz.ui.diagram.layout import DiagramLayout
    from gradviz.ui.diagram.raster import IdRaster

    widths = FRAME_NETWORKS["100000"]
    start = time.perf_counter()
    layout = DiagramLayout(widths, *WINDOW_SIZE, font_px=13.3, title_px=16.0, node_radius=22.0)
    IdRaster(layout, 1.0, 1)
    return {"raster_build_ms": round((time.perf_counter() - start) * 1e3, 1)}


BENCHMARKS = (frame_benchmark, raster_build_benchmark)


def run_all() -> dict:
    results: dict = {}
    for benchmark in BENCHMARKS:
        results.update(benchmark())
    return results


def _print_table(results: dict) -> None:
    print(f"{'edges':>8}  {'path':>7}  {'median ms':>10}  {'max ms':>8}")
    for name, d in results["frame_details"].items():
        print(f"{d['edges']:>8}  {d['render_path']:>7}  {d['median_ms']:>10.2f}  {d['max_ms']:>8.2f}")
    print("budget: 16.7 ms (one 60 Hz frame)")
    for key, value in results.items():
        if key not in ("frame_ms", "frame_details"):
            print(f"{key}: {value}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    results = run_all()
    if args.json:
        print(json.dumps(results))
    else:
        _print_table(results)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    sys.exit(main())
