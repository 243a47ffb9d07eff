"""Plain SGD on the whole batch, recording per step the loss and each layer's gradient magnitude.

``TrainingRun`` trains in slices (the window advances it between events) with one working copy of the
network and its statistics in arrays allocated once; ``train`` runs one to the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from .budget import check_budget
from .network import Network
from .passes import forward_backward
from .records import frozen_array
from .stats import MEASURES, l2_norm

#: Most SGD steps one training run takes (the window's panel and `gradviz train` alike).
MAX_TRAINING_STEPS = 100_000


@dataclass(frozen=True)
class TrainingHistory:
    """What training recorded: row k is step k + 1, taken before that step's update.

    ``measures`` maps each measure's name (``stats.MEASURES``: ``mean_abs_grad_w``, ``max_abs_grad_w``,
    ``norm_grad_w``) to its steps x layers values. By name, so a history read from an older file may lack a
    measure added since (``measure`` then gives None) and a newer one may hold a measure this one does
    not draw. ``cancelled`` is True when training stopped early; the arrays then hold the steps done.
    ``stopped_at`` is the step at which training met a non-finite loss or update and stopped (None when it
    did not); ``network`` is then the last finite one, after the steps recorded, and ``stop_reason`` says why.
    """

    losses: np.ndarray
    measures: Mapping[str, np.ndarray]
    network: Network
    cancelled: bool = False
    stopped_at: int | None = None
    stop_reason: str = ""

    @property
    def steps(self) -> int:
        return len(self.losses)

    def measure(self, name: str) -> np.ndarray | None:
        """The steps x layers values of the measure ``name``, or None when this history lacks it."""
        return self.measures.get(name)

    @staticmethod
    def joined(parts: "list[TrainingHistory]") -> "TrainingHistory":
        """Histories of consecutive runs (each resumed from the one before's network), as one."""
        # A measure some part lacks (read from an older file) is left out of the whole.
        shared = [name for name in parts[0].measures if all(name in p.measures for p in parts)]

        before = sum(p.steps for p in parts[:-1])
        last = parts[-1]
        stopped_at = None if last.stopped_at is None else before + last.stopped_at
        reason = "" if stopped_at is None else _stop_reason(stopped_at, _LOSS_NOT_FINITE in last.stop_reason)
        return TrainingHistory(
            frozen_array(np.concatenate([p.losses for p in parts])),
            MappingProxyType({name: frozen_array(np.concatenate([p.measures[name] for p in parts])) for name in shared}),
            last.network, last.cancelled, stopped_at, reason,
        )  # fmt: skip

    def __repr__(self):
        stopped = f", stopped_at={self.stopped_at}" if self.stopped_at is not None else ""
        return f"TrainingHistory(steps={self.steps}, final_loss={self.losses[-1] if self.steps else None}{stopped})"


_LOSS_NOT_FINITE = "the loss is not finite"


def _stop_reason(step: int, loss: bool) -> str:
    what = _LOSS_NOT_FINITE if loss else "the update would make a weight or bias non-finite"
    kept = "the starting network is kept" if step == 1 else f"the network after step {step - 1:,} is kept"
    return f"Training stopped at step {step:,}: {what} (overflow); {kept}"


#: Largest magnitudes whose squares (summed over at most 512 x 512 entries) neither overflow nor lose
#: the largest entry to underflow: within them the norm is one BLAS dot product.
_PLAIN_NORM_RANGE = (1e-140, 1e150)


def _norm(abs_values: np.ndarray, largest: float) -> float:
    """The L2 norm of non-negative values, as ``stats.l2_norm`` gives it (to rounding), in one pass when safe."""
    if _PLAIN_NORM_RANGE[0] <= largest <= _PLAIN_NORM_RANGE[1]:
        flat = abs_values.ravel()
        return float(np.sqrt(np.dot(flat, flat)))
    return l2_norm(abs_values)


def _updated(params: list, grads: list, learning_rate: float, out: list) -> bool:
    """``out[l] = params[l] - learning_rate * grads[l]`` for every layer; False when a result is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        for p, g, o in zip(params, grads, out):
            np.multiply(g, learning_rate, out=o)
            np.subtract(p, o, out=o)
            # max and min are NaN when any entry is NaN, and infinite when one is: no boolean array needed.
            if not (np.isfinite(o.max()) and np.isfinite(o.min())):
                return False
    return True


class TrainingRun:
    """One SGD training run of ``total_steps`` steps, taken a slice at a time with ``advance``.

    It holds one working copy of the weights and biases, updated in place, and the statistics of every
    step in arrays allocated at the start, so memory does not grow with the steps. A step whose loss or
    update is not finite is not taken: the run stops there (``stopped_at``) and keeps the last finite
    network.

    Parameters
    ----------
    network : the network to start from (left unchanged)
    inputs, targets : samples x units
    loss : a name from ``gradviz.core.losses.LOSS_NAMES``
    learning_rate : the SGD step size
    total_steps : steps to take, 0 to ``MAX_TRAINING_STEPS``

    Raises
    ------
    WorkBudgetError
        when one training step would need more memory than the work budget allows.
    ValueError
        for a number of steps outside 0..``MAX_TRAINING_STEPS``.
    """

    def __init__(self, network: Network, inputs, targets, loss: str, learning_rate: float, total_steps: int):
        total_steps = int(total_steps)
        if not 0 <= total_steps <= MAX_TRAINING_STEPS:
            raise ValueError(f"a training run takes 0 to {MAX_TRAINING_STEPS:,} steps, got {total_steps:,}")
        self._inputs = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
        self._targets = np.atleast_2d(np.asarray(targets, dtype=np.float64))
        check_budget(network.widths, len(self._inputs), 1, "training this network")
        self.loss = loss
        self.learning_rate = float(learning_rate)
        self.total_steps = total_steps
        self._start = network
        self._weights = [np.array(w) for w in network.weights]
        self._biases = [np.array(b) for b in network.biases]
        # The per-layer methods read the network's weights: this one shares the arrays the steps update.
        self._work = network.sharing_params(self._weights, self._biases)
        self._spare_w = [np.empty_like(w) for w in self._weights]
        self._spare_b = [np.empty_like(b) for b in self._biases]
        self._losses = np.empty(total_steps)
        self._stats = np.empty((3, total_steps, network.depth))
        self._done = 0
        self._cancelled = False
        self._stopped_at: int | None = None
        self._stopped_on_loss = False
        self._network: Network | None = network

    @property
    def steps_done(self) -> int:
        return self._done

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` stopped the run before its last step."""
        return self._cancelled

    @property
    def stopped_at(self) -> int | None:
        """The step that met a non-finite loss or update (not taken), or None."""
        return self._stopped_at

    @property
    def finished(self) -> bool:
        """No step is left to take: all done, cancelled, or stopped at a non-finite value."""
        return self._done >= self.total_steps or self._cancelled or self._stopped_at is not None

    def cancel(self) -> None:
        """Stop the run; the steps done so far stay."""
        if not self.finished:
            self._cancelled = True

    @property
    def network(self) -> Network:
        """The network after the steps done (an immutable copy, made once per slice when asked for)."""
        if self._network is None:
            self._network = self._start.with_params(self._weights, self._biases)
        return self._network

    def advance(self, steps: int) -> bool:
        """Take up to ``steps`` more steps; True when the run is finished."""
        end = min(self.total_steps, self._done + max(0, int(steps)))
        if self.finished or end == self._done:
            return self.finished
        self._network = None
        work, inputs, targets, loss = self._work, self._inputs, self._targets, self.loss
        depth = work.depth
        lr = self.learning_rate
        weights, biases, stats = self._weights, self._biases, self._stats
        while self._done < end:
            step = self._done
            arrays = forward_backward(work, inputs, targets, loss)
            loss_value = arrays.loss
            if not np.isfinite(loss_value):
                self._stop(step + 1, on_loss=True)
                break
            grads_w, grads_b = arrays.grads_w, arrays.grads_b
            del arrays
            for l in range(depth):
                abs_g = np.abs(grads_w[l])
                with np.errstate(over="ignore", invalid="ignore"):
                    stats[0, step, l] = abs_g.mean()
                    stats[1, step, l] = largest = abs_g.max()
                    stats[2, step, l] = _norm(abs_g, largest)
                del abs_g
            # The update goes to the spare arrays first, so a step that is not finite is never taken.
            if not (_updated(weights, grads_w, lr, self._spare_w) and _updated(biases, grads_b, lr, self._spare_b)):
                self._stop(step + 1, on_loss=False)
                break
            self._losses[step] = loss_value
            weights[:], self._spare_w[:] = self._spare_w, list(weights)
            biases[:], self._spare_b[:] = self._spare_b, list(biases)
            self._done = step + 1
        return self.finished

    def _stop(self, step: int, on_loss: bool) -> None:
        self._stopped_at = step
        self._stopped_on_loss = on_loss

    def history(self) -> TrainingHistory:
        """The statistics of the steps done, and the network after them."""
        done = self._done
        stopped = self._stopped_at
        return TrainingHistory(
            frozen_array(self._losses[:done]),
            MappingProxyType({name: frozen_array(self._stats[k, :done]) for k, name in enumerate(MEASURES)}),
            self.network,
            self._cancelled,
            stopped,
            "" if stopped is None else _stop_reason(stopped, self._stopped_on_loss),
        )

    def __repr__(self):
        return f"TrainingRun({self._start!r}, steps={self._done}/{self.total_steps})"


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
    A step whose loss or update is not finite stops training there (see ``TrainingHistory.stopped_at``).
    """
    run = TrainingRun(network, inputs, targets, loss_name, learning_rate, steps)
    every = steps if on_progress is None else max(1, int(progress_every))
    while not run.finished:
        run.advance(every - run.steps_done % every)
        if run.stopped_at is not None:
            break
        if on_progress is not None and on_progress(run.steps_done) and run.steps_done < steps:
            run.cancel()
    return run.history()
