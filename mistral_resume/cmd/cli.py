"""``mistral-resume``: the operator's CLI; see :mod:`mistral_resume.cli`."""
import sys

from mistral_resume.cli import app


def main(argv=None):
    return app.main(argv)


if __name__ == "__main__":
    sys.exit(main())
