"""Keep credentials out of what a run logs: a tracking URI such as
`postgresql://user:secret@db/mlflow`, or a key that names a password, token or secret, would
otherwise be stored in every run's params and config artifact for anyone with UI access."""

import re
from typing import Any

_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_?key|access_?key|credential)", re.I)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]*@", re.I)
REDACTED = "***"


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _URL_PASSWORD.sub(rf"\g<scheme>\g<user>:{REDACTED}@", value)
    return value


def redact(node: Any, key: str = "") -> Any:
    """A copy of a plain config container with secrets replaced by `***`."""
    if isinstance(node, dict):
        return {k: redact(v, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [redact(v, key) for v in node]
    if _SECRET_KEY.search(key) and node not in (None, ""):
        return REDACTED
    return redact_value(node)
