"""Import every model module so the metadata (create_all, Alembic) sees all tables.

Each domain package adds one line here.
"""
from competency.accounts import models as accounts_models  # noqa: F401
from competency.audit import models as audit_models  # noqa: F401
from competency.reminders import models as reminders_models  # noqa: F401
from competency.frameworks import models as frameworks_models  # noqa: F401
from competency.frameworks import case_models as frameworks_case_models  # noqa: F401
from competency.progression import models as progression_models  # noqa: F401
from competency.evidence import models as evidence_models  # noqa: F401
from competency.signoff import models as signoff_models  # noqa: F401
from competency.preceptorship import models as preceptorship_models  # noqa: F401
from competency.passport import models as passport_models  # noqa: F401
from competency.reporting import indexes as reporting_indexes  # noqa: F401
from competency.reporting import models as reporting_models  # noqa: F401
from competency.grants import models as grants_models  # noqa: F401
from competency.placements import models as placements_models  # noqa: F401
from competency.preceptors import models as preceptors_models  # noqa: F401
from competency.recognition import models as recognition_models  # noqa: F401
from competency.submissions import models as submissions_models  # noqa: F401
from competency.platform import models as platform_models  # noqa: F401
