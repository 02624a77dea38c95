"""The model group: the GAN and VAE modules' options and each network's arguments, typed.
Which values are valid beyond their type (a positive learning rate, a known loss) the modules
and networks check themselves when they are built."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SelfConditioningConf:
    _target_: str = "genlab.models.components.clusters.PixelClusters"
    clusters: int = 0
    components: int = 32
    image_shape: list[Any] = field(default_factory=list)
    seed: int = 0
    method: str = "kmeans"
    neighbors: int = 10


@dataclass
class AugmentConf:
    policy: list[str] = field(default_factory=list)
    brightness: float = 0.5
    contrast: float = 0.25
    translation: float = 0.125
    cutout: float = 0.25


@dataclass
class GANModuleConf:
    _target_: str = "genlab.models.gan_module.GANModule"
    _recursive_: bool = False
    _convert_: str = "all"
    name: str = "gan"
    latent_dim: int = 100
    lr: float = 2.0e-4
    lr_d: float | None = None
    betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    loss: str = "bce"
    class_loss_weight: float = 0.0
    class_loss_weight_g: float | None = None
    r1_gamma: float = 0.0
    r1_every: int = 1
    r2_gamma: float = 0.0
    conditional: bool = False
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
    latent_dim: int = 16
    beta: float = 1.0
    lr: float = 1.0e-3
    prior: str = "normal"
    prior_components: int = 20
    prior_warm_start: bool = False
    prior_tolerance: float = 1.0e-3
    conditional: bool = False
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
    multipliers: list[int] = field(default_factory=lambda: [1, 2])
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
    sampling_steps: int = 8
    guidance: float = 1.0
    label_dropout: float = 0.1
    conditional: bool = False
    self_conditioning: SelfConditioningConf = field(default_factory=SelfConditioningConf)
    velocity: Any = None


MODELS.update(flow_module=FlowModuleConf, unet=UNetConf)
