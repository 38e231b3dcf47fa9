#!/usr/bin/env python
"""The demo project's manage.py: ``python manage.py migrate && python manage.py runserver``."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # Run from a checkout without installing: the core app lives one folder up.
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
