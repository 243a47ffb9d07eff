"""The names the CLI, the window and the dialogs share: themes and colour modes (no Qt here; the views are
listed once, in ``gradviz.ui.views.registry``)."""

from __future__ import annotations

from .core.choices import check_name

#: Themes: dark for a screen, white and large print for a projector.
THEME_NAMES = ("screen", "slides")
DEFAULT_THEME = "screen"
#: Exports are slides: the light, large-print theme unless asked otherwise (`--theme screen` for dark).
DEFAULT_EXPORT_THEME = "slides"
#: Colour modes of the diagram's edges, each with what it maps (and so what the edges' labels print).
COLOR_MODES = {
    "gradient": "|∂L/∂w| (log scale)",
    "weight": "weight w (by sign)",
    "activation": "|activation| of the source neuron",
    "weight-and-gradient": "|∂L/∂w|, labelled w and ∂L/∂w",
}
#: Modes coloured as another mode and labelled differently: "weight-and-gradient" colours by the gradient and
#: prints each edge's weight beside its gradient.
COLOURED_AS = {"weight-and-gradient": "gradient"}
DEFAULT_COLOR_MODE = "gradient"


def check_color_mode(mode) -> str:
    """``mode`` when it is a colour mode; else an ``UnknownNameError`` (a ``ValueError``) naming the choices.
    The one check of a colour mode."""
    return check_name("colour mode", mode, tuple(COLOR_MODES))


def edge_colouring(mode) -> str:
    """The colour mode whose colour map and scale ``mode`` colours its edges with ("gradient" for
    "weight-and-gradient"); checked through :func:`check_color_mode`."""
    mode = check_color_mode(mode)
    return COLOURED_AS.get(mode, mode)


#: The preset the window starts on when nothing else is asked for (and File > New opens).
DEFAULT_PRESET = "tiny-sigmoid"


#: The depth chain (gradient vs depth): the pre-activation x it may sit at and the most layers it runs to.
DEPTH_CHAIN_X_LIMITS = (-50.0, 50.0)
DEPTH_CHAIN_MAX_DEPTH = 64
