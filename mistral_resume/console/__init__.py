"""The operator web console: static pages served by the API process.

See :mod:`mistral_resume.console.wsgi` for what is served where and
:mod:`mistral_resume.console.graph` for the task graph's layout.
"""
