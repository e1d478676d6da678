import numpy as np
import pytest

from bot.errors import ConfigurationError
from bot.nlu.encoder import SentenceEncoder


def test_embeddings_are_unit_length_and_similar_for_paraphrases(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["my card has not arrived", "my card never came", "weather in Rome"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2]
    assert encoder.device == "cpu"


def test_encode_one_is_cached_and_matches_batch(encoder: SentenceEncoder) -> None:
    first = encoder.encode_one("where is my card")
    assert encoder.encode_one("where is my card") is first
    np.testing.assert_allclose(first, encoder.encode(["where is my card"])[0], atol=1e-5)
    with pytest.raises(ValueError):
        first[0] = 1.0  # cached vectors are read-only


def test_remembered_rows_match_encode_and_are_encoded_once(
    encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ["book a table for two", "my card never came", "book a table for two"]
    vectors = encoder.encode_remembered(rows)
    np.testing.assert_allclose(vectors, encoder.encode(rows), atol=1e-5)

    def encode_again(texts: list[str], **_: object) -> np.ndarray:
        raise AssertionError(f"encoded again: {texts}")

    monkeypatch.setattr(encoder, "encode", encode_again)
    np.testing.assert_array_equal(encoder.encode_remembered(rows[::-1]), vectors[::-1])
    assert encoder.encode_remembered([]).shape == (0, 384)


def test_missing_encoder_gives_clear_error(tmp_path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    with pytest.raises(ConfigurationError, match="cannot load sentence encoder"):
        SentenceEncoder(str(empty), device="cpu").warm_up()


def test_hub_name_fails_offline_with_hint() -> None:
    with pytest.raises(ConfigurationError, match="leave TELLER_ENCODER empty"):
        SentenceEncoder("sentence-transformers/no-such-model-xyz", device="cpu").warm_up()


def test_single_messages_run_on_the_exported_onnx_graph(tiny_settings) -> None:
    from bot.nlu.encoder import SentenceEncoder

    folder = tiny_settings.sentence_onnx_dir
    assert (folder / "encoder.onnx").is_file()  # exported by prepare_models
    fast = SentenceEncoder.from_settings(tiny_settings, device="cpu")
    assert fast.use_onnx(folder, threads=1)
    reference = SentenceEncoder.from_settings(tiny_settings, device="cpu")
    for text in ["hi", "my card still hasn't arrived", "where do I find my IBAN number?"]:
        assert abs(fast.encode_one(text) - reference.encode_one(text)).max() < 1e-4
    other = SentenceEncoder("/nonexistent", device="cpu", identity="another-encoder")
    other._model = reference.model  # a different identity: the graph is not for it
    assert not other.use_onnx(folder, threads=1)


def test_length_groups_keep_short_and_long_messages_apart() -> None:
    from bot.nlu.onnx_encoder import length_groups

    lengths = [40, 5, 6, 5, 41, 7, 60]
    groups = length_groups(lengths, run_cost=32)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    assert groups[0] == [1, 3, 2, 5]  # the short ones, shortest first
    assert [0, 4] in groups  # padding 40 to 41 costs one token
    assert not any({1, 6} <= set(group) for group in groups)
    assert length_groups([9, 9, 9], run_cost=0) == [[0, 1, 2]]  # equal lengths pad nothing
    assert length_groups([]) == []


def test_a_serving_batch_of_mixed_lengths_reads_as_each_message_alone(tiny_settings) -> None:
    """Grouping a batch by length (`OnnxEncoder.embed_texts`) changes no vector and no
    order."""
    from bot.nlu.encoder import SentenceEncoder

    texts = ["hi", "my card still hasn't arrived and I ordered it three weeks ago, what "
             "should I do now that I am about to travel abroad?", "yes",
             "where do I find my IBAN number?", "thanks", "how do I top up by bank transfer"]
    fast = SentenceEncoder.from_settings(tiny_settings, device="cpu")
    assert fast.use_onnx(tiny_settings.sentence_onnx_dir, threads=1)
    reference = SentenceEncoder.from_settings(tiny_settings, device="cpu")
    batch = fast.encode_many(texts)
    assert abs(batch - reference.encode(texts)).max() < 1e-4
