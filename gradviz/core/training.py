"""Plain SGD on the whole batch, recording per step the loss and each layer's gradient magnitude."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .network import Network
from .records import frozen_array
from .stats import l2_norm

#: Most SGD steps one training run takes (the window's panel and `gradviz train` alike).
MAX_TRAINING_STEPS = 100_000


@dataclass(frozen=True)
class TrainingHistory:
    """What training recorded: row k is step k + 1, taken before that step's update.

    ``mean_abs_grad_w``, ``max_abs_grad_w`` and ``norm_grad_w`` are steps x layers.
    ``cancelled`` is True when training stopped early; the arrays then hold the steps done.
    """

    losses: np.ndarray
    mean_abs_grad_w: np.ndarray
    max_abs_grad_w: np.ndarray
    norm_grad_w: np.ndarray
    network: Network
    cancelled: bool = False

    @property
    def steps(self) -> int:
        return len(self.losses)

    def measure(self, name: str) -> np.ndarray:
        return getattr(self, name)

    @staticmethod
    def joined(parts: "list[TrainingHistory]") -> "TrainingHistory":
        """Histories of consecutive runs (each resumed from the one before's network), as one."""
        def stack(name):
            return frozen_array(np.concatenate([getattr(p, name) for p in parts]))

        return TrainingHistory(
            stack("losses"), stack("mean_abs_grad_w"), stack("max_abs_grad_w"), stack("norm_grad_w"),
            parts[-1].network, parts[-1].cancelled,
        )  # fmt: skip

    def __repr__(self):
        return f"TrainingHistory(steps={self.steps}, final_loss={self.losses[-1] if self.steps else None})"


def train(
    network: Network,
    inputs,
    targets,
    loss_name: str,
    learning_rate: float,
    steps: int,
    on_progress: Callable[[int], bool | None] | None = None,
    progress_every: int = 10,
) -> TrainingHistory:
    """Run ``steps`` SGD updates.

    ``on_progress(steps_done)`` is called every ``progress_every`` steps and after the last;
    returning True cancels training, which then returns the steps done and the network after them.
    """
    inputs = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
    targets = np.atleast_2d(np.asarray(targets, dtype=np.float64))
    depth = network.depth
    losses = np.empty(steps)
    stats = np.empty((3, steps, depth))
    weights = [np.array(w) for w in network.weights]
    biases = [np.array(b) for b in network.biases]
    # The per-layer methods read the network's weights: this one shares the arrays updated in place below.
    work = network.sharing_params(weights, biases)
    done = 0
    cancelled = False
    for step in range(steps):
        zs, acts = [], [inputs]
        for index in range(1, depth + 1):
            z, a = work.forward_layer(index, acts[-1])
            zs.append(z)
            acts.append(a)
        losses[step] = np.mean(work.loss_values(loss_name, zs[-1], acts[-1], targets))
        grad_a = None
        for index in range(depth, 0, -1):
            l = index - 1
            if index == depth:
                delta = work.output_delta(loss_name, zs[l], acts[index], targets)
            else:
                delta = work.hidden_delta(index, grad_a, zs[l])
            grad_w, grad_b, grad_a = work.backward_layer(index, delta, acts[l], grad_a)
            abs_g = np.abs(grad_w)
            with np.errstate(over="ignore", invalid="ignore"):
                stats[0, step, l] = abs_g.mean()
                stats[1, step, l] = abs_g.max()
                stats[2, step, l] = l2_norm(abs_g)
                weights[l] -= learning_rate * grad_w
                biases[l] -= learning_rate * grad_b
        done = step + 1
        if on_progress is not None and (done % progress_every == 0 or done == steps):
            if on_progress(done):
                cancelled = done < steps
                break
    final = network.with_params(weights, biases)
    return TrainingHistory(
        frozen_array(losses[:done]),
        frozen_array(stats[0, :done]),
        frozen_array(stats[1, :done]),
        frozen_array(stats[2, :done]),
        final,
        cancelled,
    )
