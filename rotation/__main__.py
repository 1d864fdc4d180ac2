"""``rotation`` and ``python -m rotation`` start here.

The application takes a second or more to load (OR-Tools, SQLAlchemy, rich); Ctrl-C meanwhile
ends with one line instead of a traceback. Once the command is over, Ctrl-C is ignored: what
is left is flushing output and leaving, and an interrupt there (at 5 s into a 6 s solve, say)
printed a traceback after the plan was stored. The process, not the command, decides how to
leave (:func:`_leave`), so that tests running commands in their own process are not ended.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

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
    except SystemExit as stop:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _leave(stop.code)
        raise
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


# The threads the solver runs beside its search (rotation/solve/beside.py names them).
_SOLVER_THREADS = frozenset({"rotation-bound", "rotation-plans", "rotation-proof"})


def _leave(code: object) -> None:
    """End the process at once, with ``code``, if threads of the solver still run native code
    (a HiGHS choice cannot be interrupted; a search may be finishing its step): the
    interpreter's own exit would then abort the process ("terminate called without an active
    exception") after the plan was stored. Output is flushed first."""
    if any(t.daemon and t.name in _SOLVER_THREADS and t.is_alive()
           for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))


if __name__ == "__main__":
    main()
