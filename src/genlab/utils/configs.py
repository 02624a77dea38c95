"""Where genlab's Hydra configs are: inside the installed package (a wheel carries them as
`genlab/conf`), or in the checkout's `conf/` folder (an editable install, the repository).

Library code that needs the configs (the command line's checks, notebooks composing a run)
asks here, so it works the same installed from a wheel and from a clone.
"""

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parents[1] / "conf"  # genlab/conf in a wheel
_CHECKOUT = Path(__file__).resolve().parents[3] / "conf"  # the checkout's conf/


def config_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def compose(config_name: str = "train", overrides: list[str] | None = None):
    """The config an entry script would run with, e.g. in a notebook:
    `compose("train", ["model=vae"])`."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    import genlab.utils.resolvers

    genlab.utils.resolvers.register()
    with initialize_config_dir(str(config_dir()), version_base="1.3", job_name=config_name):
        return hydra_compose(config_name, overrides=overrides or [])
