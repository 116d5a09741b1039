"""Version string, kept apart so `dossier --version` imports nothing else."""

__version__ = "0.1.0"
