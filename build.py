#!/usr/bin/env python3
"""Build the survey site: `python build.py --help` lists the commands."""

import logging
import os
import sys

from surveysite.cli import main

if __name__ == "__main__":
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip tearing down the build's objects one by one (a quarter of a second at 10,000
    # papers): every file is written and closed, and no process is left to wait for.
    os._exit(status)
