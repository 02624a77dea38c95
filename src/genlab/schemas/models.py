"""The model group: the GAN and VAE modules' options and each network's arguments, typed.
Which values are valid beyond their type (a positive learning rate, a known loss) the modules
and networks check themselves when they are built."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SelfConditioningConf:
    """G and D take cluster ids of the training images as labels (Liu et al. 2020)."""

    _target_: str = "genlab.models.components.clusters.PixelClusters"
    clusters: int = 0  # k (0: off); samples draw their cluster by its size, so no label is asked
    components: int = 32  # the pixel-space PCA the clusters are found in
    image_shape: list[Any] = field(default_factory=list)
    seed: int = 0
    method: str = "kmeans"  # kmeans | spectral (nearest-neighbour graph: purer; QUALITY.md)
    neighbors: int = 10  # spectral: the graph's neighbours per image


@dataclass
class AugmentConf:
    """DiffAugment on every D input, real and generated (policy []: off)."""

    policy: list[str] = field(default_factory=list)  # any of color, translation, cutout
    brightness: float = 0.5
    contrast: float = 0.25
    translation: float = 0.125
    cutout: float = 0.25


@dataclass
class GANModuleConf:
    """GANModule's options (genlab/models/gan_module.py says what each does); every default of
    a GAN lives here, and a config sets only what its recipe changes."""

    _target_: str = "genlab.models.gan_module.GANModule"
    _recursive_: bool = False  # the module builds its own networks: a checkpoint rebuilds them
    _convert_: str = "all"
    name: str = "gan"
    latent_dim: int = 100
    lr: float = 2.0e-4
    lr_d: float | None = None  # the discriminator's learning rate (null: lr); > lr is TTUR
    betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    loss: str = "bce"  # bce (non-saturating) | hinge | rpgan (relativistic pairing)
    class_loss_weight: float = 0.0  # with labels: D classifies real images, G its own (0: off)
    class_loss_weight_g: float | None = None  # G's side of it apart (null: class_loss_weight)
    r1_gamma: float = 0.0  # R1 on real images (Mescheder et al. 2018; 0: off)
    r1_every: int = 1  # R1 and R2 in every n-th D step only, weighted n times (lazy)
    r2_gamma: float = 0.0  # R2 on generated images (R3GAN, Huang et al. 2024; 0: off)
    pack: int = 1  # images per discriminator input (PacGAN, Lin et al. 2018; 1: off)
    conditional: bool = False  # G and D take a class label (needs a dataset with classes)
    self_conditioning: SelfConditioningConf = field(default_factory=SelfConditioningConf)
    augment: AugmentConf = field(default_factory=AugmentConf)
    generator: Any = None
    discriminator: Any = None


@dataclass
class VAEModuleConf:
    _target_: str = "genlab.models.vae_module.VAEModule"
    _recursive_: bool = False
    _convert_: str = "all"
    name: str = "vae"
    latent_dim: int = 32  # with width 64 and beta 0.1: sharper reconstructions (QUALITY.md)
    beta: float = 0.1  # < 1 trades prior fit for sharper codes; the gmm prior covers the gap
    lr: float = 1.0e-3
    # Where samples start: normal (the N(0, I) of the ELBO) or gmm (a Gaussian mixture fitted
    # to the training images' codes at every validation and at the end of fit).
    prior: str = "gmm"
    prior_components: int = 100  # better than 50 on 2 seeds of 3 (QUALITY.md, tenth round)
    prior_warm_start: bool = False  # each refit starts EM from the last fit (QUALITY.md)
    prior_tolerance: float = 1.0e-3  # EM stops when an iteration gains less log-likelihood
    conditional: bool = False  # encoder and decoder take a class label (a CVAE)
    encoder: Any = None
    decoder: Any = None


@dataclass
class MLPGeneratorConf:
    _target_: str = "genlab.models.components.mlp.MLPGenerator"
    image_shape: list[Any] = field(default_factory=list)
    hidden_dims: list[int] = field(default_factory=lambda: [256, 512, 1024])
    conditioning: str = "cbn"


@dataclass
class MLPDiscriminatorConf:
    _target_: str = "genlab.models.components.mlp.MLPDiscriminator"
    image_shape: list[Any] = field(default_factory=list)
    hidden_dims: list[int] = field(default_factory=lambda: [512, 256])
    spectral_norm: bool = False
    minibatch_std: bool = False


@dataclass
class ConvNetworkConf:
    """What every convolutional network is sized by."""

    _target_: str = "???"
    channels: int = 1
    image_size: int = 28
    width: int = 32


@dataclass
class DCGANGeneratorConf(ConvNetworkConf):
    _target_: str = "genlab.models.components.dcgan.DCGANGenerator"
    conditioning: str = "cbn"


@dataclass
class DCGANDiscriminatorConf(ConvNetworkConf):
    _target_: str = "genlab.models.components.dcgan.DCGANDiscriminator"
    spectral_norm: bool = False
    minibatch_std: bool = False


@dataclass
class ConvEncoderConf(ConvNetworkConf):
    _target_: str = "genlab.models.components.vae.ConvEncoder"


@dataclass
class ConvDecoderConf(ConvNetworkConf):
    _target_: str = "genlab.models.components.vae.ConvDecoder"


MODELS: dict[str, type] = {
    "gan_module": GANModuleConf,
    "vae_module": VAEModuleConf,
    "mlp_generator": MLPGeneratorConf,
    "mlp_discriminator": MLPDiscriminatorConf,
    "dcgan_generator": DCGANGeneratorConf,
    "dcgan_discriminator": DCGANDiscriminatorConf,
    "conv_encoder": ConvEncoderConf,
    "conv_decoder": ConvDecoderConf,
}


@dataclass
class ResidualNetworkConf(ConvNetworkConf):
    """R3GAN's residual networks (components/residual.py): `width` at the image's resolution,
    `blocks` per resolution, each widening by `expansion` around a 3x3 convolution in groups of
    `group_width` channels. Sized for the CPU budget of the DCGAN recipe (BENCHMARKS.md, "Step
    FLOP/s against a plain matmul")."""

    width: int = 8
    blocks: int = 1
    expansion: int = 2
    group_width: int = 8


@dataclass
class ResidualGeneratorConf(ResidualNetworkConf):
    _target_: str = "genlab.models.components.residual.ResidualGenerator"
    label_dim: int = 32


@dataclass
class ResidualDiscriminatorConf(ResidualNetworkConf):
    _target_: str = "genlab.models.components.residual.ResidualDiscriminator"


MODELS.update(
    {
        "residual_generator": ResidualGeneratorConf,
        "residual_discriminator": ResidualDiscriminatorConf,
    }
)


@dataclass
class UNetConf(ConvNetworkConf):
    _target_: str = "genlab.models.components.unet.UNet"
    width: int = 16
    # three resolutions (28, 14, 7 px): lower FID on every seed than [1, 2] (QUALITY.md, 20th round)
    multipliers: list[int] = field(default_factory=lambda: [1, 2, 4])
    blocks: int = 1
    groups: int = 8


@dataclass
class FlowModuleConf:
    _target_: str = "genlab.models.flow_module.FlowModule"
    _recursive_: bool = False
    _convert_: str = "all"
    name: str = "flow"
    lr: float = 1.0e-3
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    weight_decay: float = 0.0
    time_sampling: str = "logit_normal"
    solver: str = "midpoint"
    sampling_steps: int = 4
    # the solve under bf16 autocast: faster, at the same FID (QUALITY.md, twenty-first round)
    sampling_precision: str = "bf16-mixed"
    guidance: float = 1.0
    label_dropout: float = 0.1
    conditional: bool = False
    self_conditioning: SelfConditioningConf = field(default_factory=SelfConditioningConf)
    velocity: Any = None


MODELS.update(flow_module=FlowModuleConf, unet=UNetConf)
