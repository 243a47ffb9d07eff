"""Entry point of the frozen app: the same ``gradviz`` command the pip install puts on PATH."""

import os

# Launched with no locale at all (env -i, some service managers), Qt switches to C.UTF-8 itself but first
# prints four lines about it on every launch. Choose that locale up front; any locale the user set is kept.
if not any(os.environ.get(name) for name in ("LC_ALL", "LC_CTYPE", "LANG")):
    os.environ["LC_CTYPE"] = "C.UTF-8"

from gradviz.cli import main  # noqa: E402 - after the locale, which Qt reads when it starts

raise SystemExit(main())
