"""The lessons as Jupyter notebooks, generated from the scripts by ``generate.py``."""
