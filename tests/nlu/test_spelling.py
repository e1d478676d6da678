from bot.nlu.recognizer import load_recognizer
from bot.nlu.spelling import SpellingCorrector, common_slip, edits1

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


def test_a_word_keeps_its_first_letter_before_a_more_frequent_candidate() -> None:
    # "lumen" (the bank's name) is far more frequent in the training examples than "human",
    # but customers rarely mistype a word's first letter.
    fix = SpellingCorrector({"lumen": 40, "human": 6})
    assert fix.correct("can i talk to a humen") == "can i talk to a human"
    # With no candidate that keeps the first letter, the most frequent one still wins.
    assert SpellingCorrector({"card": 9}).correct_word("xard") == "card"


def test_a_letter_typed_once_instead_of_twice_or_two_swapped_go_before_other_edits() -> None:
    fix = SpellingCorrector({"help": 50, "hello": 4})
    assert fix.correct_word("helo") == "hello"  # not the more frequent "help"
    assert common_slip("acount", "account") and common_slip("adddress", "address")
    assert common_slip("recieve", "receive") and common_slip("crad", "card")
    assert not common_slip("helo", "help") and not common_slip("cad", "card")
    assert not common_slip("abc", "abcde") and not common_slip("card", "card")


def test_saved_with_the_model_and_used_by_the_recognizer(tiny_settings, encoder) -> None:
    assert (tiny_settings.model_dir / "spelling.json").is_file()
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    typo = "my crad still hasnt arived"
    repaired = recognizer.correct(typo)
    assert repaired != typo and "arrived" in repaired
    assert recognizer.predict(typo).top == recognizer.predict(repaired).top
