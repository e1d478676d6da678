"""Chinese answers for the form parsers, which read English-style text.

`for_forms` rewrites a message (and each synonym, cue and word of a slot, so both sides
match alike): numbers written in Chinese become digits ("五千" -> 5000, "两万五" -> 25000,
"1.5万" -> 15000, "三十四" -> 34), units after a number become the English words the
parsers know ("岁" -> "years old", "个月" -> "months", "块"/"元" -> an amount in the
currency the question asked for), full-width punctuation becomes ASCII, and each Han
character stands as a word of its own, so "租房" is found in "我租房住" as whole words are
in English. Text without Han characters is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3,
           "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
           "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_NUMERAL = "".join([*_DIGITS, *_UNITS, *_BIG])
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# What may follow a single numeral character for it to be a number: "一年", "两个月",
# "三岁", "五块"; not "一直", "一下", "一起".
_COUNTED = r"(?=\s*(?:年|个|個|岁|歲|周|週|星期|礼拜|天|元|块|塊|欧|歐|英镑|美元|美金|人民币|%|％))"
_STARTS = "".join([*_DIGITS, "十", "拾"])  # "万一" ("in case") and "百度" are no numbers
_NUMBER_RUN = re.compile(
    rf"(?<![\d.])(?:\d+(?:\.\d+)?[{''.join([*_UNITS, *_BIG])}][{_NUMERAL}\d]*"
    rf"|[{_STARTS}][{_NUMERAL}]+|[{_STARTS}]{_COUNTED})")
_PERCENT = re.compile(rf"百分之\s*([{_NUMERAL}\d.]+)")
_UNIT_WORDS = (
    (re.compile(r"(\d+(?:\.\d+)?)\s*年半"), lambda m: f"{float(m.group(1)) + 0.5:g} years"),
    (re.compile(r"半年"), lambda m: "6 months"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:周岁|岁|歲)"), lambda m: f"{m.group(1)} years old"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:个|個)?\s*(?:月)"), lambda m: f"{m.group(1)} months"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:个|個)?\s*(?:星期|礼拜|周|週)"),
     lambda m: f"{m.group(1)} weeks"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*年"), lambda m: f"{m.group(1)} years"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:欧元|欧|歐元|歐)"), lambda m: f"{m.group(1)} euros"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*英镑"), lambda m: f"{m.group(1)} pounds"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:美元|美金)"), lambda m: f"{m.group(1)} dollars"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*人民币"), lambda m: f"{m.group(1)} rmb"),
    # "块", "元" name no currency in speech: the amount is in the currency asked for
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:块钱|块|塊錢|塊|元)"), lambda m: f"{m.group(1)} bucks"),
)
_PUNCTUATION = str.maketrans({"，": ",", "。": ".", "？": "?", "！": "!", "；": ";", "：": ":",
                              "、": ",", "（": "(", "）": ")", "％": "%", "￥": "¥",
                              "～": "~", "　": " "})


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def chinese_number(run: str) -> float | None:
    """"三十四" -> 34, "两万五" -> 25000, "一千二百" -> 1200, "5千" -> 5000, "1.5万" -> 15000,
    "十" -> 10; None for a run that is no number."""
    leading = re.match(r"\d+(?:\.\d+)?", run)
    total, section, digit = 0.0, 0.0, None
    rest = run
    if leading:
        digit = float(leading.group(0))
        rest = run[leading.end():]
    last_unit = None
    for char in rest:
        if char.isdigit():
            digit = float(char) if digit is None else digit * 10 + float(char)
        elif char in _DIGITS:
            digit = float(_DIGITS[char])
        elif char in _UNITS:
            section += (digit if digit is not None else 1) * _UNITS[char]
            digit, last_unit = None, _UNITS[char]
        elif char in _BIG:
            section += digit or 0
            total += (section or 1) * _BIG[char]
            section, digit, last_unit = 0.0, None, _BIG[char]
        else:
            return None
    if digit is not None:
        # "两万五": a digit after a unit counts in the next lower place (25000)
        section += digit * (last_unit / 10) if last_unit and last_unit >= 100 else digit
    value = total + section
    return value if value or "零" in run or "〇" in run else None


def _numbers(text: str) -> str:
    def digits(match: re.Match[str]) -> str:
        value = chinese_number(match.group(0))
        if value is None:
            return match.group(0)
        if value >= 1e15:
            return match.group(0)
        digits = str(int(value)) if value.is_integer() else f"{value:.6f}".rstrip("0")
        return f" {digits} "

    return _NUMBER_RUN.sub(digits, text)


def _spaced(words: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    return lambda match: f" {words(match)} "


def for_forms(text: str) -> str:
    """The text as the form parsers read it (see the module docstring)."""
    if not has_han(text):
        return text
    text = text.translate(_PUNCTUATION)
    text = _PERCENT.sub(lambda m: f" {_numbers(m.group(1)).strip()}% ", text)
    text = _numbers(text)
    for pattern, words in _UNIT_WORDS:
        text = pattern.sub(_spaced(words), text)
    text = _HAN.sub(lambda m: f" {m.group(0)} ", text)
    return " ".join(text.split())


# Whole answers (punctuation and spaces removed) that say yes or no.
YES = frozenset({"是", "是的", "是啊", "对", "对的", "对啊", "好", "好的", "好啊", "好呀", "好滴",
                 "嗯", "嗯嗯", "恩", "行", "行啊", "可以", "可以的", "要", "要的", "需要", "当然",
                 "当然可以", "没问题", "没错", "确定", "同意", "愿意", "好的谢谢", "好的麻烦了",
                 "麻烦了", "不错", "对呀", "是呀", "要啊", "好吧", "ok好的", "是滴"})
NO = frozenset({"不", "不是", "不对", "不用", "不用了", "不要", "不要了", "不需要", "不必",
                "不必了", "没有", "没", "否", "算了", "算了吧", "不了", "先不了", "先不用",
                "暂时不用", "不用了谢谢", "不用谢谢", "不想", "不行", "别", "别了", "没有了",
                "没了", "不好"})
_NO_START = ("不用", "不要", "不需要", "不想", "不是", "不了", "算了", "暂时不", "先不", "没有")


def chinese_yes_no(text: str) -> bool | None:
    """True / False for a short Chinese yes or no ("好的", "不用了，谢谢"), None otherwise."""
    cleaned = re.sub(r"[\W_]+", "", text.lower())
    if not cleaned or len(cleaned) > 8:
        return None
    if cleaned in YES:
        return True
    if cleaned in NO or cleaned.startswith(_NO_START):
        return False
    if cleaned.startswith(("好的", "是的", "可以", "没问题", "当然")):
        return True
    return None
