"""The work budget: estimates match what a pass really allocates, and work beyond the budget is refused
before anything is allocated, in one line naming the sizes and how to shrink them."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from gradviz.core.budget import WORK_BUDGET_BYTES, WorkBudgetError, check_budget, estimate_pass_bytes
from gradviz.core.init import InitSpec, init_network_weights
from gradviz.core.experiment import NetworkFileError
from gradviz.files.sniff import load_network
from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.core.training import TrainingRun
from tests.helpers import assert_one_line_error, run_cli


def test_estimate_by_hand():
    # [1, 2, 1], 3 samples: 7 parameters (twice: the network and its gradient); per sample z, a and
    # delta of 3 units, the input and the target (1 each) and the widest temporary (2): 13 numbers.
    assert estimate_pass_bytes([1, 2, 1], 3) == 8 * (2 * 7 + 3 * 13)


def test_the_estimate_covers_what_a_pass_really_allocates():
    widths = [64, 256, 256, 256, 10]
    samples = 200
    network = Network(widths, "sigmoid", init_network_weights(widths, InitSpec("he_normal", 0)))
    rng = np.random.default_rng(0)
    inputs, targets = rng.normal(size=(samples, 64)), rng.normal(size=(samples, 10))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    record = network.run(inputs, targets)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    estimate = estimate_pass_bytes(widths, samples)
    # The record holds the pass (the network's own weights were allocated before): the estimate covers it
    # without being more than twice it.
    params = sum(w.nbytes + b.nbytes for w, b in zip(network.weights, network.biases))
    assert held <= estimate <= 2 * (held + params)
    assert record.complete


def test_check_budget_names_the_sizes_and_the_way_out():
    widths = [512] * 65
    with pytest.raises(WorkBudgetError) as refused:
        check_budget(widths, 4096)
    message = str(refused.value)
    assert "\n" not in message
    needed = estimate_pass_bytes(widths, 4096)
    assert needed > WORK_BUDGET_BYTES
    assert message == (
        f"one pass through this network needs about {needed / 1e9:.3g} GB of memory, more than the 2 GB work budget "
        "(64 weight layers up to 512 units wide, 16,809,984 weights and biases, 4,096 samples); "
        "use fewer samples, or narrower or fewer layers"
    )
    assert check_budget([512] * 65, 1) == estimate_pass_bytes([512] * 65, 1)


def huge_file(tmp_path, samples=4096):
    """512 units wide, 65 widths, 4,096 samples: within every file limit, about 3 GB a pass.

    The input and output are one unit wide so the file stays small; the hidden layers make the work.
    """
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"layers": [1] + [512] * 63 + [1], "init": {"scheme": "he_normal"},
                                "input": [[0.5]] * samples, "target": [[0.5]] * samples}), encoding="utf-8")  # fmt: skip
    return path


def test_a_file_within_the_limits_but_beyond_the_budget_is_refused_before_allocating(tmp_path, capsys):
    path = huge_file(tmp_path)
    tracemalloc.start()
    with pytest.raises(NetworkFileError) as refused:
        load_network(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(refused.value).startswith("stepping through this network needs about ")
    assert "4,096 samples); use fewer samples, or narrower or fewer layers" in str(refused.value)
    assert peak < 20e6  # the file's text and its decoded lists; no weights, no pass (16 MB of weights alone)
    for command in ("trace", "train", "export"):
        argv = [command, str(path)] + {"train": ["--steps", "5"], "export": ["--out", str(tmp_path / "x.png")]}.get(command, [])
        assert_one_line_error(*run_cli(capsys, *argv), "use fewer samples, or narrower or fewer layers")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("work", ["run", "stepper", "training"])
def test_the_core_refuses_work_beyond_the_budget(work):
    widths = [512] * 10
    network = Network(widths, "sigmoid", [np.zeros((512, 512))] * 9)
    # Broadcast views: 100,000 samples of 512 take no memory here, but a pass on them would take 12 GB.
    inputs = np.broadcast_to(np.zeros(512), (100_000, 512))
    with pytest.raises(WorkBudgetError, match="100,000 samples"):
        if work == "run":
            network.run(inputs, inputs)
        elif work == "stepper":
            Stepper(network, inputs, inputs)
        else:
            TrainingRun(network, inputs, inputs, "half_squared_error", 0.1, 10)
