"""Every replica serves the latest admin edit of the knowledge base.

Each replica reads its own KB folder (replicas may run on different machines); the shared
database holds the edits (`bot.storage.kb_revisions`). An admin edit is made under the
database's edit lock, on a folder first brought in line with the latest revision, and is
recorded as the next revision, so two edits saved at once on two replicas both survive. Every
replica polls the newest revision number (`Settings.kb_reload_seconds`) and, when it is newer
than the one it serves, writes that revision's files into its folder (validated first, each
file replaced atomically) and reloads the knowledge base.

The database wins: a replica whose folder differs from the latest revision (it missed edits
while down, or was deployed with another KB) takes the database's files and says so in its
log. Files that no admin edit made (a new deployment, `teller ingest --faq`) are first kept
aside in the KB folder's `.replaced-<time>/`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.errors import TellerError
from bot.kb.editor import checked_copy
from bot.kb.loader import (
    METADATA_FILE,
    KnowledgeBaseError,
    draft_files,
    kb_files,
    load_knowledge_base,
)
from bot.kb.models import KnowledgeBase
from bot.storage.kb_revisions import KbRevision, KbRevisionStore, RevisionReader

log = logging.getLogger(__name__)


class KbNotServed(TellerError):
    """An edit was saved for every replica, but this one could not serve it."""


class Served(Protocol):
    """What serves the knowledge base (`bot.pipeline.Assistant` is one)."""

    @property
    def kb(self) -> KnowledgeBase: ...

    def reload_knowledge_base(self, kb: KnowledgeBase | None = None) -> None: ...


def folder_files(folder: Path) -> dict[str, str]:
    """The files of a KB folder that replicas share: its YAML files, `kb.yaml` and the drafts
    of imports included (training corpora are deployed with the folder, never edited by the
    admin pages)."""
    paths = [*kb_files(folder), *draft_files(folder), folder / METADATA_FILE]
    return {p.name: p.read_bytes().decode("utf-8") for p in paths if p.is_file()}


def kb_digest(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def write_text(path: Path, content: str) -> None:
    """Replace `path` in one rename: readers see the old file or the new one."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.saving")
    with open(staged, "w", encoding="utf-8", newline="") as handle:
        handle.write(content)
    os.replace(staged, path)


def describe_changes(old: KnowledgeBase, new: KnowledgeBase) -> str:
    """What an edit changed, by entry: `FAQ added: x; intent changed: y`."""
    parts = []
    for kind, before, after in (("FAQ", old.faq, new.faq), ("intent", old.intents, new.intents),
                                ("response", old.responses, new.responses),
                                ("passage", old.passages, new.passages)):
        for what, names in (("added", after.keys() - before.keys()),
                            ("removed", before.keys() - after.keys()),
                            ("changed", {k for k in before.keys() & after.keys()
                                         if before[k] != after[k]})):
            if names:
                parts.append(f"{kind} {what}: {', '.join(sorted(names))}")
    return "; ".join(parts) or "no entry changed"


class SharedKnowledgeBase:
    """One replica's side: its KB folder, the revision it serves, the database's revisions."""

    def __init__(self, store: KbRevisionStore, folder: Path, served: Served,
                 bank_name: str | None = None, author: str | None = None) -> None:
        self.store = store
        self.folder = Path(folder)
        self.served = served
        self.bank_name = bank_name
        self.author = author or f"admin pages on {socket.gethostname()} (pid {os.getpid()})"
        self.serving = 0  # the revision this replica serves; 0: none yet
        self._refused = 0  # a revision that could not be served: not retried until a newer one
        self._lock = threading.Lock()  # one folder change at a time in this process
        self._started = False  # whether the check at start ran

    def catch_up(self) -> bool:
        """Serve the latest revision if it is newer than the one served: at start, and then
        every `kb_reload_seconds`. Returns True when it serves a newer revision now. A
        revision that cannot be served is logged and the current knowledge base kept."""
        try:
            return self._catch_up()
        finally:
            self._started = True

    def _catch_up(self) -> bool:
        newest = self.store.latest_number()
        if newest <= self.serving or newest == self._refused:
            return False
        with self._lock, self.store.read() as reader:
            latest = reader.latest()
            if latest is None or latest.number <= self.serving:
                return False
            files = reader.files_at(latest.number)
            current = folder_files(self.folder)
            changes: dict[str, str | None] = {}
            if kb_digest(current) != latest.digest:
                try:
                    changes = self._bring_in_line(reader, latest, files, current)
                except KnowledgeBaseError as exc:
                    return self._refuse(latest, exc)
            return self._serve(latest, changes)

    def save(self, edit: Callable[[], KnowledgeBase]) -> KnowledgeBase:
        """Make an admin edit (a `KbEditor` call) for every replica: under the database's
        edit lock, on this folder brought in line with the latest revision, recorded as the
        next revision, then served here. Returns the edited knowledge base. Raises what
        `edit` raises or `KbEditConflict`, and then nothing is saved and the folder is as
        before the edit; `KbNotServed` when it was saved but could not be served here."""
        with self._lock:
            before: dict[str, str] | None = None
            try:
                with self.store.exclusive() as writer:
                    current = folder_files(self.folder)
                    latest = writer.latest() or writer.add(  # the first edit: its base too
                        current, kb_digest(current), f"{self.author}, before the first edit")
                    files = writer.files_at(latest.number)
                    if latest.number != self.serving and kb_digest(current) != latest.digest:
                        self._bring_in_line_to_edit(writer, latest, files, current)
                    before = folder_files(self.folder)
                    knowledge = edit()
                    changed = {name: content for name, content
                               in folder_files(self.folder).items()
                               if files.get(name) != content}
                    revision = writer.add(changed, kb_digest({**files, **changed}),
                                          self.author)
            except BaseException:
                if before is not None:
                    self._restore(before)
                raise
            log.info("knowledge-base revision %d saved (%s); the other replicas serve it "
                     "within their TELLER_KB_RELOAD_SECONDS", revision.number,
                     ", ".join(sorted(changed)) or "no file changed")
            self.serving = revision.number  # served by this thread, not the watcher's
            try:
                self.served.reload_knowledge_base(knowledge)
            except TellerError as exc:
                raise KbNotServed(str(exc)) from exc
        return knowledge

    def _bring_in_line_to_edit(self, reader: RevisionReader, latest: KbRevision,
                               files: dict[str, str], current: dict[str, str]) -> None:
        try:
            self._bring_in_line(reader, latest, files, current)
        except KnowledgeBaseError as exc:  # the edit repairs it: its files replace the broken
            log.warning("knowledge-base revision %d is invalid here, so this edit is made on "
                        "the folder as it serves and replaces it: %s", latest.number, exc)

    def _bring_in_line(self, reader: RevisionReader, latest: KbRevision,
                       files: dict[str, str], current: dict[str, str]
                       ) -> dict[str, str | None]:
        """Write revision `latest`'s files into the folder (validated first; files it lacks
        removed). Returns the changes made (name -> content, None: removed)."""
        changes: dict[str, str | None] = {n: c for n, c in files.items() if current.get(n) != c}
        changes.update({name: None for name in current.keys() - files.keys()})
        with checked_copy(self.folder, changes, self.bank_name):
            pass  # raises KnowledgeBaseError, folder untouched, when the revision is invalid
        if not self._started:
            log.warning("the knowledge-base folder %s differs from the latest admin edit, "
                        "revision %d: the database wins, its files replace %s",
                        self.folder, latest.number, ", ".join(sorted(changes)))
        if reader.with_digest(kb_digest(current)) is None:
            aside = self._keep_aside({n: current[n] for n in changes if n in current})
            log.warning("the knowledge-base folder %s had changes that no admin edit made "
                        "(a new deployment? teller ingest --faq?): kept in %s. To publish "
                        "them, make the same edits on the admin pages", self.folder, aside)
        for name, content in changes.items():
            if content is None:
                (self.folder / name).unlink(missing_ok=True)
            else:
                write_text(self.folder / name, content)
        return changes

    def _serve(self, revision: KbRevision, changes: Mapping[str, str | None]) -> bool:
        old = self.served.kb
        try:
            knowledge = load_knowledge_base(self.folder, self.bank_name)
            if knowledge.content_hash != old.content_hash:
                self.served.reload_knowledge_base(knowledge)
        except Exception as exc:  # keep serving; the log says what happened
            return self._refuse(revision, exc)
        self.serving = revision.number
        log.info("knowledge-base revision %d (%s, %s) serves now: %s%s", revision.number,
                 revision.author, revision.created_at.isoformat(timespec="seconds"),
                 describe_changes(old, knowledge),
                 f" (files written: {', '.join(sorted(changes))})" if changes else "")
        return True

    def _refuse(self, revision: KbRevision, exc: Exception) -> bool:
        self._refused = revision.number
        log.error("could not serve knowledge-base revision %d (%s); the previous knowledge base "
                  "keeps serving until a newer revision: %s", revision.number, revision.author,
                  exc)
        return False

    def _keep_aside(self, files: Mapping[str, str]) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.folder / f".replaced-{stamp}"
        aside.mkdir()
        for name, content in files.items():
            (aside / name).write_text(content, encoding="utf-8")
        return aside

    def _restore(self, before: Mapping[str, str]) -> None:
        """Put the folder back as it was before an edit that was not saved."""
        for name, content in folder_files(self.folder).items():
            if name not in before:
                (self.folder / name).unlink(missing_ok=True)
            elif before[name] != content:
                write_text(self.folder / name, before[name])
        for name in before.keys() - folder_files(self.folder).keys():
            write_text(self.folder / name, before[name])

