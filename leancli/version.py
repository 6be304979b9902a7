"""leancli's version: one home, read by `leancli --version`, doctor, receipts and packaging."""

__version__ = "0.1.0"
