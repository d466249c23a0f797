"""The stored post, its key, the item key strings and the tables' model binding (no AWS)."""

from __future__ import annotations

import hashlib

import pytest

from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.posts import PostItem
from socialcrm.adapters.dynamo.tables import bind
from socialcrm.errors import BadRequest
from socialcrm.model import AnalyzedPost, Author, CanonicalPost, ContactPush, PostKey, push_id_for
from socialcrm.stored import StoredPost


def test_a_post_key_is_written_and_read_back_as_platform_hash_id():
    key = PostKey("facebook", "123_456")
    assert key.text == str(key) == "facebook#123_456"
    assert PostKey.parse("facebook#123_456") == key
    assert PostKey.parse("x#a#b") == PostKey("x", "a#b")  # an id may hold the separator; a platform may not


@pytest.mark.parametrize("text", ["", "facebook", "#123", "facebook#", " #1", None, 12])
def test_what_is_not_a_post_key_is_refused(text):
    with pytest.raises(BadRequest):
        PostKey.parse(text)


def test_the_keys_of_a_post_its_reply_parent_and_its_push_are_the_same_key():
    post = CanonicalPost("x", "2", "comment", Author("x", "u1"), "hi", "2026-11-20T10:00:00Z", reply_to="1")
    assert post.key == PostKey("x", "2")
    assert post.parent_key == PostKey("x", "1")
    assert CanonicalPost("x", "1", "post", Author("x"), "", "2026-11-20T10:00:00Z").parent_key is None
    push = ContactPush("p", "c-1", None, "x", "comment", "2", "hi", "neutral", "2026-11-20T10:00:00Z", None, "")
    assert push.post_key == post.key


def test_push_ids_hash_the_written_out_key_as_before():
    """Push ids already in queues and tables were hashed from "<platform>#<id>": they must not move."""
    key = PostKey("facebook", "p1")
    assert push_id_for(key) == hashlib.sha256(b"facebook#p1").hexdigest()[:32]


def test_a_stored_post_of_an_analyzed_post():
    post = CanonicalPost("instagram", "ig1", "comment", Author("instagram", "42", "ada.l", "Ada"), "hello",
                         "2026-11-20T10:00:00Z", url="https://www.instagram.com/p/ig1")
    stored = StoredPost.of(AnalyzedPost(post, "positive", 0.5, "c-1", "id:instagram:42", 90, ("a", "b"),
                                        role="public", match_basis="platform_id_on_record"))
    assert (stored.key, stored.platform, stored.customer_id, stored.match_status) == (
        PostKey("instagram", "ig1"), "instagram", "c-1", "linked")
    assert (stored.evidence, stored.match_score, stored.batch, stored.answered_at) == (("a", "b"), 90, None, None)
    assert (stored.author_key, stored.author_handle_key) == ("id:instagram:42", "handle:instagram:ada.l")
    held = StoredPost.of(AnalyzedPost(post, "neutral", 0.0, candidates=({"customer_id": "c-1"},)))
    assert held.match_status == "candidate"
    again = stored.author_post()
    assert (again.key, again.author.user_id, again.author.handle, again.text) == (post.key, "42", "ada.l", "hello")


def test_item_keys_keep_the_formats_of_the_items_already_stored():
    assert keys.counter_partition("2026-11-20T10:00:00Z") == "COUNTER#2026-11-20T10:00:00Z"
    assert keys.counter_sort_key("Posts|Platform=x", 3) == "Posts|Platform=x#3"
    assert keys.counter_name("Posts|Platform=x#3") == "Posts|Platform=x"
    shard = int(hashlib.sha256(b"c-1").hexdigest()[:8], 16) % 8
    assert keys.base_sort_key("gold", "c-1") == f"Customers|Segment=gold#{shard}"
    assert (keys.rollup_partition("2026-11-20"), keys.rollup_kind("2026-11-20")) == ("ROLLUP#2026-11-20", "DAILY")
    assert keys.rollup_kind("2026-11-20T10:00:00Z") == "HOURLY"
    assert keys.period_of_rollup("ROLLUP#2026-11-20") == "2026-11-20"
    assert keys.link_sort_key("rejected", "c-1") == "REJECTED#c-1"
    assert keys.link_sort_key("holder:id:x:1", "c-1") == "HOLDER#c-1"
    assert keys.link_sort_key("confirmed", "c-1") == keys.link_sort_key("linked:handle_on_record", "c-1") == "LINK#c-1"
    assert keys.every_link_sort_key("c-1") == ["LINK#c-1", "REJECTED#c-1", "HOLDER#c-1"]
    assert keys.erased_partition("phone:+1") == "ERASED#" + hashlib.sha256(b"phone:+1").hexdigest()
    assert keys.review_pointer("facebook#p1") == "REVIEW#facebook#p1"
    assert keys.post_key_of_review_pointer("REVIEW#facebook#p1") == "facebook#p1"
    assert (keys.task_window_key("c-1"), keys.delivery_key("p", "https")) == ("TASK#c-1", "PUSHED#p#https")


def test_a_model_is_bound_once_per_table_name_and_needs_one():
    posts = bind(PostItem, "posts-a")
    assert posts is bind(PostItem, "posts-a")
    assert posts.Meta.table_name == "posts-a"
    other = bind(PostItem, "posts-b")
    assert other is not posts and other.Meta.table_name == "posts-b"
    assert other.by_customer.Meta.index_name == "by-customer" and other.by_customer._model is other
    with pytest.raises(ValueError):
        bind(PostItem, "")
