"""Entry point of ``python -m reference.char_lm`` (see ``reference.char_lm.cli``)."""
import sys

from reference.char_lm.cli import main

sys.exit(main())
