"""Idempotency keys: a repeated request returns the first answer.

Checked and recorded inside the engine's locked unit of work, so two
identical requests racing each other cannot both run: the second finds the
first's row (or waits for its lock and then finds it).
"""
import hashlib
import json

import sqlalchemy as sa

from mistral_resume import exceptions as exc
from mistral_resume.db import models


def request_hash(method, payload):
    text = json.dumps([method, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def lookup(session, project_id, key, digest):
    """The stored answer for ``key``, or None if the key is new.

    :raises: IdempotencyKeyMismatch (422) if the key came with another body.
    """
    row = session.execute(sa.select(models.IdempotencyKey).where(
        models.IdempotencyKey.project_id == project_id,
        models.IdempotencyKey.key == key)).scalar_one_or_none()
    if row is None:
        return None
    if row.request_hash != digest:
        raise exc.IdempotencyKeyMismatch()
    return row.response


def record(session, project_id, key, digest, response, status_code=200):
    session.add(models.IdempotencyKey(
        project_id=project_id, key=key, request_hash=digest,
        status_code=status_code, response=response))
