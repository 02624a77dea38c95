"""What each sample-quality option costs per training step, against the model's default step.

    python benchmarks/quality_costs.py [--steps 150]

Two copies of a model train side by side on the same real digits, one step each in turn
(lockstep): the default and the one with an option. The figure is the median of the per-pair
step-time ratios, option / default, so the machine's drift cancels. Each step is the modules'
own: `_discriminator_loss`/`_generator_loss` (so DiffAugment, hinge loss and spectral norm run
as in training), `elbo_terms` for the VAE; an EMA step adds Lightning's update of the averaged
copy (`AveragedModel` with `get_ema_avg_fn`, as `EMAWeightAveraging` builds it).
"""

import argparse
import statistics

import torch
from framework_overhead import BATCH, real_digits
from hydra.utils import instantiate
from timing import compose_config, lockstep, machine
from torch.optim.swa_utils import AveragedModel, get_ema_avg_fn

OPTIONS = {
    "gan": {
        "ema (update every batch)": ["ema"],
        "spectral norm": ["model.discriminator.spectral_norm=true"],
        "hinge": ["model.loss=hinge"],
        "conditional (cbn)": ["model.conditional=true"],
    },
    "dcgan": {
        "ema (update every batch)": ["ema"],
        "diffaugment translation,cutout": ["model.augment.policy=[translation,cutout]"],
        "spectral norm": ["model.discriminator.spectral_norm=true"],
        "hinge": ["model.loss=hinge"],
        "conditional (cbn)": ["model.conditional=true"],
        "conditional (concat)": ["model.conditional=true", "model.generator.conditioning=concat"],
        # every step: a module outside a Trainer is always at D step 0, where R1 is due
        "r1 (every step)": ["model.r1_gamma=1"],
    },
    "vae": {"ema (update every batch)": ["ema"], "conditional": ["model.conditional=true"]},
}


class Loop:
    def __init__(self, model: str, overrides: list[str], data: torch.Tensor, labels) -> None:
        self.ema = "ema" in overrides
        overrides = [o for o in overrides if o != "ema"]
        cfg = compose_config("train", [f"model={model}", *overrides, "paths.output_dir=/tmp/x"])
        torch.manual_seed(0)
        classes = {"num_classes": 10, "class_counts": [1] * 10} if cfg.model.conditional else {}
        self.module = instantiate(cfg.model, **classes).train()
        self.model, self.data, self.labels, self.at = model, data, labels, 0
        self.optimizers = self.module.configure_optimizers()
        self.average = (
            AveragedModel(self.module, avg_fn=get_ema_avg_fn(0.998), use_buffers=True)
            if self.ema
            else None
        )

    def step(self) -> None:
        module = self.module
        index = torch.arange(self.at, self.at + BATCH) % len(self.data)
        self.at += BATCH
        real = self.data[index]
        labels = self.labels[index] if module.conditional else None
        if self.model == "vae":
            loss = module.elbo_terms(real, labels)["loss"]
            self.optimizers.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizers.step()
        else:
            opt_g, opt_d = self.optimizers
            fake = module.generator(module.sample_noise(BATCH), labels)
            d_loss = module._discriminator_loss(real, fake.detach(), labels)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = module._generator_loss(fake, labels)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
        if self.average is not None:
            self.average.update_parameters(module)


def paired(model: str, overrides: list[str], steps: int, data, labels) -> tuple[float, float]:
    default, optioned = Loop(model, [], data, labels), Loop(model, overrides, data, labels)
    for _ in range(10):
        default.step()
        optioned.step()
    pairs = lockstep(default.step, optioned.step, steps)
    return statistics.median(a for a, _ in pairs), statistics.median(b / a for a, b in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    digits = real_digits()
    data, labels = digits.tensors
    print(f"# {machine()}, {torch.get_num_threads()} threads, {args.steps} pairs, batch {BATCH}")
    print("| model | option | default ms/step | option / default |")
    print("|---|---|---:|---:|")
    for model, options in OPTIONS.items():
        for name, overrides in options.items():
            base, ratio = paired(model, overrides, args.steps, data, labels)
            print(f"| {model} | {name} | {base * 1e3:.1f} | {ratio:.3f} |", flush=True)


if __name__ == "__main__":
    main()
