"""The operator's commands, for ``mistral-resume`` and OpenStackClient.

``app`` is the ``mistral-resume`` cliff application; ``executions``,
``tasks`` and ``resume`` hold the command classes, which also plug into
``openstack`` (entry-point group ``openstack.workflow_engine.v2``);
``transport`` makes their HTTP calls through either client; ``bodies``
builds what they send and ``views`` shapes what they print.
"""
