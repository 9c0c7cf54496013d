"""What lets another process take over a dead one's work.

* The outbox: messages a unit of work committed; a sender deletes them once
  sent, so rows left behind belong to a process that died in between.
* Action claims and leases: an executor claims an action execution by
  compare-and-set before running it, and renews ``heartbeat_at`` while it
  runs. A claim whose heartbeat is older than the lease belongs to a dead
  executor; a RUNNING action nobody claimed for as long was lost on its way
  to an executor (``engine/leases.py`` decides what follows).
"""
import sqlalchemy as sa

from mistral_resume.db import models

# ------------------------------------------------------------------- outbox


def outbox_take_stale(session, older_than, limit=100):
    model = models.Outbox
    query = (sa.select(model).where(model.created_at < older_than)
             .order_by(model.id).limit(limit))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).scalars().all()


def outbox_delete(session, ids):
    if ids:
        session.execute(sa.delete(models.Outbox).where(
            models.Outbox.id.in_(list(ids))))


# ------------------------------------------------------------ action claims

def _action_update(session, where, values):
    model = models.ActionExecution
    return session.execute(
        sa.update(model).where(*where).values(**values)
        .execution_options(synchronize_session=False)).rowcount


def claim_action(session, ax_id, executor_id, leased=True, now=None):
    """Claim a RUNNING, unclaimed action execution for ``executor_id`` by
    compare-and-set; False if it is claimed already or no longer running
    (a duplicate ``run_action``: the caller drops it). ``leased``: the
    claim lives by heartbeats (False for an async action, which completes
    through the API)."""
    model = models.ActionExecution
    now = now or models.utcnow()
    return _action_update(
        session, (model.id == ax_id, model.state == "RUNNING",
                  model.executor_id.is_(None)),
        {"executor_id": executor_id, "claimed_at": now,
         "heartbeat_at": now if leased else None}) == 1


def renew_leases(session, ax_ids, executor_id, now=None):
    """One heartbeat for the actions ``executor_id`` holds; the ids of
    those still RUNNING under its claim (the others are done)."""
    if not ax_ids:
        return set()
    model = models.ActionExecution
    held = (model.id.in_(list(ax_ids)), model.executor_id == executor_id,
            model.state == "RUNNING")
    live = set(session.execute(sa.select(model.id).where(*held)).scalars())
    renewable = live
    if live and session.get_bind().dialect.name != "sqlite":
        # A row an engine's unit of work holds (completing it, say) is not
        # waited for: the beat must not stall past the lease behind a
        # long transaction. It stays held and the next beat renews it.
        renewable = list(session.execute(
            sa.select(model.id).where(model.id.in_(list(live)), *held[1:])
            .with_for_update(skip_locked=True)).scalars())
    if renewable:
        _action_update(session, (model.id.in_(list(renewable)),) + held[1:],
                       {"heartbeat_at": now or models.utcnow()})
    return live


def lost_actions(session, stale_before, limit=100):
    """RUNNING actions of a task whose claim lease expired, or that nobody
    claimed (nor was re-sent) since ``stale_before``."""
    model = models.ActionExecution
    expired = sa.and_(model.executor_id.is_not(None),
                      model.heartbeat_at.is_not(None),
                      model.heartbeat_at < stale_before)
    unclaimed = sa.and_(
        model.executor_id.is_(None),
        sa.func.coalesce(model.claimed_at, model.created_at) < stale_before)
    return session.execute(
        sa.select(model.id, model.root_execution_id, model.executor_id,
                  model.heartbeat_at)
        .where(model.state == "RUNNING", model.accepted.is_(True),
               model.task_execution_id.is_not(None),
               sa.or_(expired, unclaimed))
        .order_by(model.created_at).limit(limit)).all()


def release_claim(session, ax_id, executor_id, heartbeat_at, now=None):
    """Take an action back from a claim (None: from no claim) so it can be
    sent again; compare-and-set on the claim seen, so an executor that
    renewed it meanwhile keeps it. For an unclaimed action ``claimed_at``
    records when it was re-sent (the next try waits one more lease)."""
    model = models.ActionExecution
    same = (model.executor_id.is_(None) if executor_id is None
            else model.executor_id == executor_id)
    beat = (model.heartbeat_at.is_(None) if heartbeat_at is None
            else model.heartbeat_at == heartbeat_at)
    return _action_update(
        session, (model.id == ax_id, model.state == "RUNNING", same, beat),
        {"executor_id": None, "heartbeat_at": None,
         "claimed_at": now or models.utcnow()}) == 1
