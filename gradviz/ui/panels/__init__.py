"""The docked panels: each a dumb view that draws what it is given through its ``show_*`` methods."""

from .activation_curves import ActivationCurvesPanel
from .depth_chain import DepthChainPanel
from .gradient_bars import GradientBarsPanel
from .training_history import TrainingPanel

__all__ = ["ActivationCurvesPanel", "DepthChainPanel", "GradientBarsPanel", "TrainingPanel"]
