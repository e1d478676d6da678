"""The `teller` command line (the entry point `bot.cli:app`).

One module per command group; this file only registers them. The CLI is the application
layer: it wires the runtime (`bot`) and the model building (`training`), which the commands
import inside their bodies so `teller --help` stays fast.

    serve.py       serve, chat, ask
    training.py    train, eval
    actions.py     actions (the Rasa action server)
    db.py          db upgrade, purge
    kb.py          kb check | drafts | publish | drop
    content.py     init, import (a bank's own files), the drafts of imports
    keys.py        keys create | list | revoke
    retraining.py  ingest, review, retrain, cycle
    models.py      models list | promote | rollback
    common.py      settings, the error exit, logging, the warm runtime
"""

from __future__ import annotations

import typer

from bot.cli import actions, content, db, kb, keys, models, retraining, serve, training

app = typer.Typer(help="Teller: a customer-service assistant for banks.", no_args_is_help=True)

# Registration order is the order `teller --help` lists the commands in.
app.command()(content.init)
app.command("import")(content.import_command)
app.command()(retraining.ingest)
app.command()(retraining.review)
app.command()(retraining.retrain)
app.command()(retraining.cycle)
app.command()(serve.serve)
app.command()(serve.chat)
app.command()(serve.ask)
app.command()(training.train)
app.command()(actions.actions)
app.command("eval")(training.evaluate_command)
app.command()(db.purge)
app.add_typer(kb.kb_app, name="kb")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(db.db_app, name="db")
app.add_typer(models.models_app, name="models")

__all__ = ["app"]
