"""The JSON API. Each area's routes live in their own module, imported here."""
from competency.blueprints.api import frameworks, me  # noqa: F401
from competency.blueprints.api import progression  # noqa: F401
from competency.blueprints.api import passport  # noqa: F401
from competency.blueprints.api import evidence, signoff  # noqa: F401
from competency.blueprints.api import programmes  # noqa: F401
from competency.blueprints.api import grants, placements  # noqa: F401
from competency.blueprints.api.blueprint import bp

__all__ = ["bp"]
