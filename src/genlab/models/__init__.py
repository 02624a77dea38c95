"""Generative models: networks in `components/`, training logic in the LightningModules."""
