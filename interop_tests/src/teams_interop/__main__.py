import sys

from teams_interop.cli import main

sys.exit(main())
