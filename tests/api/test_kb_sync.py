"""Admin edits reach every replica: two runtimes on one database (SQLite and PostgreSQL), each
with its own copy of the KB folder, as replicas on two machines have. An FAQ entry saved
through the admin path on one is answered by the other within seconds; two edits saved at
once on the two both survive; a replica that starts with an old folder takes the database's
(keeping hand edits aside); a revision a replica cannot serve leaves its KB serving."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.kb.editor import FaqDraft, KbEditor
from bot.nlu.encoder import SentenceEncoder
from bot.runtime import Runtime, build_runtime
from bot.storage.sessions import SqlSessionStore
from tests.conftest import TINY_KB
from ui.admin.common import save_and_serve

CONVERGE_SECONDS = 10  # the poll runs every 0.2 s here; reloading the tiny KB takes < 1 s


def draft(entry_id: str, answer: str) -> FaqDraft:
    return FaqDraft(id=entry_id, category="general", questions=[f"What about {entry_id}?"],
                    answer=answer)


def replica_settings(base: Settings, database_url: str, root: Path) -> Settings:
    """A replica's own KB folder (a copy of the tiny KB) and data folder (the shared trained
    models, its own FAQ index), on the shared database."""
    (root / "data").mkdir(parents=True)
    shutil.copytree(TINY_KB, root / "kb")
    (root / "data" / "models").symlink_to(base.data_dir / "models")
    shutil.copytree(base.index_dir, root / "data" / "index")
    return base.model_copy(update={
        "kb_dir": root / "kb", "data_dir": root / "data", "database_url": database_url,
        "kb_reload_seconds": 0.2, "model_reload_seconds": 0})


@pytest.fixture
def start_replica(tiny_head_settings: Settings, encoder: SentenceEncoder, database_url: str,
                  tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """Starts replicas the way `teller serve` does (build, warm up, watch) on one database."""
    started: list[Runtime] = []

    def start(name: str, watch: bool = True, hand_edits: dict[str, str] | None = None
              ) -> Runtime:
        settings = replica_settings(tiny_head_settings, database_url, tmp_path / name)
        for file_name, content in (hand_edits or {}).items():
            (settings.kb_dir / file_name).write_text(content)
        runtime = build_runtime(settings, encoder=encoder)
        runtime.assistant.warm_up()
        if watch:
            runtime.watcher.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.stop()
    time.sleep(0.5)  # let a poll in flight finish before the database goes
    for runtime in started:
        store = runtime.store
        assert isinstance(store, SqlSessionStore)
        store.engine.dispose()


def admin_save(runtime: Runtime, faq: FaqDraft) -> KnowledgeBase:
    """What the admin FAQ tab's Save button runs."""
    editor = KbEditor(runtime.settings.kb_dir, runtime.settings.bank_name)
    knowledge, refused = save_and_serve(lambda: editor.save_faq(faq), runtime.assistant)
    assert knowledge is not None, refused
    return knowledge


def knows(replica: Runtime, entries: set[str]) -> bool:
    return entries <= replica.kb.faq.keys()


def wait_for(condition: Callable[[], bool], seconds: float = CONVERGE_SECONDS) -> float:
    """Seconds until `condition` held; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_an_faq_saved_on_one_replica_is_answered_by_the_other(
        start_replica: Callable[..., Runtime]) -> None:
    one, two = start_replica("one"), start_replica("two")
    answer = "Our chat team answers on Saturdays and Sundays, 9:00 to 17:00."
    admin_save(one, draft("weekend-support", answer))

    took = wait_for(partial(knows, two, {"weekend-support"}))
    reply = two.assistant.handle("/faq:weekend-support", owner="test")
    assert reply.text == answer
    assert [source.faq_id for source in reply.sources] == ["weekend-support"]
    assert "weekend-support" in load_knowledge_base(two.settings.kb_dir).faq  # its own folder
    print(f"replica two answered the new FAQ {took:.2f} s after it was saved on one")


def test_two_edits_saved_at_once_on_two_replicas_both_survive(
        start_replica: Callable[..., Runtime]) -> None:
    one, two = start_replica("one"), start_replica("two")
    with ThreadPoolExecutor(2) as pool:
        saved = list(pool.map(admin_save, [one, two],
                              [draft("weekend-support", "Saturdays too."),
                               draft("holiday-hours", "Closed on public holidays.")]))
    assert len(saved) == 2
    both = {"weekend-support", "holiday-hours"}
    for replica in (one, two):
        wait_for(partial(knows, replica, both))
        assert both <= load_knowledge_base(replica.settings.kb_dir).faq.keys()
    # And the next edit on either builds on both.
    admin_save(two, draft("card-fees", "Cards are free."))
    wait_for(partial(knows, one, {*both, "card-fees"}))


def test_a_replica_started_with_an_old_folder_serves_the_latest_edit(
        start_replica: Callable[..., Runtime]) -> None:
    one = start_replica("one")
    admin_save(one, draft("weekend-support", "Saturdays too."))
    # Its folder is the tiny KB as deployed, without the edit; no poll runs.
    late = start_replica("late", watch=False)
    assert "weekend-support" in late.kb.faq
    assert "weekend-support" in load_knowledge_base(late.settings.kb_dir).faq
    assert not list(late.settings.kb_dir.glob(".replaced-*"))  # merely behind: nothing kept
    reply = late.assistant.handle("/faq:weekend-support", owner="test")
    assert reply.text == "Saturdays too."


def test_hand_edits_in_a_starting_replicas_folder_are_kept_aside(
        start_replica: Callable[..., Runtime]) -> None:
    one = start_replica("one")
    admin_save(one, draft("weekend-support", "Saturdays too."))
    # A replica deployed with a folder changed by hand, not through the admin pages: the
    # database wins, and what it replaces is kept.
    hand_edited = (TINY_KB / "faq.yaml").read_text().replace("5 working days", "2 days")
    late = start_replica("late", watch=False, hand_edits={"faq.yaml": hand_edited})
    assert "weekend-support" in late.kb.faq
    assert "5 working days" in late.kb.faq["card-arrival"].answer
    [aside] = late.settings.kb_dir.glob(".replaced-*")
    assert (aside / "faq.yaml").read_text() == hand_edited


def test_a_revision_a_replica_cannot_serve_is_logged_and_its_kb_keeps_serving(
        start_replica: Callable[..., Runtime], caplog: pytest.LogCaptureFixture) -> None:
    from bot.kb.sync import kb_digest
    from bot.storage.kb_revisions import KbRevisionStore

    one, two = start_replica("one"), start_replica("two")
    admin_save(one, draft("weekend-support", "Saturdays too."))
    wait_for(partial(knows, two, {"weekend-support"}))
    store = one.store
    assert isinstance(store, SqlSessionStore)
    broken = {"admin-added.yaml": "faq: [ {id: broken"}
    with caplog.at_level("ERROR", logger="bot.kb.sync"):
        with KbRevisionStore(store.engine).exclusive() as writer:  # not through the editor
            writer.add(broken, kb_digest(broken), "a bad script")
        wait_for(lambda: len(refusals(caplog)) == 2)  # one from each replica
        assert "weekend-support" in two.kb.faq  # still serving revision 2
        assert "weekend-support" in load_knowledge_base(two.settings.kb_dir).faq  # intact
        time.sleep(1)
        assert len(refusals(caplog)) == 2  # not retried every poll
    # The next edit, made on the folder a replica serves, replaces the broken revision.
    admin_save(two, draft("holiday-hours", "Closed on public holidays."))
    wait_for(partial(knows, one, {"weekend-support", "holiday-hours"}))


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if "could not serve knowledge-base revision 3" in r.getMessage()]
