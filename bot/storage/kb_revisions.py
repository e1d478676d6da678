"""The knowledge base's admin edits in the shared database, numbered 1, 2, 3...: the live
copy every replica brings its own KB folder in line with (`bot.kb.sync`).

A revision holds the digest of the whole KB after the edit and the content of the files the
edit changed, so the KB at revision N is, per file, its newest content up to N. Revision 1 is
the folder the first edit was made on, every file of it: a replica deployed with the same
folder is known to be merely behind, not changed by hand. Edits are numbered while holding a
lock on the table, so two replicas saving at once wait for each other instead of both taking
the same number.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from bot.errors import TellerError

# The schema of migration 0004, for queries (the ORM models in `models.py` do not need it).
_metadata = MetaData()
revisions = Table(
    "kb_revisions", _metadata,
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False, index=True),
    Column("author", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
revision_files = Table(
    "kb_revision_files", _metadata,
    Column("name", String(255), primary_key=True),
    Column("revision", Integer, ForeignKey("kb_revisions.revision", ondelete="CASCADE"),
           primary_key=True),
    Column("content", Text, nullable=False),
)


class KbEditConflict(TellerError):
    """An edit the database could not record: another replica's edit held the lock too long
    or took the same number, or the database failed. Nothing was saved."""

    http_status = 409


@dataclass(frozen=True)
class KbRevision:
    number: int
    digest: str
    author: str
    created_at: datetime


class RevisionReader:
    """Reads on one connection (inside `KbRevisionStore.exclusive`, under its lock)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def latest_number(self) -> int:
        """The newest revision's number; 0 before the first edit."""
        return int(self.connection.execute(select(func.max(revisions.c.revision)))
                   .scalar_one_or_none() or 0)

    def get(self, number: int) -> KbRevision | None:
        row = self.connection.execute(
            select(revisions).where(revisions.c.revision == number)).first()
        if row is None:
            return None
        return KbRevision(row.revision, row.digest, row.author, row.created_at)

    def latest(self) -> KbRevision | None:
        return self.get(self.latest_number())

    def with_digest(self, digest: str) -> int | None:
        """The newest revision whose KB had this digest, if any."""
        number = self.connection.execute(
            select(func.max(revisions.c.revision)).where(revisions.c.digest == digest)
        ).scalar_one_or_none()
        return int(number) if number is not None else None

    def files_at(self, number: int) -> dict[str, str]:
        """Every file of the KB at revision `number`: each file's newest content up to it."""
        newer = revision_files.alias("newer")
        newest = (select(func.max(newer.c.revision))
                  .where(newer.c.name == revision_files.c.name, newer.c.revision <= number)
                  .scalar_subquery())
        rows = self.connection.execute(
            select(revision_files.c.name, revision_files.c.content)
            .where(revision_files.c.revision == newest))
        return {row.name: row.content for row in rows}


class RevisionWriter(RevisionReader):
    def add(self, changed: dict[str, str], digest: str, author: str) -> KbRevision:
        """Record the next revision: `changed` files (name -> content), the whole KB's
        digest. Call only inside `exclusive`, which makes the number safe to take."""
        revision = KbRevision(self.latest_number() + 1, digest, author[:200],
                              datetime.now(UTC))
        try:
            self.connection.execute(insert(revisions).values(
                revision=revision.number, digest=digest, author=revision.author,
                created_at=revision.created_at))
            if changed:
                self.connection.execute(insert(revision_files), [
                    {"name": name, "revision": revision.number, "content": content}
                    for name, content in sorted(changed.items())])
        except IntegrityError as exc:  # a writer that did not take the lock
            raise KbEditConflict(
                f"another replica saved knowledge-base revision {revision.number} at the "
                "same moment; nothing was saved: reload the page and save again") from exc
        return revision


class KbRevisionStore:
    """The revisions table of one database (the session store's engine)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def read(self) -> Iterator[RevisionReader]:
        with self.engine.connect() as connection:
            yield RevisionReader(connection)

    def latest_number(self) -> int:
        """What replicas poll: one indexed `max()`."""
        with self.read() as reader:
            return reader.latest_number()

    @contextmanager
    def exclusive(self) -> Iterator[RevisionWriter]:
        """One transaction holding the edit lock until it commits (or rolls back on an
        exception). Another replica's `exclusive` waits: PostgreSQL locks the table against
        writers (readers go on); SQLite takes its write lock (waiting up to its busy
        timeout)."""
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("LOCK TABLE kb_revisions IN EXCLUSIVE MODE"))
                else:  # a write that changes nothing starts SQLite's write transaction now
                    connection.execute(text("DELETE FROM kb_revisions WHERE revision < 0"))
                yield RevisionWriter(connection)
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise KbEditConflict(_unsaved(exc)) from exc
            raise KbEditConflict(
                "another knowledge-base edit is being saved; nothing was saved: save "
                "again in a moment") from exc
        except SQLAlchemyError as exc:
            raise KbEditConflict(_unsaved(exc)) from exc


def _unsaved(exc: SQLAlchemyError) -> str:
    return (f"the database did not record the edit ({type(exc).__name__}: "
            f"{getattr(exc, 'orig', None) or exc}); nothing was saved: check the database "
            "(`teller db upgrade` creates the table) and save again")
