"""PostsTable: one item per post under its idempotency key, with three author/customer indexes.

A new post is one conditional PutItem that names the processor batch and the delivery that stored it; when the post
is there already, the same request returns the stored item (ReturnValuesOnConditionCheckFailure), so nothing is
read before the write. Its counts go in its batch's items in MetricsTable (adapters.dynamo.metrics)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from socialcrm.adapters.dynamo.tables import bind, epoch, live, put_unless_refused
from socialcrm.model import AnalyzedPost, PostKey
from socialcrm.stored import StoredPost


class ByAuthor(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's Index.__init_subclass__ is untyped
    class Meta:
        index_name = "by-author"
        projection = KeysOnlyProjection()

    author_key = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByAuthorHandle(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's Index.__init_subclass__ is untyped
    class Meta:
        index_name = "by-author-handle"
        projection = KeysOnlyProjection()

    author_handle_key = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByCustomer(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's Index.__init_subclass__ is untyped
    class Meta:
        index_name = "by-customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class PostItem(Model):
    pk = UnicodeAttribute(hash_key=True)  # <platform>#<post id>
    platform = UnicodeAttribute()
    post_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    source = UnicodeAttribute(null=True)
    author_key = UnicodeAttribute(null=True)
    author_handle_key = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute(null=True)
    text = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    url = UnicodeAttribute(null=True)
    reply_to = UnicodeAttribute(null=True)
    sentiment = UnicodeAttribute()
    sentiment_score = NumberAttribute()
    customer_id = UnicodeAttribute(null=True)
    match_key = UnicodeAttribute(null=True)
    match_status = UnicodeAttribute(null=True)  # linked | candidate | unmatched
    match_score = NumberAttribute(null=True)
    evidence = UnicodeAttribute(null=True)  # JSON list of signal kinds
    match_basis = UnicodeAttribute(null=True)  # the asserted kind the link rests on (docs/matching.md)
    status = UnicodeAttribute(null=True)  # posts stored before batches: stored -> done
    batch = UnicodeAttribute(null=True)  # the processor batch that stored (or took over) the post
    delivery = UnicodeAttribute(null=True)  # the queue message that stored it
    answered_by = UnicodeAttribute(null=True)  # the post key of that reply
    expires_at = NumberAttribute(null=True)
    author_role = UnicodeAttribute(null=True)  # company | employee | unofficial_brand | public
    answered_at = UnicodeAttribute(null=True)  # the first reply from an official account
    answer_text = UnicodeAttribute(null=True)  # what that reply said
    account = UnicodeAttribute(null=True)  # our account the post was delivered for (replies are published as it)
    author_user_id = UnicodeAttribute(null=True)  # the author's platform id (direct replies go to it)
    thread = UnicodeAttribute(null=True)  # the platform's conversation id
    by_author = ByAuthor()
    by_author_handle = ByAuthorHandle()
    by_customer = ByCustomer()


def _stored(item: PostItem) -> StoredPost:
    return StoredPost(
        key=PostKey.parse(item.pk),
        kind=item.kind,
        created_at=item.created_at,
        text=item.text,
        sentiment=item.sentiment,
        url=item.url,
        customer_id=item.customer_id,
        match_key=item.match_key,
        match_status=item.match_status or ("linked" if item.customer_id else "unmatched"),
        match_score=int(item.match_score or 0),
        evidence=tuple(json.loads(item.evidence or "[]")),
        match_basis=item.match_basis,
        author_key=item.author_key,
        author_handle_key=item.author_handle_key,
        author_name=item.author_name,
        author_role=item.author_role or "public",
        answered_at=item.answered_at,
        answer_text=item.answer_text,
        account=item.account,
        author_user_id=item.author_user_id,
        thread=item.thread,
        reply_to=item.reply_to,
        answered_by=item.answered_by,
        batch=item.batch,
        delivery=item.delivery,
    )


class DynamoPostRepository:
    """Posts, kept `retention_days` after they were written (TTL `expires_at`); reads ignore expired ones."""

    def __init__(self, *, table_name: str, retention_days: int | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.table_name = table_name
        self.retention_seconds = retention_days * 86400 if retention_days else None
        self.clock = clock or time.time

    @property
    def _model(self) -> type[PostItem]:
        return bind(PostItem, self.table_name)

    def store_new(self, analyzed: AnalyzedPost, batch: str, delivery: str) -> StoredPost | None:
        post_item = self._model
        post, stored = analyzed.post, StoredPost.of(analyzed)
        item = post_item(
            stored.key.text,
            platform=stored.platform,
            post_id=stored.key.post_id,
            kind=stored.kind,
            source=post.source or None,
            author_key=stored.author_key,
            author_handle_key=stored.author_handle_key,
            author_name=stored.author_name,
            text=stored.text,
            created_at=stored.created_at,
            url=stored.url,
            reply_to=post.reply_to,
            sentiment=stored.sentiment,
            sentiment_score=analyzed.sentiment_score,
            customer_id=stored.customer_id,
            match_key=stored.match_key,
            match_status=stored.match_status,
            match_score=stored.match_score,
            evidence=json.dumps(list(stored.evidence)),
            match_basis=stored.match_basis,
            author_role=stored.author_role,
            account=stored.account,
            author_user_id=stored.author_user_id,
            thread=stored.thread,
            batch=batch,
            delivery=delivery,
            expires_at=epoch(post.created_at) + self.retention_seconds if self.retention_seconds else None,
        )
        refused = put_unless_refused(item, post_item.pk.does_not_exist())
        if refused is not None:
            if refused.held is not None:
                return _stored(post_item.from_raw_data(refused.held))
            # an endpoint that does not return the item: read it (strongly consistent)
            return self.get_state(stored.key) or StoredPost(stored.key, stored.kind, stored.created_at)
        return None

    def take_over(self, post_key: PostKey, from_batch: str | None, batch: str) -> bool:
        update = self._model
        held = update.batch == from_batch if from_batch else update.batch.does_not_exist()
        try:
            update(post_key.text).update(actions=[update.batch.set(batch)], condition=update.pk.exists() & held)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_answered(self, post_key: PostKey, answered_at: str, answered_by: PostKey,
                      answer_text: str | None = None) -> bool:
        """The first official reply (and what it said), once: True for it (and for the same reply again), False for
        a later one."""
        post_item = self._model
        actions: list[Action] = [post_item.answered_at.set(answered_at), post_item.answered_by.set(answered_by.text)]
        if answer_text:
            actions.append(post_item.answer_text.set(answer_text))
        try:
            post_item(post_key.text).update(
                actions=actions,
                condition=post_item.pk.exists() & (post_item.answered_at.does_not_exist()
                                                   | (post_item.answered_by == answered_by.text)))
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get_states(self, post_keys: Sequence[PostKey]) -> dict[PostKey, StoredPost]:
        wanted = list(dict.fromkeys(key.text for key in post_keys))
        if not wanted:
            return {}
        now = self.clock()
        return {PostKey.parse(item.pk): _stored(item) for item in self._model.batch_get(wanted, consistent_read=True)
                if live(item.expires_at, now)}

    def get_state(self, post_key: PostKey) -> StoredPost | None:
        try:
            item = self._model.get(post_key.text, consistent_read=True)
        except DoesNotExist:
            return None
        return _stored(item) if live(item.expires_at, self.clock()) else None

    def update_text(self, post_key: PostKey, text: str, sentiment: str, score: float) -> None:
        post_item = self._model
        post_item(post_key.text).update(actions=[post_item.text.set(text), post_item.sentiment.set(sentiment),
                                            post_item.sentiment_score.set(score)])

    def delete(self, post_key: PostKey) -> None:
        self._model(post_key.text).delete()

    def recent_for_customer(self, customer_id: str, limit: int) -> list[StoredPost]:
        query = self._model.by_customer.query(customer_id, scan_index_forward=False, limit=limit)
        now = self.clock()
        return [_stored(item) for item in query if live(item.expires_at, now)]

    def keys_for_customer(self, customer_id: str) -> list[PostKey]:
        return [PostKey.parse(item.pk) for item in self._model.by_customer.query(customer_id)]

    def last_post_at(self, author_key: str) -> str | None:
        """The newest post's time under an identity key (one Query of one item on its author index)."""
        post_item = self._model
        index = post_item.by_author_handle if author_key.startswith("handle:") else post_item.by_author
        for item in index.query(author_key, scan_index_forward=False, limit=1):
            return item.created_at
        return None

    def keys_by_author(self, author_key: str) -> list[PostKey]:
        post_item = self._model
        if author_key.startswith("handle:"):
            return [PostKey.parse(item.pk) for item in post_item.by_author_handle.query(author_key)]
        return [PostKey.parse(item.pk) for item in post_item.by_author.query(author_key)]

    def link(self, post_key: PostKey, customer_id: str | None, match_key: str | None, *,
             evidence: Sequence[str] = (), score: int = 0, status: str | None = None,
             basis: str | None = None) -> StoredPost | None:
        post_item = self._model
        before = self.get_state(post_key)
        if before is None:
            return None
        status = status or ("linked" if customer_id else "unmatched")
        actions: list[Action] = [post_item.match_status.set(status), post_item.match_score.set(score),
                                 post_item.evidence.set(json.dumps(list(evidence)))]
        if customer_id is None:
            actions += [post_item.customer_id.remove(), post_item.match_key.remove(), post_item.match_basis.remove()]
        else:
            actions += [post_item.customer_id.set(customer_id), post_item.match_key.set(match_key or ""),
                        post_item.match_basis.set(basis or "")]
        post_item(post_key.text).update(actions=actions)
        return before
