"""genlab: train, sample and compare generative image models (GAN, DCGAN, VAE)."""

from genlab.schemas import register as _register_schemas
from genlab.utils.resolvers import register as _register_resolvers

__version__ = "0.1.0"

# What genlab's configs need of OmegaConf and Hydra: its resolvers, and its config schemas in
# Hydra's ConfigStore (group `schema/`). Registered, never patched.
_register_resolvers()
_register_schemas()
