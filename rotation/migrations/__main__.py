"""Write the next migration: ``python -m rotation.migrations "what changes"``.

Builds a database at the current head in a temporary SQLite file by running every migration,
lets Alembic compare it with the tables ``rotation/storage.py`` declares, and writes what it
found to ``versions/v<next number>_<slug>.py`` for a person to read and complete (data
migrations, defaults for old rows). See the recipe in ``__init__.py``.
"""

from __future__ import annotations

import re
import sys
import tempfile

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from rotation.storage import MIGRATIONS, SCHEMA_HEAD


def main() -> None:
    message = " ".join(sys.argv[1:]).strip()
    if not message:
        sys.exit('usage: python -m rotation.migrations "what the migration changes"')
    number = f"{int(SCHEMA_HEAD) + 1:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/head.db")
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.set_main_option("file_template", f"v%%(rev)s_{slug}")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            command.revision(config, message=message, autogenerate=True, rev_id=number)
        engine.dispose()


if __name__ == "__main__":
    main()
