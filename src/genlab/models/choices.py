"""The named choices of the model options, in a module without torch, so that the command line
is cheap to import; the modules check their values against them when they are built."""

from collections.abc import Sequence

LOSSES = ("bce", "hinge", "rpgan")  # GANModule: non-saturating, hinge, relativistic pairing
PRIORS = ("normal", "gmm")  # VAEModule: where samples start
CONDITIONINGS = ("cbn", "concat")  # conditional generators: how the label goes in
AUGMENTATIONS = ("color", "translation", "cutout")  # DiffAugment's policy
SOLVERS = ("euler", "midpoint", "heun")  # FlowModule: the fixed-step ODE solver
TIME_SAMPLINGS = ("uniform", "logit_normal")  # FlowModule: how training draws t
SAMPLING_PRECISIONS = ("32-true", "bf16-mixed")  # FlowModule: the solve, in Lightning's names


def require_choices(what: str, values: Sequence[str], valid: Sequence[str]) -> None:
    """One line naming what was asked for and what is valid, for a value the options lack."""
    from genlab.utils.errors import GenlabError

    unknown = [value for value in values if value not in valid]
    if unknown:
        raise GenlabError(f"unknown {what} {', '.join(unknown)}; valid: {', '.join(valid)}")
