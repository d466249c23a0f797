"""RepliesTable: the governance record of each reply (REPLY#<reply id>) and, once sent, a pointer from the
platform's id of what was published to it (PUBLISHED#<platform>#<platform id>), read when its echo comes back.

Records are written whole (PutItem) under a condition on the state last read, so two requests never both move a
reply on; a record's move to `sent` and its pointer are one transaction."""

from __future__ import annotations

import json
import uuid

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.tables import bind, condition_failed, connection
from socialcrm.model import PostKey
from socialcrm.replies.contract import ReplyTarget, TemplateMessage
from socialcrm.replies.model import PublishedReply, ReplyRecord, reply_kind_of, status_of


class ByPost(GlobalSecondaryIndex["ReplyItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's Index.__init_subclass__ is untyped
    class Meta:
        index_name = "by-post"
        projection = AllProjection()

    post_key = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ByCustomer(GlobalSecondaryIndex["ReplyItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's Index.__init_subclass__ is untyped
    class Meta:
        index_name = "by-customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ReplyItem(Model):
    pk = UnicodeAttribute(hash_key=True)  # REPLY#<reply id>
    reply_id = UnicodeAttribute()
    post_key = UnicodeAttribute()  # the answered post
    platform = UnicodeAttribute()
    kind = UnicodeAttribute()
    post_id = UnicodeAttribute()  # the platform's id of what is answered
    account = UnicodeAttribute()  # our account it is published as
    recipient = UnicodeAttribute(null=True)
    conversation = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    status = UnicodeAttribute()
    reason = UnicodeAttribute(default="")
    sender = UnicodeAttribute()
    submitted_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    approved_at = UnicodeAttribute(null=True)
    platform_id = UnicodeAttribute(null=True)
    published_at = UnicodeAttribute(null=True)
    message_tag = UnicodeAttribute(null=True)
    template = UnicodeAttribute(null=True)  # JSON {"name", "language", "parameters"}
    expires_at = NumberAttribute(null=True)  # TTL: the answered post's retention
    by_post = ByPost()
    by_customer = ByCustomer()


class PublishedItem(Model):
    pk = UnicodeAttribute(hash_key=True)  # PUBLISHED#<platform>#<platform id>
    reply_id = UnicodeAttribute()
    answered = UnicodeAttribute()  # the answered post's key (not post_key: pointers stay out of by-post)
    answered_customer = UnicodeAttribute(null=True)  # (not customer_id: pointers stay out of by-customer)
    expires_at = NumberAttribute(null=True)


def _item(model: type[ReplyItem], record: ReplyRecord) -> ReplyItem:
    target = record.target
    template = record.template
    return model(
        keys.reply_key(record.reply_id), reply_id=record.reply_id, post_key=record.post_key.text,
        platform=target.platform, kind=target.kind, post_id=target.post_id, account=target.account,
        recipient=target.recipient, conversation=target.conversation, text=record.text, status=record.status,
        reason=record.reason, sender=record.sender, submitted_at=record.submitted_at, updated_at=record.updated_at,
        customer_id=record.customer_id, approved_by=record.approved_by, approved_at=record.approved_at,
        platform_id=record.platform_id, published_at=record.published_at, message_tag=record.message_tag,
        template=json.dumps({"name": template.name, "language": template.language,
                             "parameters": list(template.parameters)}) if template else None,
        expires_at=record.expires_at)


def _record(item: ReplyItem) -> ReplyRecord:
    template = json.loads(item.template) if item.template else None
    return ReplyRecord(
        reply_id=item.reply_id, post_key=PostKey.parse(item.post_key),
        target=ReplyTarget(item.platform, reply_kind_of(item.kind), item.post_id, item.account, item.recipient,
                           item.conversation),
        text=item.text, status=status_of(item.status), sender=item.sender, submitted_at=item.submitted_at,
        updated_at=item.updated_at, reason=item.reason or "", customer_id=item.customer_id,
        approved_by=item.approved_by, approved_at=item.approved_at, platform_id=item.platform_id,
        published_at=item.published_at, message_tag=item.message_tag,
        template=TemplateMessage(template["name"], template["language"], tuple(template["parameters"]))
        if template else None,
        expires_at=int(item.expires_at) if item.expires_at is not None else None)


class DynamoReplyStore:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _model(self) -> type[ReplyItem]:
        return bind(ReplyItem, self.table_name)

    def get(self, reply_id: str) -> ReplyRecord | None:
        try:
            return _record(self._model.get(keys.reply_key(reply_id), consistent_read=True))
        except DoesNotExist:
            return None

    def claim(self, record: ReplyRecord) -> bool:
        model = self._model
        try:
            _item(model, record).save(condition=model.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def replace(self, before: ReplyRecord, after: ReplyRecord) -> bool:
        model = self._model
        unchanged = (model.status == before.status) & (model.updated_at == before.updated_at)
        item = _item(model, after)
        if after.status != "sent" or not after.platform_id:
            try:
                item.save(condition=unchanged)
            except PutError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    return False
                raise
            return True
        pointer = bind(PublishedItem, self.table_name)(
            keys.published_key(after.target.platform, after.platform_id), reply_id=after.reply_id,
            answered=after.post_key.text, answered_customer=after.customer_id, expires_at=after.expires_at)
        try:
            with TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4())) as transaction:
                transaction.save(item, condition=unchanged)
                transaction.save(pointer)
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def for_post(self, post_key: PostKey) -> list[ReplyRecord]:
        return [_record(item) for item in self._model.by_post.query(post_key.text)]

    def published(self, post_key: PostKey) -> PublishedReply | None:
        try:
            item = bind(PublishedItem, self.table_name).get(keys.published_key(post_key.platform, post_key.post_id))
        except DoesNotExist:
            return None
        return PublishedReply(item.reply_id, PostKey.parse(item.answered), item.answered_customer)

    def for_customer(self, customer_id: str) -> list[str]:
        return [item.pk.removeprefix("REPLY#") for item in self._model.by_customer.query(customer_id)]

    def delete(self, reply_id: str) -> bool:
        record = self.get(reply_id)
        if record is None:
            return False
        if record.platform_id:
            pointer = bind(PublishedItem, self.table_name)(keys.published_key(record.target.platform,
                                                                              record.platform_id))
            pointer.delete()
        self._model(keys.reply_key(reply_id)).delete()
        return True
