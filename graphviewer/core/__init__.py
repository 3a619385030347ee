"""Qt-free core: open a model file, capture a forward pass, lay out its graph."""
