"""The demo's example model with upload fields: its admin and a plain form page."""
