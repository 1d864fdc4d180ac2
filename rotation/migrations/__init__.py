"""The database schema's history, as Alembic migrations, one file per change.

``rotation.storage`` is the one place that creates and checks the schema: a new database gets
the current tables (``SQLModel.metadata.create_all``) and is stamped with the newest revision;
an older one is brought up to date only by ``rotation db upgrade``, which runs the files in
``versions/`` in order, inside one transaction and under the store's lock; a database whose
revision is unknown here (a newer version of the program, or another program) is refused.

Revisions are numbered, not hashed: ``versions/v0002_publish_audit.py`` holds revision
``"0002"``, whose ``down_revision`` is ``"0001"``, and the highest number present is the schema
this program writes (``rotation.storage.SCHEMA_HEAD``, read from the file names so that
checking a database needs no Alembic import).

Adding a migration (e.g. a new column on ``plan``):

1. Change the table class in ``rotation/storage.py`` (new columns nullable, or with a
   ``server_default``, so that rows already stored stay valid).
2. Run ``python -m rotation.migrations "what changes"``: it builds a database at the current
   head in a temporary SQLite file, compares it with the tables in ``rotation/storage.py`` and
   writes ``versions/v<next>_<slug>.py`` with the operations Alembic found. Read it: fill in a
   data migration if old rows need values, and check ``downgrade``.
3. ``pytest tests/test_migrations.py``: a fresh database and one upgraded from the first
   release must end up with exactly the tables ``rotation/storage.py`` declares, on SQLite and
   PostgreSQL, with every old row intact. Extend the upgrade test's rows if the migration
   moves data.
"""
