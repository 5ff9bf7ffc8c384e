"""SIKK tables, by area. Models hold columns, relationships and invariants only."""
from server.models.wilayah import Kecamatan, Kelurahan, RW
from server.models.users import User, UserScope, DeviceToken, ROLES
from server.models.forms import FormDefinition, ServiceType, Holiday
from server.models.submissions import REVIEW_STATES, Attachment, ScoreOutbox, Submission, counts_clause
from server.models.scores import IndicatorResult, Target, RuleSetVersion, AuditLog
from server.models.review import ReviewSetting

__all__ = [
    "Kecamatan", "Kelurahan", "RW", "User", "UserScope", "DeviceToken", "ROLES",
    "FormDefinition", "ServiceType", "Holiday", "Submission", "Attachment", "ScoreOutbox", "REVIEW_STATES", "counts_clause",
    "IndicatorResult", "Target", "RuleSetVersion", "AuditLog", "ReviewSetting",
]
