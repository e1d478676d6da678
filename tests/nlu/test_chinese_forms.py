"""Chinese answers to the forms' questions: numbers, units, yes/no and choices by synonym,
read by the same parsers as English ones (bot/nlu/chinese.py)."""

from __future__ import annotations

import pytest

from bot.dialogue.slots import fill_slots
from bot.nlu.chinese import chinese_number, chinese_yes_no, for_forms
from bot.nlu.entities import extract_entities


@pytest.mark.parametrize(("text", "value"), [
    ("三十四", 34), ("两万五", 25000), ("一千二百", 1200), ("5千", 5000), ("1.5万", 15000),
    ("十", 10), ("十二", 12), ("一百万", 1_000_000), ("两亿", 200_000_000), ("零", 0),
])
def test_chinese_numbers(text: str, value: float) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(("text", "read"), [
    ("五千元", "5000 bucks"), ("两万块", "20000 bucks"), ("两年", "2 years"),
    ("18个月", "18 months"), ("半年", "6 months"), ("一年半", "1.5 years"),
    ("三十四岁", "34 years old"), ("百分之五", "5 %"), ("五千欧元", "5000 euros"),
    ("我租房住", "我 租 房 住"), ("一百万", "1000000"),
    # words that only look like numbers stay words
    ("一直没收到", "一 直 没 收 到"), ("万一不行呢", "万 一 不 行 呢"), ("百度一下", "百 度 一 下"),
    ("my card", "my card"),  # no Han characters: unchanged
])
def test_for_forms(text: str, read: str) -> None:
    assert for_forms(text) == read


def test_amounts_in_chinese_and_in_yuan() -> None:
    (amount,) = extract_entities(for_forms("两万块"))
    assert (amount.kind, amount.value, amount.unit) == ("money", 20000, None)  # the asked one
    (yuan,) = extract_entities("¥3,000")
    assert (yuan.kind, yuan.value, yuan.unit) == ("money", 3000, "CNY")


@pytest.mark.parametrize(("text", "answer"), [
    ("好的", True), ("是的", True), ("嗯嗯", True), ("可以", True), ("不错", True),
    ("不用了，谢谢", False), ("不要", False), ("算了", False), ("没有", False),
    ("我要借钱买车", None), ("卡丢了怎么办呢我的天", None),
])
def test_chinese_yes_no(text: str, answer: bool | None) -> None:
    assert chinese_yes_no(text) is answer


@pytest.mark.parametrize(("form", "slot", "text", "value"), [
    ("loan_application", "amount", "两万块", 20000),
    ("loan_application", "duration_months", "18个月", 18),
    ("loan_application", "purpose", "装修厨房", "repairs"),
    ("loan_application", "purpose", "买个二手车", "used_car"),
    ("loan_application", "age", "三十四岁", 34),
    ("loan_application", "age", "我今年34", 34),
    ("loan_application", "employment_years", "在现在的公司干了三年", 3),
    ("loan_application", "employment_years", "失业了", -1),
    ("loan_application", "housing", "我租房住", "rent"),
    ("loan_application", "housing", "跟爸妈一起住，不用交房租", "free"),
    ("loan_application", "housing", "自己的房子，还有房贷", "own"),
    ("loan_application", "savings", "存款大概三千块吧", 3000),
    ("loan_application", "savings", "没有存款", 0),
    ("portfolio_advice", "goal", "退休以后用", "growth"),
    ("portfolio_advice", "goal", "保本就行", "preserve"),
    ("portfolio_advice", "reaction_to_drop", "拿着不动", "hold"),
    ("portfolio_advice", "horizon_years", "十五年", 15),
    ("portfolio_advice", "income_stability", "自由职业，收入不固定", "unstable"),
])
def test_chinese_answers_fill_the_default_forms(default_kb, form: str, slot: str, text: str,
                                                 value: object) -> None:
    chinese_form = default_kb.in_locale("zh").forms[form]
    filled = fill_slots(chinese_form, text, slot)
    assert {name: fill.value for name, fill in filled.values.items()} == {slot: value}


def test_several_chinese_answers_in_one_message(default_kb) -> None:
    loan = default_kb.in_locale("zh").forms["loan_application"]
    filled = fill_slots(loan, "我想借五千欧元，分两年还", "amount")
    assert {name: fill.value for name, fill in filled.values.items()} == {
        "amount": 5000, "duration_months": 24}
