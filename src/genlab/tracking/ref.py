"""A training run's address in MLflow: enough to reopen it from any process."""

from dataclasses import dataclass

from genlab.tracking.redact import redact_value
from genlab.tracking.store import require_existing_store
from genlab.utils.errors import GenlabError


@dataclass(frozen=True)
class RunRef:
    tracking_uri: str
    run_id: str

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(self.tracking_uri)

    def get(self):
        """The run, or one line saying that this store has no such run."""
        from mlflow.exceptions import MlflowException

        require_existing_store(self.tracking_uri)
        try:
            return self.client().get_run(self.run_id)
        except MlflowException as err:
            raise GenlabError(
                f"no MLflow run {self.run_id} in {redact_value(self.tracking_uri)}"
            ) from err
