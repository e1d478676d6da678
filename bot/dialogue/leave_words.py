"""The words that take a customer out of a form, and what the rest of such a message says.

"cancel", "never mind", "forget the loan", "I don't want it any more" leave the form
(`bot.dialogue.forms`, `bot.dialogue.form_turns`); what is left of the message may ask
something else ("..., what's my card limit?"), give a reason ("my father will lend me the
money") or say the customer changed their mind ("better I invest, not borrow").
"""

from __future__ import annotations

import re

# "I don't want it" ends there or with a word such as "now"; "dont want it showing on my
# file" says what the customer fears, it does not leave the form.
_ENDS = (r"(?=\s*(?:$|[^\w\s]|(?:now|any ?more|either|thanks?|thank you|please|at all|"
         r"after all|then|anyway)\b))")
CANCEL = re.compile(
    rf"^\W*((no|nah|ok|okay|please|just|actually|sorry)\W+){{0,3}}"
    r"(cancel|stop|quit|exit|abort|never ?mind|nvm|forget (it|that)|no thanks|"
    rf"(i )?(don'?t|do not) want (to|(it|this)( any ?more)?{_ENDS})|"
    r"(i )?(don'?t|do not) need (it|this)|not now)\b", re.IGNORECASE)
_TASK = (r"(loan|credit|application|check|form|questions?|questionnaire|investing|investment"
         r"|portfolio|advice|borrowing)")
# Words that leave the form whatever else the message holds: they name the task ("forget
# about credit now", "I shall leave the loan for the time being") or the questions. Read
# before the message is tried as an answer: its other words ("a statement for my
# accountant") must not be taken for one.
LEAVE_THE_FORM = re.compile(
    rf"\b(forget (about )?((the|this|that|my) )?{_TASK}|leave (the|this|that|my) {_TASK}|"
    rf"(stop|cancel|quit|end|abort|drop|scrap) (the|this|that|my) {_TASK}|"
    r"(please )?cancel( it| this| that)?( please| now)?(?=[\s.!]*$)|"
    # "you know what cancel that I don't really want to get into debt": the pronoun ends
    # the words that cancel ("cancel that transfer" names something else)
    r"cancel (it|this|that)(?=\s*(?:[,.;:!?-]|(?:please|now|then|i|i'?m|i'?ve|i'?d|we|my|"
    r"as|because|cos|coz|since)\b))|"
    rf"(i )?(don'?t|do not|no longer) (need|want) ((the|a|this|that|my|any) )?{_TASK}"
    r"( any ?more)?|too many questions|stop (asking|(all )?(the|these|those) questions)|"
    r"(don'?t|do not) have (the )?time|not interested)\b[\s,.!;:-]*", re.IGNORECASE)
# Words that leave a form for something else in a message the form could not read
# ("Actually, forget the loan, what's my card limit?"); alone, "I'd rather" or "never mind"
# may also come before an answer ("I'd rather 3 years").
LEAVE = re.compile(
    rf"({LEAVE_THE_FORM.pattern}|\b(forget (about )?(the|this|that|it)|never ?mind"
    r"( (the|this|that) \w+)?|leave it(?! (alone|be|there|invested|as it is|as is|in|"
    r"where (it|they) (is|are)|untouched))|rather not|"
    rf"changed my mind|(i )?(don'?t|do not) want (to do )?(this|that|it)( now| any ?more)?{_ENDS}|"
    r"not now|(i'?d|i would) rather|no longer want|(scrap|ditch|drop) (that|this|it))\b"
    r"[\s,.!;:-]*)", re.IGNORECASE)
# What is left of a clause that leaves the form, once the leave words are gone: "forget the
# bloody loan, the cash machine ate my card" leaves "bloody loan, ..." in front of the request.
LEFT_TASK_CLAUSE = re.compile(
    rf"^[^,.;!?]{{0,30}}\b{_TASK}\b[^,.;!?]{{0,20}}[,.;!?]+\s*(?=\w+\W+\w)", re.IGNORECASE)
# What is left of a message that leaves the form and only says why: it is not answered.
COMPLAINT = re.compile(r"\b((so|too) many (questions|steps)|(all )?these questions|"
                       r"(don'?t|do not|haven'?t|have not) (got )?(the )?time|no time for|"
                       r"(don'?t|do not|no longer) want to (continue|go on|carry on|proceed)|"
                       r"ridiculous|waste of (my )?time|"
                       r"(taking|takes) (too|so) long|annoying|tedious|boring|pointless|useless)\b",
                       re.IGNORECASE)
# What is left of a message that leaves the form and says what the customer will do instead
# ("scrap that, I'll save up for it instead", "forget it, I'll ask my husband first"): a plan,
# not a request, unless it asks something.
OWN_PLAN = re.compile(
    r"\b(i'?ll|i will|we'?ll|we will|i'?m going to|we'?re going to|gonna|i'?d rather|"
    r"i might|i may)\s+(just |probably |maybe |rather )?(save|wait|think|leave|manage|do without|"
    r"ask|check|come back|sort|look|shop around|try|pay|go|talk it over|discuss|hold off|"
    r"get by|put it off|keep)\b", re.IGNORECASE)
# What is left of a message that stops the form and gives the customer's reason ("I don't
# really want to get into debt for a holiday", "my father will lend me the money"): a
# reason, not a request, unless it asks something.
REASON_TO_STOP = re.compile(
    r"\b((i|we) (really |just )?(don'?t|do not|no longer) (really )?(want|need|wanna)\b|"
    r"(my|our) \w+( \w+)? (will|'ll|is going to|can|could) (lend|give|help|pay|cover|sort)\b|"
    r"(he|she|they)('ll| will| is going to| are going to| can) (lend|give|help|pay|cover|sort)"
    r"\b)", re.IGNORECASE)
# Words that say the customer now wants something other than the form's task ("actually,
# what we really need is a mortgage, not a personal loan", "better I invest, not borrow").
CHANGE_OF_MIND = re.compile(
    r"\b(actually|instead|rather than|on second thoughts?|changed? (my|our) mind|"
    r"think(ing)? again|thought about it|(what )?(i|we) (really |actually )?(need|want) is|"
    rf"not (a |an |the |any )?(personal |bank )?{_TASK}|not (to )?(borrow|invest))\b",
    re.IGNORECASE)
# The form's task named only to be turned down ("..., not a personal loan"): the model reads
# the message better without it.
NOT_THE_TASK = re.compile(
    rf",?\s*(?:and |but )?not (?:a |an |the |any )?(?:personal |bank )?{_TASK}\b|"
    r",?\s*(?:and |but )?not (?:to )?(?:borrow|invest)\b|"
    # "I don't need borrow, better I invest my savings"
    rf"\b(?:i |we )?(?:don'?t|do not|no longer) (?:really )?(?:need|want)(?: to)? "
    rf"(?:(?:a |an |the |any )?(?:personal |bank )?{_TASK}|borrow(?:ing)?|invest(?:ing)?)\b,?",
    re.IGNORECASE)
