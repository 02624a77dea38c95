"""MLflow tracking: run naming, config logging, and a model logged for sampling."""
