"""A one-page demo of django-s3-file-upload: choose or drop files, watch them go, list them."""
