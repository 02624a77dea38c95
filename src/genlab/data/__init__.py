"""Data layer: sources → prepared files (uint8 tensors + meta.json) → a LightningDataModule.

Import the pieces from their modules (`genlab.data.datamodule`, `genlab.data.prepared`,
`genlab.data.sources`); this package file stays empty so importing one does not pull in Lightning.
"""
