import pyqtgraph as pg


def test_leak_fixture_allows_clean_widget(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.show()
    w.plot([1, 2, 3])
    assert w.isVisible()
