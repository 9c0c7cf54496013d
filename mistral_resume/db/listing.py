"""Pages of rows for the API's list requests (Mistral's marker
pagination: the marker is the id of the last row of the previous page)."""
import sqlalchemy as sa

from mistral_resume.db import api as db_api


def list_rows(session, model, filters=None, project_id=None, limit=None,
              marker=None, sort_keys=("created_at",), sort_dirs=("asc",),
              options=()):
    """A page of rows, Mistral's marker pagination (marker = an id)."""
    query = sa.select(model).options(*options)
    for name, value in (filters or {}).items():
        column = getattr(model, name)
        if isinstance(value, (list, tuple, set)):
            query = query.where(column.in_(list(value)))
        else:
            query = query.where(column == value)
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    sort = list(zip(sort_keys, sort_dirs, strict=False))
    if "id" not in sort_keys:
        sort.append(("id", sort_dirs[0] if sort_dirs else "asc"))
    if marker is not None:
        query = query.where(_after_marker(session, model, marker, sort,
                                          project_id))
    for key, direction in sort:
        column = getattr(model, key)
        query = query.order_by(column.desc() if direction == "desc"
                               else column.asc())
    if limit:
        query = query.limit(limit)
    return session.execute(query).scalars().all()


def _after_marker(session, model, marker_id, sort, project_id=None):
    """WHERE clause selecting the rows after ``marker_id`` in ``sort``.

    :raises: NotFound for a marker the project may not see, as for one
        that does not exist.
    """
    marker = db_api.get_row(session, model, marker_id, model.__tablename__,
                            project_id)
    clauses = []
    for i, (key, direction) in enumerate(sort):
        equal = [getattr(model, k) == getattr(marker, k) for k, _ in sort[:i]]
        column, value = getattr(model, key), getattr(marker, key)
        beyond = column < value if direction == "desc" else column > value
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)
