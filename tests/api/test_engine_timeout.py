"""No engine answers: the API says so with a 504, not a bare 500."""
import uuid

import webtest

from mistral_resume import conf as mr_conf
from mistral_resume.db import database
from mistral_resume.db import models
from mistral_resume.engine import service


def test_a_call_no_engine_answers_is_a_504_that_says_why(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "t.db")
    conf = mr_conf.make([], transport_url="inproc:///%s" % uuid.uuid4().hex,
                        database__connection=url, engine__rpc_timeout=1)
    db = database.Database(url)
    models.Base.metadata.create_all(db.engine)
    svc = service.Service(conf, ("executor",), db=db).start()  # no engine
    try:
        app = webtest.TestApp(svc.wsgi_app())
        answer = app.post_json("/v2/executions", {"workflow_name": "wf"},
                               expect_errors=True)

        assert answer.status_int == 504
        fault = answer.json["faultstring"]
        assert "No engine answered start_workflow within 1 seconds" in fault
        assert "[engine] rpc_timeout" in fault
        with db.reading() as session:
            assert session.query(models.WorkflowExecution).count() == 0
    finally:
        svc.stop()
        db.dispose()
