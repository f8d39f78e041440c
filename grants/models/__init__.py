"""grants models, one module per area; import them from here.

Later issues add eligibility.py, awards.py and disbursements.py beside these.
"""

from grants.models.consultations import CHOICE_LABELS, Consultation, Vote
from grants.models.costshare import CostShareLine, CostShareRun, VolunteerPayment
from grants.models.documents import DocumentKind, ProjectDocument
from grants.models.projects import (
    MAX_FLOORS,
    MIN_FLOORS,
    ConsultationKind,
    FloorCoefficient,
    Gate,
    Lifecycle,
    LifecycleStep,
    LifecycleTransition,
    NoticeObjection,
    OtherGrant,
    Project,
    ProjectTransition,
    StepDocumentRequirement,
    SubsidyMode,
    SubsidyPreset,
)
from grants.models.units import (
    Household,
    IdType,
    Occupant,
    Ownership,
    Person,
    PersonKind,
    Relationship,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
    Sex,
    Unit,
)

__all__ = [
    "CHOICE_LABELS",
    "MAX_FLOORS",
    "MIN_FLOORS",
    "Consultation",
    "ConsultationKind",
    "CostShareLine",
    "CostShareRun",
    "DocumentKind",
    "FloorCoefficient",
    "Gate",
    "Household",
    "IdType",
    "Lifecycle",
    "LifecycleStep",
    "LifecycleTransition",
    "NoticeObjection",
    "Occupant",
    "OtherGrant",
    "Ownership",
    "Person",
    "PersonKind",
    "Project",
    "ProjectDocument",
    "ProjectTransition",
    "Relationship",
    "SensitiveDataConsent",
    "SensitiveKind",
    "SensitiveRecord",
    "Sex",
    "StepDocumentRequirement",
    "SubsidyMode",
    "SubsidyPreset",
    "Unit",
    "VolunteerPayment",
    "Vote",
]
