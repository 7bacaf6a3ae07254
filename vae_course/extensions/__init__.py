"""Chapter 9's extensions of the VAE, one file per idea: ``iwae`` (training on the
importance-weighted bound), ``flows`` (planar-flow posteriors), ``hierarchical`` (two stochastic
layers), ``vqvae`` (discrete codes), ``diffusion`` (a diffusion prior over codes). Each builds on
the core modules (distributions, models, losses, training) and never the other way round.
"""
