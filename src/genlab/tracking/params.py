"""The params every run logs to MLflow: the hyperparameters a researcher compares, one fixed
list for every model, dataset and callback set.

MLflow's compare view lines runs up by param key, so every run must log the same keys: a key a
run's config lacks (a GAN's `model/beta`, a VAE's discriminator) is logged as "n/a". Paths,
class names and other plumbing stay out of the params; the whole resolved config is logged
beside them as `config/config.yaml`. A test checks that every tunable leaf of the shipped model
configs is in this list.
"""

from typing import Any

from omegaconf import DictConfig, OmegaConf

MISSING = "n/a"

COMPARED_PARAMS: tuple[str, ...] = (
    "model/name",
    "model/conditional",
    "model/latent_dim",
    "model/lr",
    "model/lr_d",
    "model/betas",
    "model/loss",
    "model/class_loss_weight",
    "model/class_loss_weight_g",
    "model/r1_gamma",
    "model/r1_every",
    "model/r2_gamma",
    "model/augment/policy",
    "model/augment/brightness",
    "model/augment/contrast",
    "model/augment/translation",
    "model/augment/cutout",
    "model/beta",
    "model/prior",
    "model/prior_components",
    "model/prior_warm_start",
    "model/prior_tolerance",
    "model/generator/width",
    "model/generator/hidden_dims",
    "model/generator/conditioning",
    "model/discriminator/width",
    "model/discriminator/hidden_dims",
    "model/discriminator/spectral_norm",
    "model/discriminator/minibatch_std",
    "model/self_conditioning/clusters",
    "model/self_conditioning/components",
    "model/self_conditioning/method",
    "model/self_conditioning/neighbors",
    "model/self_conditioning/seed",
    "model/encoder/width",
    "model/decoder/width",
    "model/generator/blocks",
    "model/generator/expansion",
    "model/generator/group_width",
    "model/generator/label_dim",
    "model/discriminator/blocks",
    "model/discriminator/expansion",
    "model/discriminator/group_width",
    "model/weight_decay",
    "model/time_sampling",
    "model/solver",
    "model/sampling_steps",
    "model/guidance",
    "model/label_dropout",
    "model/velocity/width",
    "model/velocity/multipliers",
    "model/velocity/blocks",
    "model/velocity/groups",
    "data/name",
    "data/image_size",
    "data/channels",
    "data/batch_size",
    "trainer/max_epochs",
    "trainer/max_steps",
    "trainer/precision",
    "trainer/accelerator",
    "trainer/devices",
    "trainer/num_nodes",
    "trainer/strategy",
    "trainer/accumulate_grad_batches",
    "trainer/gradient_clip_val",
    "callbacks/ema/enabled",
    "callbacks/ema/decay",
    "callbacks/ema/update_every_n_steps",
    "callbacks/ema/update_starting_at_step",
    "callbacks/fid_monitor/num_samples",
    "callbacks/channels_last/enabled",
    "callbacks/compile_networks/enabled",
    "callbacks/model_checkpoint/monitor",
    "seed",
    "eval/features",
    "eval/num_samples",
)


def compared_params(cfg: DictConfig) -> dict[str, Any]:
    """`COMPARED_PARAMS` read from the resolved config; "n/a" where the config has no value."""
    params = {}
    for key in COMPARED_PARAMS:
        value = OmegaConf.select(cfg, key.replace("/", "."), default=None)
        if OmegaConf.is_config(value):
            # As text: Lightning's MLFlowLogger drops empty lists (DiffAugment's policy [])
            value = str(OmegaConf.to_container(value, resolve=True))
        params[key] = MISSING if value is None else value
    return params
