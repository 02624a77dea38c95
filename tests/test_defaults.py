"""One source for every default: the typed schemas (genlab/schemas/models.py).

Modules take their options without defaults; a network or part that keeps a default (tests and
notebooks build them directly) keeps the schema's; a YAML file sets only what its recipe
changes. Every entry of `MODELS` is covered, so a network added there is checked too."""

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from genlab.schemas.models import MODELS

from compose import CONF_DIR

PLUMBING = {"_target_", "_recursive_", "_convert_"}
SCHEMA_PREFIX = "/schema/model/"


def schema_defaults(schema: type) -> dict[str, Any]:
    """Each field's default, nested schemas as dicts, lists as lists."""
    return OmegaConf.to_container(OmegaConf.structured(schema), resolve=False)


def signature_defaults(target: type) -> dict[str, Any]:
    """The constructor's defaults, through its base classes and the `build` a discriminator
    hands its sizes to."""
    found: dict[str, Any] = {}
    methods = [
        vars(cls)[method]
        for cls in target.__mro__
        if cls.__module__.split(".")[0] == "genlab"
        for method in ("__init__", "build")
        if method in vars(cls)
    ]
    for method in methods:
        for name, parameter in inspect.signature(method).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                value = parameter.default
                found.setdefault(name, list(value) if isinstance(value, tuple) else value)
    return found


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_constructor_default_is_the_schema_s(name: str) -> None:
    schema = schema_defaults(MODELS[name])
    target = get_class(schema["_target_"])
    defaults = signature_defaults(target)
    disagree = {
        key: (defaults[key], schema[key])
        for key in schema.keys() & defaults.keys()
        if defaults[key] is not None or schema[key] is not None
        if not isinstance(schema[key], dict) and defaults[key] != schema[key]
    }
    assert not disagree, f"{target.__name__}: (signature, schema) disagree: {disagree}"


def test_modules_take_their_options_without_defaults() -> None:
    """The schema is the only place a module option's default is written."""
    for name, schema in MODELS.items():
        target = get_class(schema_defaults(schema)["_target_"])
        if not name.endswith("_module"):
            continue
        options = set(schema_defaults(schema)) - PLUMBING
        init = inspect.signature(target.__init__).parameters
        with_default = {
            key for key in options & init.keys() if init[key].default is not inspect.Parameter.empty
        }
        assert not with_default, f"{target.__name__} repeats the schema's defaults: {with_default}"


def schema_packages(config: Path) -> dict[str, type]:
    """Package (`_here_`, `generator`) -> the schema a config file composes there, through the
    module configs it includes (`/gan_module@_here_`)."""
    packages: dict[str, type] = {}
    for entry in OmegaConf.load(config).get("defaults", []):
        if not isinstance(entry, str) or "@" not in entry:
            continue
        path, package = entry.split("@")
        if path.startswith(SCHEMA_PREFIX):
            packages[package] = MODELS[path.removeprefix(SCHEMA_PREFIX)]
        elif package == "_here_":
            packages.update(schema_packages(CONF_DIR / f"{path.strip('/')}.yaml"))
    return packages


def repeated(node: Any, default: Any, path: str) -> list[str]:
    """The keys of `node` that set exactly the default (interpolations are recipe choices)."""
    if isinstance(node, dict) and isinstance(default, dict):
        return [
            found
            for key, value in node.items()
            if key != "defaults" and key in default
            for found in repeated(value, default[key], f"{path}{key}.")
        ]
    if isinstance(node, str) and "${" in node:
        return []
    return [path.rstrip(".")] if node == default else []


MODEL_CONFIGS = sorted(
    [*(CONF_DIR / "model").glob("*.yaml"), *CONF_DIR.glob("*_module.yaml")], key=str
)


@pytest.mark.parametrize("config", MODEL_CONFIGS, ids=lambda p: p.stem)
def test_a_model_config_sets_only_what_differs_from_the_schema(config: Path) -> None:
    raw = OmegaConf.to_container(OmegaConf.load(config), resolve=False)
    lines = []
    for package, schema in schema_packages(config).items():
        node = raw if package == "_here_" else raw.get(package, {})
        lines += repeated(
            node, schema_defaults(schema), "" if package == "_here_" else package + "."
        )
    assert not lines, f"{config.name} repeats the schema's defaults (drop them): {lines}"


def test_every_schema_field_is_a_constructor_parameter() -> None:
    """A field no constructor takes would fail only when instantiated."""
    for schema in MODELS.values():
        fields = {f.name for f in dataclasses.fields(schema)} - PLUMBING
        target = get_class(schema_defaults(schema)["_target_"])
        params: set[str] = set()
        for cls in target.__mro__:
            for method in ("__init__", "build"):
                if method in vars(cls) and cls.__module__.split(".")[0] == "genlab":
                    params |= set(inspect.signature(vars(cls)[method]).parameters)
        assert fields <= params | {"name"}, f"{target.__name__} lacks {fields - params}"
