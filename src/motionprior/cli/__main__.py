import sys

from motionprior.cli import main

sys.exit(main())
