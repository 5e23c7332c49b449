"""Entry point: ``python server.py serve --demo`` is the same as ``lastmile serve --demo``."""

from core.cli import main

if __name__ == "__main__":
    main()
