"""Allow ``python -m mcplint``."""

from mcplint.cli import main

if __name__ == "__main__":  # pragma: no cover - thin wrapper
    main()
