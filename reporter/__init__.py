"""reporter: honest AI delivery reports (DORA and PR flow, AI-assisted vs not)."""

__version__ = "0.1.0"
