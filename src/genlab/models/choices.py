"""The named choices of the model options, in a module without torch, so that the command line
checks them before the heavy imports (genlab.validate) and the models check them again."""

LOSSES = ("bce", "hinge")  # GANModule: the non-saturating loss, or the hinge loss
PRIORS = ("normal", "gmm")  # VAEModule: where samples start
CONDITIONINGS = ("cbn", "concat")  # conditional generators: how the label goes in
AUGMENTATIONS = ("color", "translation", "cutout")  # DiffAugment's policy
