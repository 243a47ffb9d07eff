"""Which selections name a unit of a network: an input neuron does, an edge into the inputs does not."""

from gradviz.files.network_file import load_preset
from gradviz.core.session import Session, selection_fits


def test_input_neurons_fit_and_edges_start_at_layer_one():
    network = load_preset("deep-sigmoid").network
    inputs, first = network.widths[0], network.widths[1]
    assert selection_fits(("neuron", 0, 0), network)
    assert selection_fits(("neuron", 0, inputs - 1), network)
    assert not selection_fits(("neuron", 0, inputs), network)
    assert not selection_fits(("neuron", -1, 0), network)
    assert not selection_fits(("neuron", network.depth + 1, 0), network)
    assert not selection_fits(("edge", 0, 0, 0), network)
    assert selection_fits(("edge", 1, first - 1, inputs - 1), network)
    assert not selection_fits(("edge", 1, first, 0), network)


def test_a_session_with_an_input_neuron_selected_restores(tmp_path):
    session = Session(load_preset("tiny-sigmoid"))
    session.view.select(("neuron", 0, 0))
    restored = Session.from_data(session.to_data())
    assert restored.view.selection == ("neuron", 0, 0)
