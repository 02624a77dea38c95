"""genlab: train, sample and compare generative image models (GAN, DCGAN, VAE)."""

from genlab.resolvers import register as _register_resolvers

__version__ = "0.1.0"

_register_resolvers()
