"""The network controls dock: depth and widths, activations, initialiser, data, loss, learning rate.

Each edit is a change request in network-file fields (``{"layers": [2, 4, 1]}``). The bridge applies it
to the network on screen with the same validation that reads files; a refused edit's message is shown in
place (``show_error``) and the current network stays.
"""

from __future__ import annotations

import re

from PySide6 import QtCore, QtWidgets

from ..core.activations import ACTIVATION_NAMES, ACTIVATIONS
from ..core.experiment import Experiment, NetworkFileError
from ..core.format import format_number, reads_as_number
from ..core.init import INIT_PARAMETERS, INIT_SCHEMES
from ..core.losses import LOSS_NAMES, LOSSES
from ..files.network_file import preset_names

PER_LAYER = "per layer…"
NO_PRESET = "(choose a preset)"
#: Every initialiser parameter, each shown while a scheme that takes it is chosen.
INIT_PARAMETER_NAMES = tuple(dict.fromkeys(name for params in INIT_PARAMETERS.values() for name in params))
INIT_PARAMETER_TIPS = {
    "value": "The value of every weight", "low": "The smallest weight drawn", "high": "The largest weight drawn",
    "std": "The standard deviation of the weights drawn",
}  # fmt: skip


def _format_rows(rows) -> str:
    return "; ".join(", ".join(f"{v:g}" for v in row) for row in rows)


def _parse_rows(text: str, field: str) -> list:
    """'0.5, 0.3; 0.1, 0.2' -> [[0.5, 0.3], [0.1, 0.2]] (samples separated by ';')."""
    rows = []
    for i, chunk in enumerate(text.split(";")):
        values = [v for v in chunk.replace(",", " ").split()]
        if not values:
            raise NetworkFileError(field, "give numbers separated by commas, and samples separated by ';'")
        try:
            rows.append([float(v) for v in values])
        except ValueError:
            bad = next(v for v in values if not reads_as_number(v))
            raise NetworkFileError(field, f"{bad!r} is not a number") from None
    return rows


#: A refusal names the network-file field it concerns ("layers[1]: must be ..."); the form says it with
#: the label of the row it was typed into, and counts from 1 (``NetworkFileError``'s "field: problem").
FORM_LABELS = {
    "layers": ("Widths", "number"), "activation": ("Per layer", "layer"), "input": ("Input", "sample"),
    "target": ("Target", "sample"), "learning_rate": ("Learning rate", ""), "loss": ("Loss", ""),
    "residual": ("Residual", ""), "init": ("Initialiser", ""), "init.seed": ("Seed", ""),
}
_FIELD = re.compile(r"^([a-z_]+(?:\.[a-z_]+)?)((?:\[\d+\])*): ")


def in_form_words(text: str) -> str:
    """``text`` (a refused edit's message) with its leading field named as the Network form labels it:
    "layers[1]: ..." reads "Widths, number 2: ...", "input[0][1]: ..." reads "Input, sample 1, number 2: ...",
    "init.std: ..." reads "Parameters, std: ...". Any other text is returned as it is."""
    match = _FIELD.match(text)
    if match is None:
        return text
    field, indices = match.group(1), [int(i) + 1 for i in re.findall(r"\d+", match.group(2))]
    if field in FORM_LABELS:
        label, unit = FORM_LABELS[field]
    elif field.startswith("init."):  # an initialiser's parameter: the row "Parameters" holds its box
        label, unit = f"Parameters, {field[len('init.'):]}", ""
    else:
        return text
    if field == "activation" and not indices:
        label = "Activation"
    parts = [label]
    if indices:
        parts.append(f"{unit or 'number'} {indices[0]}")
        parts += [f"number {i}" for i in indices[1:]]
    problem = text[match.end():]
    if field.startswith("init."):
        problem = re.sub(r"\binit\.([a-z_]+)", r"\1", problem)  # "must not exceed init.high": its box is "high"
    return ", ".join(parts) + ": " + problem


class ControlsPanel(QtWidgets.QWidget):
    """Edits the experiment: emits ``sigEditRequested(changes)`` and ``sigPresetChosen(name)``."""

    sigEditRequested = QtCore.Signal(dict)
    sigPresetChosen = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._shown: dict = {}
        #: What each text field showed when filled, so leaving it untouched does nothing even where the
        #: text rounds the value (a learning rate of 0.123456789 reads "0.123457").
        self._shown_texts: dict[QtWidgets.QLineEdit, str] = {}
        self._updating = False
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A field too wide beside its label goes below it: the form fits a narrow column in the slides print.
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)

        self.preset = QtWidgets.QComboBox()
        self.preset.addItem(NO_PRESET)
        self.preset.addItems(preset_names())
        self.preset.activated.connect(self._on_preset)
        form.addRow("Preset", self.preset)

        self.widths = QtWidgets.QLineEdit()
        self.widths.setToolTip("Layer widths, input first, e.g. 1, 1, 1, 1 (1 to 512 each, up to 64 weight layers)")
        self.widths.editingFinished.connect(self._on_widths)
        form.addRow("Widths", self.widths)

        self.activation = QtWidgets.QComboBox()
        for name in ACTIVATION_NAMES:
            self.activation.addItem(ACTIVATIONS[name].label, name)
        self.activation.addItem(PER_LAYER, PER_LAYER)
        self.activation.activated.connect(self._on_activation)
        form.addRow("Activation", self.activation)

        self.per_layer = QtWidgets.QLineEdit()
        self.per_layer.setToolTip("One activation per weight layer, e.g. relu, relu, sigmoid")
        self.per_layer.setPlaceholderText("relu, relu, sigmoid")
        self.per_layer.editingFinished.connect(self._on_per_layer)
        form.addRow("Per layer", self.per_layer)

        self.init = QtWidgets.QComboBox()
        self.init.addItems(INIT_SCHEMES)
        self.init.activated.connect(self._on_scheme)
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.editingFinished.connect(self._on_init_changed)
        # Each on its own row: beside a seed box sized for ten digits, the scheme's name was cut ("xavier_nor").
        form.addRow("Initialiser", self.init)
        form.addRow("Seed", self.seed)
        #: How the weights on screen were really made, and the network's description (issue 17).
        self.weights_note, self.description = QtWidgets.QLabel(), QtWidgets.QLabel()
        for label, name in ((self.weights_note, "weightsNote"), (self.description, "networkDescription")):
            label.setObjectName(name)
            label.setWordWrap(True)
        form.addRow("", self.weights_note)
        self.init_params_row = QtWidgets.QWidget()
        params_row = QtWidgets.QHBoxLayout(self.init_params_row)
        params_row.setContentsMargins(0, 0, 0, 0)
        self.init_params: dict[str, QtWidgets.QLineEdit] = {}
        self._init_param_labels: dict[str, QtWidgets.QLabel] = {}
        for name in INIT_PARAMETER_NAMES:
            label = QtWidgets.QLabel(name)
            field = QtWidgets.QLineEdit()
            field.setObjectName(f"initParam-{name}")
            field.setToolTip(INIT_PARAMETER_TIPS.get(name, name))
            field.editingFinished.connect(self._on_init_changed)
            params_row.addWidget(label)
            params_row.addWidget(field, 1)
            self.init_params[name], self._init_param_labels[name] = field, label
        form.addRow("Parameters", self.init_params_row)
        self._form = form
        self.reinit = QtWidgets.QPushButton("Draw new weights")
        self.reinit.setToolTip("Replace the weights with a fresh draw from the initialiser and seed")
        self.reinit.clicked.connect(self._on_reinit)
        form.addRow("", self.reinit)

        self.inputs = QtWidgets.QLineEdit()
        self.inputs.setToolTip("One sample: 0.5, 0.2. Several: separate samples with ';'")
        self.inputs.editingFinished.connect(lambda: self._on_rows("input", self.inputs))
        form.addRow("Input", self.inputs)
        self.targets = QtWidgets.QLineEdit()
        self.targets.setToolTip("One target per sample, samples separated by ';'")
        self.targets.editingFinished.connect(lambda: self._on_rows("target", self.targets))
        form.addRow("Target", self.targets)

        self.loss = QtWidgets.QComboBox()
        for name in LOSS_NAMES:
            self.loss.addItem(LOSSES[name].label, name)
        self.loss.activated.connect(lambda: self._apply({"loss": self.loss.currentData()}))
        form.addRow("Loss", self.loss)

        self.learning_rate = QtWidgets.QLineEdit()
        self.learning_rate.editingFinished.connect(self._on_learning_rate)
        form.addRow("Learning rate", self.learning_rate)

        # A short text keeps the form narrow enough for the right column in the slides print; the tip says where.
        self.residual = QtWidgets.QCheckBox("skip connections")
        self.residual.setToolTip("Skip connections on the hidden layers of equal width")
        self.residual.toggled.connect(lambda on: self._apply({"residual": bool(on)}))
        form.addRow("Residual", self.residual)

        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("controlsMessage")
        self.message.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        self.message.hide()

        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.message)
        outer.addWidget(self.description)
        outer.addStretch(1)

    # ------------------------------------------------------------------------------------------ display

    def show_experiment(self, experiment: Experiment) -> None:
        """Fill the fields from ``experiment`` (without emitting edits) and clear any refusal."""
        net = experiment.network
        self._shown = {
            "layers": list(net.widths),
            "activation": list(net.activations),
            "input": experiment.inputs.tolist(),
            "target": experiment.targets.tolist(),
            "learning_rate": experiment.learning_rate,
            "init": self._init_changes(experiment.init.scheme, experiment.init.seed, experiment.init.params),
        }
        self._updating = True
        try:
            self.widths.setText(", ".join(str(w) for w in net.widths))
            acts = net.activations
            uniform = len(set(acts)) == 1 or (len(set(acts[:-1])) == 1 and acts[-1] == "linear")
            self.activation.setCurrentIndex(self.activation.findData(acts[0] if uniform else PER_LAYER))
            self.per_layer.setText(", ".join(acts))
            self.init.setCurrentText(experiment.init.scheme)
            self.seed.setValue(experiment.init.seed)
            self._show_init_params(experiment.init.scheme, experiment.init.params)
            self.inputs.setText(_format_rows(experiment.inputs))
            self.targets.setText(_format_rows(experiment.targets))
            self.loss.setCurrentIndex(self.loss.findData(experiment.loss))
            self.learning_rate.setText(f"{experiment.learning_rate:g}")
            self.residual.setChecked(net.residual)
            self.preset.setItemText(0, NO_PRESET)
            self.preset.setCurrentIndex(max(self.preset.findText(experiment.name), 0))
        finally:
            self._updating = False
        self._remember_texts()
        self.clear_error()

    def _remember_texts(self) -> None:
        self._shown_texts = {field: field.text() for field in self.findChildren(QtWidgets.QLineEdit)}
        for field in self._shown_texts:
            if not field.hasFocus():  # a field being edited keeps its cursor where the user put it
                field.setCursorPosition(0)  # a text longer than its field shows its start, where one reads from

    def _untouched(self, field: QtWidgets.QLineEdit) -> bool:
        return self._shown_texts.get(field) == field.text()

    def show_story(self, weights_note: str, description: str) -> None:
        """Say how the weights were made and what the network is (both say "modified" once it is edited)."""
        self.weights_note.setText(weights_note)
        self.description.setText(description)
        self.description.setVisible(bool(description))

    def show_title(self, title: str) -> None:
        """Show the network's title in the Preset box: an edited preset reads "tiny-sigmoid (modified)"."""
        index = self.preset.findText(title)
        if index > 0:
            self.preset.setItemText(0, NO_PRESET)
            self.preset.setCurrentIndex(index)
        elif title.endswith(" (modified)"):
            # The first item names the edited network; choosing the preset itself loads it afresh.
            self.preset.setItemText(0, title)
            self.preset.setCurrentIndex(0)
        else:
            self.preset.setItemText(0, NO_PRESET)
            self.preset.setCurrentIndex(0)

    def _show_init_params(self, scheme: str, params: dict) -> None:
        values = {**INIT_PARAMETERS[scheme], **params}
        for name, field in self.init_params.items():
            shown = name in values
            field.setVisible(shown)
            self._init_param_labels[name].setVisible(shown)
            if shown:
                field.setText(format_number(values[name], 12, trailing_zeros=False).replace("−", "-"))
        self._form.setRowVisible(self.init_params_row, bool(values))

    def show_error(self, text: str) -> None:
        """Show why an edit was refused, naming the field as this form labels it; the network on screen is the
        one before it."""
        self.message.setText(f"Not applied: {in_form_words(text)}. The current network is unchanged.")
        self.message.show()

    def clear_error(self) -> None:
        self.message.clear()
        self.message.hide()

    # ------------------------------------------------------------------------------------------ edits

    def _apply(self, changes: dict) -> None:
        if not self._updating and self._shown:
            self.sigEditRequested.emit(changes)

    def _on_preset(self, index: int) -> None:
        if index > 0:
            self.sigPresetChosen.emit(self.preset.itemText(index))

    def _on_widths(self) -> None:
        text = self.widths.text()
        try:
            widths = [int(v) for v in text.replace(",", " ").split()]
        except ValueError:
            self.show_error("layers: give whole numbers separated by commas, input first, e.g. 1, 4, 4, 1")
            return
        if widths != self._shown.get("layers"):
            self._apply({"layers": widths})

    def _on_activation(self) -> None:
        name = self.activation.currentData()
        if name == PER_LAYER:
            self.per_layer.setFocus()
            return
        self._apply({"activation": name})

    def _on_per_layer(self) -> None:
        names = [v.strip() for v in self.per_layer.text().replace(";", ",").split(",") if v.strip()]
        if names != self._shown.get("activation"):
            self._apply({"activation": names})

    @staticmethod
    def _init_changes(scheme: str, seed: int, params: dict) -> dict:
        return {"scheme": scheme, "seed": int(seed), **{**INIT_PARAMETERS[scheme], **params}}

    def _init_request(self) -> dict | None:
        """The initialiser the fields show, as an ``init`` field, or None (with a message) if a value is not a number."""
        scheme = self.init.currentText()
        params = {}
        for name in INIT_PARAMETERS[scheme]:
            field = self.init_params[name]
            shown = self._shown.get("init", {})
            if self._untouched(field) and shown.get("scheme") == scheme:
                params[name] = shown[name]
                continue
            text = field.text().strip().replace("−", "-")
            try:
                params[name] = float(text)
            except ValueError:
                self.show_error(f"init.{name}: {text!r} is not a number")
                return None
        return self._init_changes(scheme, self.seed.value(), params)

    def _on_scheme(self) -> None:
        scheme = self.init.currentText()
        shown = self._shown.get("init", {})
        # Another scheme starts from its own defaults; back to the one on screen, its values return.
        kept = {k: v for k, v in shown.items() if k not in ("scheme", "seed")} if shown.get("scheme") == scheme else {}
        self._show_init_params(scheme, kept)
        self._on_init_changed()

    def _on_init_changed(self) -> None:
        """A changed scheme, seed or parameter draws new weights; leaving a field unchanged does nothing."""
        init = self._init_request()
        if init is not None and init != self._shown.get("init"):
            self._apply({"init": init})

    def _on_reinit(self) -> None:
        init = self._init_request()
        if init is not None:
            self._apply({"init": init})

    def _on_rows(self, key: str, field: QtWidgets.QLineEdit) -> None:
        if self._untouched(field):
            return
        try:
            rows = _parse_rows(field.text(), key)
        except NetworkFileError as exc:
            self.show_error(str(exc))
            return
        if rows != self._shown.get(key):
            self._apply({key: rows})

    def _on_learning_rate(self) -> None:
        if self._untouched(self.learning_rate):
            return
        text = self.learning_rate.text().strip()
        try:
            value = float(text)
        except ValueError:
            self.show_error(f"learning_rate: {text!r} is not a number")
            return
        if value != self._shown.get("learning_rate"):
            self._apply({"learning_rate": value})


class CompareBar(QtWidgets.QWidget):
    """The chooser above the Compare view: the right half's activation, its skip connections, and one
    colour scale for both halves or one each.

    A dumb view: a choice emits ``sigActivationChosen(name)``, ``sigResidualChosen(on)`` or
    ``sigSharedScaleChosen(shared)``; ``show_settings`` shows what the session runs, emitting nothing.
    """

    sigActivationChosen = QtCore.Signal(str)
    sigResidualChosen = QtCore.Signal(bool)
    sigSharedScaleChosen = QtCore.Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("compareBar")
        self.activation = QtWidgets.QComboBox()
        for name in ACTIVATION_NAMES:
            self.activation.addItem(ACTIVATIONS[name].label, name)
        self.activation.setToolTip("The right half runs the same weights with this activation on its hidden layers")
        self.activation.activated.connect(lambda index: self.sigActivationChosen.emit(self.activation.itemData(index)))
        self.residual = QtWidgets.QCheckBox("skip connections")
        self.residual.setToolTip("The right half adds each equal-width hidden layer's input to its output")
        self.residual.clicked.connect(lambda on: self.sigResidualChosen.emit(bool(on)))
        self.shared_scale = QtWidgets.QCheckBox("shared colour scale")
        self.shared_scale.setToolTip("One colour scale for both halves, so a colour means the same on either side")
        self.shared_scale.clicked.connect(lambda on: self.sigSharedScaleChosen.emit(bool(on)))
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(QtWidgets.QLabel("Right half: the same weights with"))
        row.addWidget(self.activation)
        row.addSpacing(12)
        row.addWidget(self.residual)
        row.addSpacing(12)
        row.addWidget(self.shared_scale)
        row.addStretch(1)

    def show_settings(self, settings) -> None:
        """Show a ``session.CompareSettings`` (the activation, residual and shared scale the session runs)."""
        for widget in (self.activation, self.residual, self.shared_scale):
            widget.blockSignals(True)
        try:
            self.activation.setCurrentIndex(self.activation.findData(settings.activation))
            self.residual.setChecked(settings.residual)
            self.shared_scale.setChecked(settings.shared_scale)
        finally:
            for widget in (self.activation, self.residual, self.shared_scale):
                widget.blockSignals(False)

    def settings_shown(self) -> tuple[str, bool, bool]:
        """(activation, residual, shared scale) as the bar shows them."""
        return self.activation.currentData(), self.residual.isChecked(), self.shared_scale.isChecked()
