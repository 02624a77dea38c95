"""The ablation's rows (benchmarks/quality.py): name -> train.py overrides.

Every row trains one model at its pipeline budget (`experiment=<model>`: the same epochs, the
same data) and changes one thing against the row named `<model>/default` (the shipped recipe),
so each difference is that technique's. `old-recipe` rows put back what genlab shipped before.
Rows of options since removed (lr decay, top-k, a fading class loss) ran at ca7569a, which
reproduces them (QUALITY.md).
"""


def _vae(width: int, beta: float, latent: int) -> list[str]:
    return [f"model.encoder.width={width}", f"model.beta={beta}", f"model.latent_dim={latent}"]


def _flow(multipliers: str, layout: str, *extra: str) -> list[str]:
    """The flow recipe with its UNet's resolutions and layout spelled out, so a row means the
    same under any later default (QUALITY.md, twentieth round, changed both)."""
    return [
        "experiment=flow",
        f"model.velocity.multipliers={multipliers}",
        f"callbacks.channels_last.enabled={'true' if layout == 'channels-last' else 'false'}",
        *extra,
    ]


ROWS: dict[str, list[str]] = {
    # DCGAN, unconditional
    "dcgan/default": ["experiment=dcgan"],
    "dcgan/old-recipe (lr 2e-4)": ["experiment=dcgan", "model.lr=2e-4"],
    "dcgan/+ema": [  # from batch 750 of 1860, decay 0.998 a batch
        "experiment=dcgan",
        "callbacks.ema.enabled=true",
        "callbacks.ema.update_starting_at_step=1500",
    ],
    "dcgan/+hinge": ["experiment=dcgan", "model.loss=hinge"],
    "dcgan/+spectral-norm": ["experiment=dcgan", "model.discriminator.spectral_norm=true"],
    "dcgan/+ttur (lr_d 2x)": ["experiment=dcgan", "model.lr_d=4e-3"],
    "dcgan/+diffaugment": ["experiment=dcgan", "model.augment.policy=[translation,cutout]"],
    "dcgan/float32": ["experiment=dcgan", "trainer.precision=32-true"],
    "dcgan/+minibatch-std": ["experiment=dcgan", "model.discriminator.minibatch_std=true"],
    "dcgan/betas 0.0,0.99": ["experiment=dcgan", "model.betas=[0.0,0.99]"],
    # Self-conditioning: the default since the sixth round, with 10 clusters
    "dcgan/-self-conditioning": ["experiment=dcgan", "model.self_conditioning.clusters=0"],
    "dcgan/self-conditioning k=20": ["experiment=dcgan", "model.self_conditioning.clusters=20"],
    # Seventh round: spectral clustering became the default (k=10 for the DCGAN, k=20 for the
    # MLP GAN); the rows below say their method, so they mean the same under either default.
    "dcgan/kmeans k=10": ["experiment=dcgan", "model.self_conditioning.method=kmeans"],
    "dcgan/spectral k=10": ["experiment=dcgan", "model.self_conditioning.method=spectral"],
    "dcgan/spectral k=20": [
        "experiment=dcgan",
        "model.self_conditioning.method=spectral",
        "model.self_conditioning.clusters=20",
    ],
    "dcgan/spectral k=10, +ema": [
        "experiment=dcgan",
        "model.self_conditioning.method=spectral",
        "callbacks.ema.enabled=true",
        "callbacks.ema.update_starting_at_step=1501",
    ],
    "dcgan/spectral k=30": [
        "experiment=dcgan",
        "model.self_conditioning.method=spectral",
        "model.self_conditioning.clusters=30",
    ],
    "dcgan/40 epochs": ["experiment=dcgan", "trainer.max_epochs=40"],
    "dcgan/ema decay 0.999": ["experiment=dcgan", "callbacks.ema.decay=0.999"],
    "dcgan/cluster loss 0.2": ["experiment=dcgan", "model.class_loss_weight=0.2"],
    "dcgan/cluster loss 1": ["experiment=dcgan", "model.class_loss_weight=1.0"],
    # R1 in every D step (r1_every=1) until the thirteenth round made it every 4th
    "dcgan/r1 0.1": ["experiment=dcgan", "model.r1_gamma=0.1", "model.r1_every=1"],
    "dcgan/r1 1": ["experiment=dcgan", "model.r1_gamma=1.0", "model.r1_every=1"],
    "dcgan/r1 4": ["experiment=dcgan", "model.r1_gamma=4.0", "model.r1_every=1"],
    "dcgan/r1 2": ["experiment=dcgan", "model.r1_gamma=2.0", "model.r1_every=1"],
    "dcgan/r1 1 every 4": ["experiment=dcgan", "model.r1_gamma=1.0", "model.r1_every=4"],
    "dcgan/r1 1 every 16": ["experiment=dcgan", "model.r1_gamma=1.0", "model.r1_every=16"],
    "dcgan/generator width 48": ["experiment=dcgan", "model.generator.width=48"],
    # DCGAN, conditional
    "cdcgan/default": ["experiment=cdcgan"],
    "cdcgan/float32": ["experiment=cdcgan", "trainer.precision=32-true"],
    "cdcgan/concat": ["experiment=cdcgan", "model.generator.conditioning=concat"],
    "cdcgan/+ema": [
        "experiment=cdcgan",
        "callbacks.ema.enabled=true",
        "callbacks.ema.update_starting_at_step=1500",
    ],
    "cdcgan/40 epochs": ["experiment=cdcgan", "trainer.max_epochs=40"],
    "cdcgan/class loss 0.2": ["experiment=cdcgan", "model.class_loss_weight=0.2"],
    "cdcgan/class loss 1": ["experiment=cdcgan", "model.class_loss_weight=1.0"],
    "cdcgan/class loss 0.05": ["experiment=cdcgan", "model.class_loss_weight=0.05"],
    "cdcgan/r1 1": ["experiment=cdcgan", "model.r1_gamma=1.0", "model.r1_every=1"],
    "cdcgan/r1 2": ["experiment=cdcgan", "model.r1_gamma=2.0", "model.r1_every=1"],
    "cdcgan/r1 1 every 4": ["experiment=cdcgan", "model.r1_gamma=1.0", "model.r1_every=4"],
    "cdcgan/r1 1 every 16": ["experiment=cdcgan", "model.r1_gamma=1.0", "model.r1_every=16"],
    "cdcgan/generator width 48": ["experiment=cdcgan", "model.generator.width=48"],
    "cdcgan/generator width 32": ["experiment=cdcgan", "model.generator.width=32"],  # until 366ab4f
    "cdcgan/38 epochs": ["experiment=cdcgan", "trainer.max_epochs=38"],  # G width 48's time
    "cdcgan/width 48": [
        "experiment=cdcgan",
        "model.generator.width=48",
        "model.discriminator.width=48",
    ],
    "cdcgan/r1 0.5": ["experiment=cdcgan", "model.r1_gamma=0.5", "model.r1_every=1"],
    "cdcgan/r1 1, class loss 0.2, D only": [
        "experiment=cdcgan",
        "model.r1_gamma=1.0",
        "model.r1_every=1",
        "model.class_loss_weight=0.2",
        "model.class_loss_weight_g=0",
    ],
    "cdcgan/class loss 0.2, D only": [
        "experiment=cdcgan",
        "model.class_loss_weight=0.2",
        "model.class_loss_weight_g=0",
    ],
    # MLP GAN
    "gan/default": ["experiment=gan"],
    "gan/old-recipe (lr 2e-4, no ema)": [
        "experiment=gan",
        "model.lr=2e-4",
        "callbacks.ema.enabled=false",
    ],
    "gan/-ema": ["experiment=gan", "callbacks.ema.enabled=false"],
    "gan/r1 1 every 4": ["experiment=gan", "model.r1_gamma=1.0", "model.r1_every=4"],
    "gan/r1 0.1 every 4": ["experiment=gan", "model.r1_gamma=0.1", "model.r1_every=4"],
    "gan/float32": ["experiment=gan", "trainer.precision=32-true"],
    "gan/+hinge": ["experiment=gan", "model.loss=hinge"],
    "gan/+spectral-norm": ["experiment=gan", "model.discriminator.spectral_norm=true"],
    "gan/+minibatch-std": ["experiment=gan", "model.discriminator.minibatch_std=true"],
    "gan/kmeans k=20": ["experiment=gan", "model.self_conditioning.method=kmeans"],
    "gan/spectral k=20": ["experiment=gan", "model.self_conditioning.method=spectral"],
    "gan/48 epochs": ["experiment=gan", "trainer.max_epochs=48"],
    "gan/-self-conditioning": ["experiment=gan", "model.self_conditioning.clusters=0"],
    "gan/conditional cbn": ["experiment=gan", "model.conditional=true"],
    "gan/conditional concat": [
        "experiment=gan",
        "model.conditional=true",
        "model.generator.conditioning=concat",
    ],
    # Cheaper steps (BENCHMARKS.md, "CPU settings for a training step"): batch 128 with the
    # learning rate scaled by sqrt(2) (Adam's square-root rule), schedules in steps halved; with
    # the code's bf16-mixed precision and fused Adam since they came in.
    "gan/batch 128": [
        "experiment=gan",
        "data.batch_size=128",
        "model.lr=1.41e-3",
        "callbacks.ema.update_starting_at_step=1500",
    ],
    "dcgan/batch 128": ["experiment=dcgan", "data.batch_size=128", "model.lr=2.83e-3"],
    "cdcgan/batch 128": ["experiment=cdcgan", "data.batch_size=128", "model.lr=2.83e-3"],
    "vae/warm mixture": ["experiment=vae", "model.prior_warm_start=true"],
    "vae/batch 128, warm mixture": [
        "experiment=vae",
        "data.batch_size=128",
        "model.lr=1.41e-3",
        "model.prior_warm_start=true",
    ],
    # Issue 33: the loss (bce vs rpgan), R1 vs R1 + R2, and the network (DCGAN vs R3GAN's
    # residual one), each at its recipe's CPU budget (experiment=r3gan trains fewer epochs).
    "r3gan/default": ["experiment=r3gan"],
    "r3gan/bce": ["experiment=r3gan", "model.loss=bce"],
    "r3gan/R1 only": ["experiment=r3gan", "model.r2_gamma=0.0"],
    "r3gan/lr 2e-3": ["experiment=r3gan", "model.lr=2e-3"],
    "r3gan/lr 2e-3, R1 1, R2 1": [
        "experiment=r3gan",
        "model.lr=2e-3",
        "model.r1_gamma=1.0",
        "model.r2_gamma=1.0",
    ],
    "r3gan/betas 0.5,0.999": ["experiment=r3gan", "model.betas=[0.5,0.999]"],
    # Averaged G weights, as the DCGAN recipe has and R3GAN's own trainer keeps (its G_ema):
    # from batch 400 of ~940 (the DCGAN recipe's starts at batch 750 of ~1,880), with a
    # horizon (1 / (1 - decay) = 200 batches) that the ~540 averaged batches outlast.
    "r3gan/ema": [
        "experiment=r3gan",
        "callbacks.ema.enabled=true",
        "callbacks.ema.decay=0.995",
        "callbacks.ema.update_starting_at_step=801",
    ],
    # The conditional variant (issue 33's label-accuracy target), told the class as the cDCGAN.
    "cr3gan/default": [
        "experiment=r3gan",
        "model.conditional=true",
        "model.self_conditioning.clusters=0",
    ],
    # Network or budget: twice the width at the recipe's epochs, and twice the epochs.
    "r3gan/width 16": [
        "experiment=r3gan",
        "model.generator.width=16",
        "model.discriminator.width=16",
    ],
    "r3gan/30 epochs": [
        "experiment=r3gan",
        "trainer.max_epochs=30",
        "trainer.check_val_every_n_epoch=2",
    ],
    # Issue 34: the flow recipe, its time sampling, and its conditional variant.
    "flow/default": ["experiment=flow"],
    # QUALITY.md's eighteenth round compared these two at 4c928b2 (two levels, channels-last)
    "flow/no ema": ["experiment=flow", "callbacks.ema.enabled=false"],
    "flow/uniform time": ["experiment=flow", "model.time_sampling=uniform"],
    "flow/36 epochs": ["experiment=flow", "trainer.max_epochs=36"],  # the budget frontier
    "cflow/default": ["experiment=flow", "model.conditional=true"],
    # The recipe before QUALITY.md's twentieth round: two resolutions, channels-last.
    "flow/2 levels, channels-last": _flow("[1,2]", "channels-last"),
    # A third resolution (7 px): the 2-level UNet's receptive field is about a digit's size.
    "flow/3 levels": _flow("[1,2,2]", "channels-last"),
    "flow/3 levels, x4": _flow("[1,2,4]", "channels-last"),
    # NCHW: channels-last doubles the UNet's bf16 step (BENCHMARKS.md, "Step FLOP/s")
    "flow/3 levels, x4, nchw": _flow("[1,2,4]", "nchw"),
    "flow/3 levels, x4, nchw, lr 2e-3": _flow("[1,2,4]", "nchw", "model.lr=2e-3"),
    "flow/3 levels, x4, nchw, batch 32": _flow("[1,2,4]", "nchw", "data.batch_size=32"),
    "flow/3 levels, x4, nchw, 20 epochs": _flow("[1,2,4]", "nchw", "trainer.max_epochs=20"),
    "flow/ema 0.995 from step 301": [
        "experiment=flow",
        "callbacks.ema.enabled=true",
        "callbacks.ema.decay=0.995",
        "callbacks.ema.update_starting_at_step=301",
    ],
    "dcgan/+rpgan": ["experiment=dcgan", "model.loss=rpgan"],
    "dcgan/+r2": ["experiment=dcgan", "model.r2_gamma=1.0"],
    "dcgan/+rpgan, +r2": ["experiment=dcgan", "model.loss=rpgan", "model.r2_gamma=1.0"],
    # VAE
    "vae/default": ["experiment=vae"],
    "vae/mixture tolerance 0.01": ["experiment=vae", "model.prior_tolerance=0.01"],
    "vae/old-recipe (normal prior, beta 1)": [
        "experiment=vae",
        "model.prior=normal",
        "model.beta=1.0",
    ],
    "vae/beta 1": ["experiment=vae", "model.beta=1.0"],
    "vae/beta 0.25": ["experiment=vae", "model.beta=0.25"],
    "vae/50 components": ["experiment=vae", "model.prior_components=50"],  # default until round 10
    "vae/20 components": ["experiment=vae", "model.prior_components=20"],  # the default before it
    # Seventh round: the default became width 64, beta 0.1, latent 32. Its rows, by what they
    # set against the sixth round's recipe (width 32, beta 0.5, latent 16); each list spells out
    # the whole network so that it means the same under any later default.
    "vae/sixth round (width 32, beta 0.5, latent 16)": [
        "experiment=vae",
        *_vae(32, 0.5, 16),
    ],
    "vae/width 64": ["experiment=vae", *_vae(64, 0.5, 16)],
    "vae/width 48": ["experiment=vae", *_vae(48, 0.5, 16)],
    "vae/latent 32": ["experiment=vae", *_vae(32, 0.5, 32)],
    "vae/beta 0.1": ["experiment=vae", *_vae(32, 0.1, 16)],
    "vae/beta 0.05": ["experiment=vae", *_vae(32, 0.05, 16)],
    "vae/width 64, latent 32": ["experiment=vae", *_vae(64, 0.5, 32)],
    "vae/width 64, beta 0.1": ["experiment=vae", *_vae(64, 0.1, 16)],
    "vae/width 48, beta 0.1": ["experiment=vae", *_vae(48, 0.1, 16)],
    "vae/width 64, beta 0.1, latent 32 (the default)": ["experiment=vae", *_vae(64, 0.1, 32)],
    "vae/width 64, beta 0.1, 100 components": [
        "experiment=vae",
        *_vae(64, 0.1, 16),
        "model.prior_components=100",
    ],
    "vae/100 components, latent 32": ["experiment=vae", "model.prior_components=100"],  # default
    "vae/+ema": [  # from batch 1000 of 2480
        "experiment=vae",
        "callbacks.ema.enabled=true",
        "callbacks.ema.update_starting_at_step=1000",
    ],
}
