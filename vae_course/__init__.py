"""vae_course: the helpers the chapters of vae-course import.

Modules, by what they do:
- runtime (device, seeding, quick/full sizes), data (MNIST and the offline fallback);
- models, losses (KL, ELBO, IWAE bound, bits/dim), training (fit, checkpoints);
- latent (sampling, interpolation, arithmetic, active units), plotting, explorer (latent sliders);
- representation (what codes are good for), toy (a latent-variable model with an exact p(x));
- chapter 9's demonstrations: fit_objective, iwae, flows, hierarchical, vqvae, diffusion;
- mimebundle (live widget + static HTML views), quiz (question bank and quizzes),
  instructor (the `vae-course` command).
"""

__version__ = "0.1.0"
