"""Extension objects, created without an app; ``create_app`` binds them."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from competency.db import Base, configure_engine


class _SQLAlchemy(SQLAlchemy):
    def _make_engine(self, bind_key, options, app):
        return configure_engine(super()._make_engine(bind_key, options, app))

    def paginate(self, select, *, page=None, per_page=None, **kwargs):
        """As Flask-SQLAlchemy's, but ``?page=`` and ``?per_page=`` from the URL are kept within
        what the database can take: ``?page=99999999999999999999`` is an empty page, not a 500."""
        from flask import has_request_context, request

        from competency.routing import MAX_PAGE, MAX_PER_PAGE

        if has_request_context():
            if page is None:
                page = request.args.get("page", 1, type=int)
            if per_page is None:
                per_page = request.args.get("per_page", 20, type=int)
        if page is not None:
            page = min(page, MAX_PAGE)
        if per_page is not None:
            per_page = min(per_page, MAX_PER_PAGE)
        return super().paginate(select, page=page, per_page=per_page, **kwargs)


db = _SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
