"""rotation: plan deployments and rotations of officers to postings abroad."""

__all__ = ["__version__"]

__version__ = "0.1.0"
