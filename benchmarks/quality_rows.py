"""The ablation's rows (benchmarks/quality.py): name -> train.py overrides. Each row adds one
technique to a baseline at the same epoch budget, so the difference is that technique's."""

ROWS: dict[str, list[str]] = {
    "dcgan/base": ["model=dcgan", "trainer.max_epochs=40"],
}
