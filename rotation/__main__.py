"""``rotation`` and ``python -m rotation`` start here.

The application takes a second or more to load (OR-Tools, SQLAlchemy, rich); Ctrl-C meanwhile
ends with one line instead of a traceback. Once the command is over, Ctrl-C is ignored: what
is left is flushing output and leaving, and an interrupt there (at 5 s into a 6 s solve, say)
printed a traceback after the plan was stored.
"""

from __future__ import annotations

import signal
import sys

from rotation.errors import interrupted


def main() -> None:
    try:
        from rotation.cli import main as run
    except (KeyboardInterrupt, ImportError) as err:
        if not interrupted(err):
            raise
        sys.stderr.write("interrupted (Ctrl-C) while starting; nothing was done\n")
        sys.exit(130)
    try:
        run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()
