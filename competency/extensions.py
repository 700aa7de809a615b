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


db = _SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
