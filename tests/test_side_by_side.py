"""The intent model's and FAQ retrieval's encoder passes over a message run side by side,
one core each (`Assistant._side_by_side`, `bot.device.encoder_threads`)."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from bot.device import encoder_threads
from bot.pipeline import Assistant


def _threads_of(assistant: Assistant) -> dict[str, str]:
    """Wrap the two passes to record the thread each runs on."""
    seen: dict[str, str] = {}
    parts = assistant.components
    read, search = parts.classifier.read_many, parts.faq_index.search_all

    def predicting(*args, **kwargs):
        seen["intent"] = threading.current_thread().name
        return read(*args, **kwargs)

    def searching(*args, **kwargs):
        seen["retrieval"] = threading.current_thread().name
        return search(*args, **kwargs)

    parts.classifier.read_many = predicting  # type: ignore[method-assign]
    parts.faq_index.search_all = searching  # type: ignore[method-assign]
    return seen


def test_a_fine_tuned_model_and_retrieval_read_a_message_side_by_side(tiny_assistant) -> None:
    messages = ["my card still hasn't arrived", "hello, how do I reset my PIN?"]
    parts = tiny_assistant.components
    assert parts.classifier.encodes_separately
    # What each pass gives on its own, one after the other (the messages encoded as one
    # batch, as the pipeline will: earlier tests may have cached them one by one).
    parts.encoder.forget_messages()
    repaired = [parts.classifier.correct(m) for m in messages]
    alone = parts.classifier.predict_many(repaired, corrected=True)
    found = parts.faq_index.search_all(repaired)

    seen = _threads_of(tiny_assistant)
    parts.encoder.forget_messages()
    encoded: list[str] = []
    encode = parts.encoder._encode_batch

    def encoding(texts, batch_size):
        encoded.extend(texts)
        return encode(texts, batch_size)

    parts.encoder._encode_batch = encoding
    readings = tiny_assistant.understand_many(messages)

    assert seen["intent"] == threading.current_thread().name
    assert seen["retrieval"].startswith("teller-retrieval")
    assert [r.prediction.ranking for r in readings] == [p.ranking for p in alone]
    assert [r.faq_hits for r in readings] == [faq for faq, _ in found]
    # the neighbour vote reads the vectors of FAQ retrieval's pass: one frozen pass a message
    assert parts.classifier.neighbours is not None
    assert sorted(encoded) == sorted(repaired)


def test_an_embedding_head_model_shares_the_faq_encoders_pass(tiny_head_settings, tiny_kb,
                                                               encoder) -> None:
    """Both read the same encoder's vector: retrieval waits and finds it in the cache."""
    assistant = Assistant.from_settings(tiny_head_settings, in_memory=True, kb=tiny_kb,
                                        encoder=encoder)
    assistant.warm_up()
    assert not assistant.components.classifier.encodes_separately
    seen = _threads_of(assistant)
    reading = assistant.understand("what is the fee for a transfer abroad?")
    assert seen["intent"] == seen["retrieval"] == threading.current_thread().name
    assert reading.faq_hits  # found from the one pass


def test_an_error_in_one_pass_waits_for_the_other(tiny_assistant) -> None:
    finished = threading.Event()

    def slow_retrieval() -> str:
        time.sleep(0.2)
        finished.set()
        return "found"

    def failing_intent_pass() -> str:
        raise RuntimeError("the intent model failed")

    with pytest.raises(RuntimeError, match="intent model failed"):
        tiny_assistant._side_by_side(failing_intent_pass, slow_retrieval, parallel=True)
    assert finished.is_set()  # nothing left running behind the error
    assert tiny_assistant._side_by_side(lambda: 1, lambda: 2, parallel=True) == (1, 2)


def test_each_encoder_side_by_side_gets_half_the_threads(tiny_assistant) -> None:
    threads = torch.get_num_threads()
    assert encoder_threads(side_by_side=False) == threads
    assert encoder_threads(side_by_side=True) == max(1, threads // 2)
    ranker = tiny_assistant.components.classifier.ranker
    assert ranker.runtime == "onnxruntime"
    options = ranker._onnx.session.get_session_options()
    assert options.intra_op_num_threads == max(1, threads // 2)
