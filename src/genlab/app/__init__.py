"""The entry logic behind the scripts in pipelines/: train, evaluate, sample, report, and the
hand-off between the pipeline's stages. It uses the library folders; nothing imports it."""
