"""`python -m bot.cli ...`, the same as `teller ...`."""

from bot.cli import app

if __name__ == "__main__":
    app()
