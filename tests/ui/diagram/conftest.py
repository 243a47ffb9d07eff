import pytest

from gradviz.ui.diagram import NetworkView


@pytest.fixture
def view(qtbot):
    """A shown 900 x 600 NetworkView."""
    widget = NetworkView()
    widget.resize(900, 600)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
