#!/usr/bin/env python
"""Django's command-line utility for administrative tasks: the same as the
``refundportal`` command an installed copy has."""

from refundportal.cli import main

if __name__ == "__main__":
    main()
