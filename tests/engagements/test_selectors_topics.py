"""The topic-tree descent (engagements.selectors.topic_with_descendants), the one walk that
the meetings page, the API's topic filter and the topic profile all use."""

from __future__ import annotations

import pytest

from engagements.models import Topic
from engagements.selectors import topic_with_descendants
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_finds_the_topic_and_every_topic_under_it(django_assert_num_queries):
    minerals = factories.TopicFactory(slug="critical-minerals")
    lithium = factories.TopicFactory(slug="lithium-supply", parent=minerals)
    brine = factories.TopicFactory(slug="lithium-brine", parent=lithium)
    energy = factories.TopicFactory(slug="renewable-energy")
    factories.TopicFactory(slug="solar", parent=energy)

    with django_assert_num_queries(1):
        found = topic_with_descendants(slug="critical-minerals")

    assert sorted(found) == sorted([minerals.pk, lithium.pk, brine.pk])
    assert topic_with_descendants(slug="lithium-brine") == [brine.pk]


def test_an_unknown_slug_finds_nothing():
    factories.TopicFactory(slug="critical-minerals")

    assert topic_with_descendants(slug="no-such-topic") == []


def test_parent_links_that_loop_end_the_walk():
    first = factories.TopicFactory(slug="first")
    second = factories.TopicFactory(slug="second", parent=first)
    third = factories.TopicFactory(slug="third", parent=second)
    # A loop the admin's form does not forbid: first -> third -> second -> first.
    Topic.objects.filter(pk=first.pk).update(parent=third)

    assert sorted(topic_with_descendants(slug="first")) == sorted([first.pk, second.pk, third.pk])
    assert sorted(topic_with_descendants(slug="third")) == sorted([first.pk, second.pk, third.pk])
