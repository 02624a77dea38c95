"""Small helpers every layer uses: errors and range checks, files, images and grids, the
config folder and OmegaConf resolvers. They import nothing else of genlab."""
