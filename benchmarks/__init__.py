"""The benchmarks: run from the repository's root as ``python -m benchmarks.run``.

Child processes (0.1.0's virtualenv among them) import this package from a folder that holds
only it (``common.child_imports``), never the repository's root.
"""
