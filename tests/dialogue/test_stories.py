"""YAML conversation stories, each played in a fresh session on the default knowledge base."""

from pathlib import Path

import pytest

from bot.dialogue.stories import Story, load_stories, run_story

STORY_FILES = sorted((Path(__file__).parents[1] / "stories").glob("*.yml"))
STORIES = [story for path in STORY_FILES for story in load_stories(path)]


@pytest.mark.parametrize("story", STORIES, ids=[s.story for s in STORIES])
def test_story(default_assistant, story: Story) -> None:
    result = run_story(default_assistant, story)
    assert result.failures == []


def test_runner_reports_mismatches(default_assistant) -> None:
    story = Story.model_validate({
        "story": "wrong on purpose",
        "steps": [{"user": "hello", "bot": {"intent": "goodbye", "text_contains": "zebra"}},
                  {"press": 9}],
    })
    result = run_story(default_assistant, story)
    assert not result.passed
    assert result.failures[0] == "step 1: intent is 'greet', expected 'goodbye'"
    assert result.failures[1].startswith("step 1: text ") and "lacks 'zebra'" in result.failures[1]
    assert result.failures[2].startswith("step 2: no button 9 to press")
