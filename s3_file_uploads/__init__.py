"""Direct browser uploads to cloud storage: Django signs, the browser sends, Django checks."""

__version__ = "1.0.0.dev0"
