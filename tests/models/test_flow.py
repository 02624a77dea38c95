"""The flow-matching model: its loss is the formula, its solvers integrate known fields with the
right number of velocity evaluations, guidance mixes the two velocities, and it keeps every
genlab model's contract (range, pt2 model at any batch size, training, EMA, resume, bad input)."""

import math
from pathlib import Path

import mlflow
import pytest
import torch
from mlflow_uri import global_tracking_uri
from test_learning import build, fit_steps
from torch import nn

from genlab.app.cli import user_error
from genlab.callbacks.ema import EMA
from genlab.models.checkpoints import load_module
from genlab.models.flow_module import FlowModule
from genlab.utils.errors import GenlabError

TINY = ["model.velocity.width=4"]  # a few thousand weights: every test here stays fast
COUNTS = [3, 1, 2, 0, 0, 0, 0, 0, 0, 4]


def flow(*overrides: str, **kwargs) -> FlowModule:
    return build("flow", *TINY, *overrides, **kwargs)


def conditional_flow(*overrides: str) -> FlowModule:
    return flow("model.conditional=true", *overrides, num_classes=10, class_counts=COUNTS)


class Field(nn.Module):
    """A velocity field given as a function of (x, t); counts its evaluations and the images
    it was asked about, and keeps the last inputs."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.calls = 0
        self.images = 0
        self.inputs: tuple = ()

    def forward(self, x, t, labels=None):
        self.calls += 1
        self.images += x.shape[0]
        self.inputs = (x, t, labels)
        return self.fn(x, t.view(-1, 1, 1, 1))


def test_the_loss_is_the_mean_squared_error_against_x_minus_z_on_the_straight_path() -> None:
    module = flow()
    module.velocity = Field(lambda x, t: 2 * x + t)  # any known field
    images = torch.tensor([0.5, -1.0]).view(2, 1, 1, 1).expand(2, 1, 28, 28)
    z = torch.tensor([1.0, 0.25]).view(2, 1, 1, 1).expand(2, 1, 28, 28)
    t = torch.tensor([0.25, 0.5])
    # By hand: x_t = (1 - t) z + t x = [0.875, -0.375]; v = 2 x_t + t = [2.0, -0.25];
    # target x - z = [-0.5, -1.25]; squared errors [6.25, 1.0], mean 3.625.
    loss = module.flow_loss(images, z=z, t=t)
    torch.testing.assert_close(module.velocity.inputs[0][:, 0, 0, 0], torch.tensor([0.875, -0.375]))
    assert loss.item() == pytest.approx(3.625)


@pytest.mark.parametrize("solver", ["euler", "midpoint", "heun"])
@pytest.mark.parametrize("steps", [1, 3])
def test_a_constant_velocity_moves_the_noise_by_it_in_any_solver(solver: str, steps: int) -> None:
    module = flow(f"model.solver={solver}", f"model.sampling_steps={steps}")
    module.velocity = Field(lambda x, t: torch.full_like(x, 0.5))
    z = torch.rand(5, module.latent_dim) - 0.5
    images = module.generate(z)
    torch.testing.assert_close(images, z.view(5, 1, 28, 28) + 0.5)
    assert module.velocity.calls == steps * {"euler": 1, "midpoint": 2, "heun": 2}[solver]


@pytest.mark.parametrize(
    ("solver", "growth"),
    [("euler", lambda h: 1 + h), ("midpoint", lambda h: 1 + h + h * h / 2), ("heun", None)],
)
def test_each_solver_takes_its_own_step_on_a_linear_field(solver: str, growth) -> None:
    """dx/dt = x from x0: Euler multiplies by 1 + h per step, midpoint and Heun (second order)
    by 1 + h + h^2/2; v = t (exact: x0 + 1/2) tells the two second-order methods from Euler."""
    growth = growth or (lambda h: 1 + h + h * h / 2)
    steps, h = 4, 0.25
    module = flow(f"model.solver={solver}", f"model.sampling_steps={steps}")
    z = torch.full((2, module.latent_dim), 0.1)
    module.velocity = Field(lambda x, t: x)
    expected = 0.1 * growth(h) ** steps
    torch.testing.assert_close(module.generate(z), torch.full((2, 1, 28, 28), expected))
    assert expected != pytest.approx(0.1 * math.e, abs=1e-4)  # a step, not the exact solution

    module.velocity = Field(lambda x, t: t.expand_as(x))
    exact = solver != "euler"  # second order: exact for a field linear in t
    ramp = 0.5 if exact else h * h * sum(range(steps))  # Euler: the left Riemann sum of t
    torch.testing.assert_close(module.generate(z), torch.full((2, 1, 28, 28), 0.1 + ramp))


def test_forward_gives_images_in_range_from_any_noise() -> None:
    torch.manual_seed(0)
    module = conditional_flow()
    z = 10 * torch.randn(3, module.latent_dim)
    images = module.generate(z, torch.tensor([0, 3, 9]))
    assert images.shape == (3, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1
    assert module.sample(4).shape == (4, 1, 28, 28)  # labels drawn from the class counts


def randomised(module: FlowModule) -> FlowModule:
    """Every weight random (a new UNet starts each block at zero): labels and times matter."""
    torch.manual_seed(1)
    for p in module.parameters():
        nn.init.normal_(p, std=0.3)
    return module


def test_guidance_zero_is_the_unconditional_velocity_and_others_extrapolate() -> None:
    module = randomised(conditional_flow())
    x = torch.randn(4, 1, 28, 28)
    t, labels = torch.full((4,), 0.3), torch.tensor([1, 2, 9, 0])
    null = torch.full((4,), 10)
    with torch.no_grad():
        cond, uncond = module.velocity(x, t, labels), module.velocity(x, t, null)
        assert (cond - uncond).abs().max() > 1e-3  # the label matters
        for w, expected in [(0.0, uncond), (1.0, cond), (3.0, uncond + 3 * (cond - uncond))]:
            module.hparams.guidance = w
            torch.testing.assert_close(module.guided_velocity(x, 0.3, labels), expected)
        z = torch.randn(4, module.latent_dim)
        module.hparams.guidance = 1.0
        plain = module.generate(z, labels)
        module.hparams.guidance = 2.0
        assert (module.generate(z, labels) - plain).abs().max() > 1e-3


@pytest.mark.parametrize("sampling", ["uniform", "logit_normal"])
def test_training_times_follow_the_asked_distribution(sampling: str) -> None:
    torch.manual_seed(0)
    t = flow(f"model.time_sampling={sampling}").sample_times(50_000)
    assert t.min() > 0 and t.max() < 1
    if sampling == "uniform":
        assert t.mean().item() == pytest.approx(0.5, abs=0.01)
        assert t.std().item() == pytest.approx(12**-0.5, abs=0.01)
    else:  # logit(t) is standard normal: the middle of the path is trained most
        logits = torch.logit(t)
        assert logits.mean().item() == pytest.approx(0.0, abs=0.02)
        assert logits.std().item() == pytest.approx(1.0, abs=0.02)


def test_training_drops_labels_to_the_null_label_at_the_asked_rate() -> None:
    module = conditional_flow("model.label_dropout=0.25")
    torch.manual_seed(0)
    labels = torch.randint(0, 10, (20_000,))
    dropped = module.drop_labels(labels)
    nulls = dropped == 10
    assert nulls.float().mean().item() == pytest.approx(0.25, abs=0.01)
    assert torch.equal(dropped[~nulls], labels[~nulls])


@pytest.mark.slow
def test_real_training_steps_lower_the_loss_and_run_under_ema(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = conditional_flow("model.lr=3e-3")
    images, labels = next(iter(torch.utils.data.DataLoader(fixed_dataset(), batch_size=32)))
    z, t = torch.randn_like(images), torch.rand(32)
    before = module.flow_loss(images, labels, z=z, t=t).item()
    fit_steps(module, 20, EMA(decay=0.5))
    after = module.flow_loss(images, labels, z=z, t=t).item()
    assert after < 0.8 * before
    trainer = fit_steps(module, 2, EMA(decay=0.5))
    trainer.save_checkpoint(tmp_path / "ema.ckpt")
    z, twos = torch.randn(3, module.latent_dim), torch.full((3,), 2)
    torch.testing.assert_close(
        load_module(tmp_path / "ema.ckpt").generate(z, twos), module.generate(z, twos)
    )


def fixed_dataset() -> torch.utils.data.TensorDataset:
    from test_learning import fixed_batch

    return torch.utils.data.TensorDataset(*fixed_batch())


@pytest.mark.parametrize("precision", ["bf16-mixed", "32-true"])
def test_the_solve_runs_in_the_asked_precision_with_x_kept_float32(precision: str) -> None:
    module = flow(f"model.sampling_precision={precision}", "model.sampling_steps=2")
    weight = torch.randn(784, 784, generator=torch.Generator().manual_seed(0)) / 28
    # a matmul: an op that autocast runs in bf16 (elementwise ones it leaves alone)
    module.velocity = Field(lambda x, t: (x.flatten(1) @ weight).view_as(x))
    z = torch.rand(3, module.latent_dim, generator=torch.Generator().manual_seed(1)) - 0.5
    images = module.generate(z)
    with torch.no_grad():
        exact = module(z)  # the forward alone, outside any autocast: float32 throughout
    assert images.dtype == torch.float32
    if precision == "32-true":
        assert torch.equal(images, exact)
    else:  # bf16 rounds each velocity, not the state: close, not equal
        assert not torch.equal(images, exact)
        torch.testing.assert_close(images, exact, atol=0.05, rtol=0)


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("model.solver=bogus", "unknown model.solver bogus; valid: euler, midpoint, heun"),
        ("model.time_sampling=beta", "unknown model.time_sampling beta; valid: uniform, "),
        ("model.sampling_steps=0", "model.sampling_steps must be an integer >= 1, got 0"),
        (
            "model.sampling_precision=16-mixed",
            "unknown model.sampling_precision 16-mixed; valid: 32-true, bf16-mixed",
        ),
        ("model.self_conditioning.clusters=4", "model.self_conditioning.clusters must be 0"),
    ],
)
def test_bad_options_are_one_line(override: str, says: str) -> None:
    with pytest.raises(Exception) as info:  # noqa: PT011 - Hydra wraps it; the CLI unwraps it
        flow(override)
    message = str(user_error(info.value))
    assert says in message and "\n" not in message
    assert isinstance(info.value.__cause__ or info.value, GenlabError)


@pytest.mark.slow
def test_the_logged_pt2_model_solves_like_the_module_at_any_batch_size(
    train_config, monkeypatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cfg = train_config(
        "model=flow",
        *TINY,
        "model.velocity.multipliers=[1,2]",  # the export unrolls 4 UNets: two levels halve it
        "model.conditional=true",
        "model.solver=heun",
        "model.sampling_steps=2",
        "model.guidance=2",
    )
    from genlab.app.train import train

    result = train(cfg)
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    with global_tracking_uri(result.run.tracking_uri):
        logged = mlflow.pytorch.load_model(f"runs:/{result.run.run_id}/model")
    # the pt2 model is the float32 forward; the module's own sampling defaults to bf16
    kept = load_module(result.checkpoint, overrides={"sampling_precision": "32-true"})
    for n in (1, 5):
        z = torch.randn(n, kept.latent_dim, generator=torch.Generator().manual_seed(n))
        labels = torch.arange(n) % 10
        torch.testing.assert_close(logged(z, labels), kept.generate(z, labels))


@pytest.mark.slow
def test_a_run_resumed_after_two_batches_ends_where_an_uninterrupted_one_does(
    train_config, tmp_path: Path
) -> None:
    from genlab.app.train import train

    common = [
        "model=flow",
        *TINY,
        "logger=none",
        "trainer.limit_train_batches=2",
        "callbacks.ema.enabled=true",
        "callbacks.ema.decay=0.5",
    ]
    whole = train(train_config(*common, "trainer.max_epochs=2", f"paths.output_dir={tmp_path}/a"))
    train(train_config(*common, "trainer.max_epochs=1", f"paths.output_dir={tmp_path}/b"))
    last = tmp_path / "b" / "checkpoints" / "last.ckpt"
    resumed = train(
        train_config(
            *common, "trainer.max_epochs=2", f"paths.output_dir={tmp_path}/c", f"ckpt_path={last}"
        )
    )
    a = torch.load(Path(whole.checkpoint).with_name("last.ckpt"), weights_only=True)
    c = torch.load(Path(resumed.checkpoint).with_name("last.ckpt"), weights_only=True)
    assert a["global_step"] == c["global_step"] == 4
    for key in ("state_dict", "current_model_state"):
        assert a[key].keys() == c[key].keys()
        assert all(torch.equal(v, c[key][k]) for k, v in a[key].items()), key
