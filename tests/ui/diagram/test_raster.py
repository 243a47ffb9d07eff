"""The edge-id raster's recolouring: only strips whose colours changed are looked up again, with the same pixels."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.ui.diagram.layout import layout_for_theme
from gradviz.ui.diagram.raster import STRIP_PX, IdRaster
from gradviz.ui.theme import SCREEN


@pytest.fixture(scope="module")
def raster():
    layout = layout_for_theme((64,) * 26, 1400, 900, SCREEN)
    return IdRaster(layout, 1.0, 2)


def _random_lut(raster, rng):
    return rng.integers(0, 2**32, raster.id_count, dtype=np.uint64).astype(np.uint32)


def test_recolouring_gives_every_pixel_its_ids_colour(raster):
    rng = np.random.default_rng(1)
    lut = _random_lut(raster, rng)
    assert np.array_equal(raster.colour(lut), lut[raster.ids])
    for changes in (1, 7, 500, raster.id_count):
        lut = lut.copy()
        ids = rng.choice(raster.id_count, changes, replace=False)
        lut[ids] = rng.integers(0, 2**32, changes, dtype=np.uint64).astype(np.uint32)
        assert np.array_equal(raster.colour(lut), lut[raster.ids]), changes
    same = lut.copy()
    assert np.array_equal(raster.colour(same), lut[raster.ids])


def test_one_edge_recoloured_changes_the_pixels_of_that_edge_only(raster):
    rng = np.random.default_rng(2)
    lut = _random_lut(raster, rng)
    before = raster.colour(lut).copy()
    edges = raster.ids[(raster.ids >= raster.edge_base) & (raster.ids < raster.node_base)]
    edge_id = np.bincount(edges).argmax()  # the edge with the most pixels
    lut = lut.copy()
    lut[edge_id] ^= np.uint32(0x00FFFFFF)
    after = raster.colour(lut)
    columns = np.flatnonzero((raster.ids == edge_id).any(axis=0))
    assert columns.size
    assert np.array_equal(after != before, raster.ids == edge_id)
    assert np.array_equal(after, lut[raster.ids])
    assert columns.max() - columns.min() + STRIP_PX < raster.width  # so most strips keep their pixels


def test_a_table_of_the_wrong_size_is_refused(raster):
    with pytest.raises(ValueError, match="look-up table"):
        raster.colour(np.zeros(raster.id_count - 1, np.uint32))
