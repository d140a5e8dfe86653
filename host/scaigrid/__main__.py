import sys

from scaigrid.cli import main

sys.exit(main())
