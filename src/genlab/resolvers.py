"""OmegaConf resolvers the configs use; registered when `genlab` is imported."""

from omegaconf import OmegaConf


def local_artifact_location(tracking_uri: str, location: str) -> str | None:
    """`location` for an embedded store; None for a tracking server, whose own artifact root
    (or proxied artifact store) must hold the artifacts rather than this machine's disk."""
    return None if str(tracking_uri).startswith(("http://", "https://")) else location


def register() -> None:
    if not OmegaConf.has_resolver("genlab.local_artifact_location"):
        OmegaConf.register_new_resolver("genlab.local_artifact_location", local_artifact_location)
