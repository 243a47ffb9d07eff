"""Entry point of the frozen app: the same ``gradviz`` command the pip install puts on PATH."""

from gradviz.cli import main

raise SystemExit(main())
