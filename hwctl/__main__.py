"""`python -m hwctl` runs the same entry point as the `hwctl` console script."""

from hwctl.cli.app import main

if __name__ == "__main__":
    main()
