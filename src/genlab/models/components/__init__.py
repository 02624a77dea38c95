"""Plain `nn.Module` networks, free of training logic, so they can be reused and tested alone."""
