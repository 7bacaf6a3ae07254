"""vae_course: the package the chapters of vae-course import.

The subject, bottom layer first (a module imports only modules above it in this list):
- runtime (device, seeding, quick/full sizes), data (MNIST and the offline fallback);
- distributions (noise, reparameterization, log-densities, KL);
- models (Autoencoder, VAE, ConditionalVAE), losses (ELBO, IWAE bound, bits/dim);
- training (one fit for every objective, checkpoints), latent (sampling, interpolation,
  arithmetic, active units), metrics (Frechet distance), plotting (figures);
- chapter helpers: exact (a latent-variable model solved exactly, chapters 3-4),
  probes (what a representation is good for, chapters 1-2);
- extensions/ (chapter 9: iwae, flows, hierarchical, vqvae, diffusion).
The scaffolding: display/ (live widget + static HTML views, latent explorers),
quiz/ (question bank, live and static quizzes, a student's handout).
The instructor tool is a separate distribution, vae-course-instructor (folder instructor/).
"""

__version__ = "0.1.0"
