"""An example third-party lastmile plugin."""
