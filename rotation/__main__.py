"""``python -m rotation`` runs the same command as ``rotation``."""

from rotation.cli import main

main()
