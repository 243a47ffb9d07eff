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


def test_an_edge_is_looked_up_in_one_slice_and_a_new_picture_at_once(raster, monkeypatch):
    """Strips that changed side by side are looked up together; where most changed, the whole picture once."""
    from gradviz.ui.diagram import raster as raster_module

    rng = np.random.default_rng(3)
    lut = _random_lut(raster, rng)
    raster.colour(lut)
    shapes = []
    take = np.take

    def counted(table, ids, *args, **kwargs):
        shapes.append(ids.shape)
        return take(table, ids, *args, **kwargs)

    monkeypatch.setattr(raster_module.np, "take", counted)
    edges = raster.ids[(raster.ids >= raster.edge_base) & (raster.ids < raster.node_base)]
    edge_id = np.bincount(edges).argmax()
    lut = lut.copy()
    lut[edge_id] ^= np.uint32(0x00FFFFFF)
    assert np.array_equal(raster.colour(lut), lut[raster.ids])
    columns = np.flatnonzero((raster.ids == edge_id).any(axis=0))
    first, last = columns.min() // STRIP_PX, columns.max() // STRIP_PX
    assert last > first  # the edge crosses several strips ...
    width = min(raster.width, (last + 1) * STRIP_PX) - first * STRIP_PX
    assert shapes == [(raster.height, width)]  # ... looked up as one slice of them
    shapes.clear()
    lut = _random_lut(raster, rng)  # every colour new
    assert np.array_equal(raster.colour(lut), lut[raster.ids])
    assert shapes == [raster.ids.shape]
