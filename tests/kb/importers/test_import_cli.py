"""`teller init`, `teller import` and the drafts commands, as a bank's content team uses them."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.kb.editor import FaqDraft, KbEditor
from bot.kb.sync import SharedKnowledgeBase
from bot.storage.kb_revisions import KbRevisionStore
from bot.storage.sessions import SqlSessionStore

runner = CliRunner()
DOCUMENTS = Path(__file__).resolve().parents[3] / "benchmarks" / "documents" / "files"


def test_files_to_a_knowledge_base_in_a_few_commands(tmp_path: Path) -> None:
    kb = tmp_path / "acme-kb"
    created = runner.invoke(app, ["init", "--kb", str(kb), "--bank-name", "Brightwater Bank"])
    assert created.exit_code == 0, created.output
    assert "Next: teller import" in created.stdout

    files = [str(DOCUMENTS / name) for name in ("faqs.csv", "fee-schedule.pdf", "terms.docx")]
    drafted = runner.invoke(app, ["import", *files, "--kb", str(kb)])
    assert drafted.exit_code == 0, drafted.output
    assert "[draft, waiting for review]" in drafted.stdout
    assert not load_knowledge_base(kb).passages  # drafts are not served

    listed = runner.invoke(app, ["kb", "drafts", "--kb", str(kb)])
    assert "fee-schedule.pdf (Brightwater Bank Fee Schedule 2026)" in listed.stdout
    assert "passage:fee-schedule-" in listed.stdout

    published = runner.invoke(app, ["kb", "publish", "fee-schedule.pdf", "--kb", str(kb)])
    assert published.exit_code == 0, published.output
    served = load_knowledge_base(kb)
    assert any("EUR 9.75" in p.text and p.source.page == 2 for p in served.passages.values())
    dropped = runner.invoke(app, ["kb", "drop", "faqs.csv", "--kb", str(kb)])
    assert dropped.exit_code == 0 and "Dropped the draft of faqs.csv" in dropped.stdout

    again = runner.invoke(app, ["import", files[1], "--kb", str(kb), "--publish"])
    assert again.exit_code == 0
    assert "no file changed" in again.stdout and "Nothing changed" in again.stdout

    checked = runner.invoke(app, ["kb", "check", "--kb", str(kb)])
    assert checked.exit_code == 0 and "passages" in checked.stdout


def test_a_bot_project_and_a_web_page_import_with_a_report(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    runner.invoke(app, ["init", "--kb", str(kb), "--bank-name", "Brightwater Bank"])
    result = runner.invoke(app, ["import", str(DOCUMENTS / "rasa_project"),
                                 str(DOCUMENTS / "dialogflow_agent.zip"),
                                 str(DOCUMENTS / "help-centre.html"), "--kb", str(kb),
                                 "--publish"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "runs the custom action 'action_check_balance'" in out  # what could not come over
    assert "webhook" in out
    assert "Intents changed: the intent model retrains" in out
    served = load_knowledge_base(kb)
    assert "ask_opening_hours" in served.intents and "branch_hours" in served.intents
    assert served.response_by_intent["ask_opening_hours"].text
    web = [p for p in served.passages.values() if p.source.file == "help-centre.html"]
    assert web and all(p.source.url == "https://www.brightwater.example/help" for p in web)
    everything = " ".join(p.text for p in served.passages.values()).casefold()
    assert "cookie" not in everything  # the banner is not content


def test_bad_input_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    runner.invoke(app, ["init", "--kb", str(kb), "--bank-name", "Brightwater Bank"])
    before = sorted(p.name for p in kb.iterdir())
    broken = tmp_path / "rasa_broken"
    (broken / "data").mkdir(parents=True)
    (broken / "domain.yml").write_text("version: '3.1'\nintents:\n  - greet\n", encoding="utf-8")
    (broken / "data" / "nlu.yml").write_text(
        "nlu:\n- intent: greet\n  examples: |\n    - hi\n  - broken: [\n", encoding="utf-8")
    navigation = tmp_path / "menu.html"
    navigation.write_text("<html><body><nav><a href='/'>Home</a><a href='/cards'>Cards</a>"
                          "</nav><footer>© Bank</footer></body></html>", encoding="utf-8")
    result = runner.invoke(app, ["import", str(broken), str(navigation),
                                 str(DOCUMENTS / "faqs.csv"), "--kb", str(kb), "--publish"])
    assert result.exit_code == 2
    assert "data/nlu.yml: YAML syntax error at line" in result.output
    assert "menu.html: no content found" in result.output
    assert "nothing was written" in result.output
    assert sorted(p.name for p in kb.iterdir()) == before

    exists = runner.invoke(app, ["init", "--kb", str(kb), "--bank-name", "Other"])
    assert exists.exit_code == 2 and "already exists" in exists.output


def test_an_import_reaches_the_servers_that_share_admin_edits(tmp_path: Path) -> None:
    """Once the admin pages have edited the KB, the database's revisions win over the folder:
    an import into the folder alone would be set aside at the servers' next start. So the
    CLI records it as a revision, and a replica with an older folder takes it."""
    kb, data = tmp_path / "kb", tmp_path / "data"
    runner.invoke(app, ["init", "--kb", str(kb), "--bank-name", "Brightwater Bank"])
    data.mkdir()
    store = SqlSessionStore(f"sqlite:///{data / 'teller.db'}")  # the server's database
    revisions = KbRevisionStore(store.engine)
    shared = SharedKnowledgeBase(revisions, kb, NotServing(load_knowledge_base(kb)))
    shared.save(lambda: KbEditor(kb).save_faq(FaqDraft(
        id="card-colour", category="cards", questions=["What colour is the card?"],
        answer="Our cards are dark blue.")))  # an admin edit: revisions exist now
    before = revisions.latest_number()
    other_replica = tmp_path / "replica-kb"
    shutil.copytree(kb, other_replica)

    result = runner.invoke(app, ["import", str(DOCUMENTS / "faqs.csv"), "--kb", str(kb),
                                 "--data-dir", str(data), "--publish"])
    assert result.exit_code == 0, result.output
    assert "Recorded in the database as a knowledge-base revision" in result.stdout
    assert revisions.latest_number() == before + 1

    replica = SharedKnowledgeBase(revisions, other_replica,
                                  NotServing(load_knowledge_base(other_replica)))
    assert replica.catch_up()
    assert (other_replica / "imported-faqs-csv.yaml").read_text() == (
        kb / "imported-faqs-csv.yaml").read_text()
    assert not list(other_replica.glob(".replaced-*"))
    store.engine.dispose()


class NotServing:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def reload_knowledge_base(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or self.kb
