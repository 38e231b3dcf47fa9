"""The example project (``example/demo``) as the HTTP benchmarks serve it under gunicorn."""
