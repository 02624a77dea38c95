"""genlab: train, sample and compare generative image models (GAN, DCGAN, VAE)."""

__version__ = "0.1.0"
