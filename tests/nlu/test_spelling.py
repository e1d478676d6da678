from bot.nlu.recognizer import load_recognizer
from bot.nlu.spelling import SpellingCorrector, edits1

TRAINING = [
    "I want to transfer money to my account",
    "my account was charged twice",
    "how do I receive a transfer",
    "where is my card",
    "card payment declined",
]


def corrector() -> SpellingCorrector:
    return SpellingCorrector.from_texts(TRAINING, dictionary={"the", "yacht", "cad"})


def test_repairs_one_edit_typos_of_training_words() -> None:
    fix = corrector()
    assert fix.correct("my acount was chraged twice") == "my account was charged twice"
    assert fix.correct("How do I recieve a trasnfer?") == "How do I receive a transfer?"
    assert fix.correct("Acount") == "Account"  # keeps the capital


def test_leaves_known_short_and_distant_words_alone() -> None:
    fix = corrector()
    # A real word from the tokenizer vocabulary, a short word, a word two edits away.
    assert fix.correct("yacht cad crd acnout") == "yacht cad crd acnout"
    assert fix.correct("") == ""


def test_ties_are_not_guessed() -> None:
    fix = SpellingCorrector({"cart": 3, "card": 3})
    assert fix.correct_word("carx") == "carx"
    assert "acount" in edits1("account")


def test_saved_with_the_model_and_used_by_the_recognizer(tiny_settings, encoder) -> None:
    assert (tiny_settings.model_dir / "spelling.json").is_file()
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    typo = "my crad still hasnt arived"
    repaired = recognizer.correct(typo)
    assert repaired != typo and "arrived" in repaired
    assert recognizer.predict(typo).top == recognizer.predict(repaired).top
