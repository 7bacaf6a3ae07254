"""vae_course: the helpers the chapters of vae-course import.

Modules, by what they do: runtime (device, seeding, quick/full sizes), data (MNIST and the
offline fallback), models, losses, training, latent (sampling, interpolation, arithmetic),
plotting, quiz (question bank and quizzes), instructor (the `vae-course` command).
"""

__version__ = "0.1.0"
