"""``python -m prosody.cli``: the same as ``calmtone``."""

import sys

from prosody.cli import main

sys.exit(main())
