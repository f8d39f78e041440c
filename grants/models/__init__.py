"""grants models, one module per area; import them from here.

Design overview
---------------
- ``Project`` is one lift (一梯一档): one entrance of one building. Its ``stage`` is a
  ``LifecycleStep`` of a ``Lifecycle`` (data: steps, allowed ``LifecycleTransition``s, the
  ``Gate`` codes checked before entering a step, ``StepDocumentRequirement``s). Every move is a
  ``ProjectTransition`` (who, when, why, documents), written only by
  ``grants.services.project_transition``.
- ``Unit`` is a dwelling: floor, exact exclusive area, cost role. Obligations (cost-share lines,
  entry price, volunteer payments) belong to the unit; ``Ownership`` rows say who owns it
  when. ``Household`` and ``Occupant`` say who lives there; ``Person`` is deduplicated by the
  keyed hash of the ID number, which is stored encrypted. ``SensitiveRecord`` (encrypted JSON)
  is readable only with an active ``SensitiveDataConsent`` of its kind.
- ``Consultation`` + ``Vote``: the two owners' consultations; closing freezes the ballots.
- ``CostShareRun`` + ``CostShareLine``: versioned results of ``grants.costshare``; the latest
  version is current. ``SubsidyPreset`` holds the city subsidy rules by effective date.

- ``EligibilityPolicy`` + ``PolicyVersion`` (parameters as data, effective-dated, immutable);
  ``Assessment`` stores each decision with its inputs snapshot; ``HouseholdConsent`` the
  household's consent to processing; ``ScreeningRun`` a batch with progress and changes.
- ``Award`` (proposed -> approved -> committed -> paid / cancelled) with its ``AwardPayment``s;
  ``RelatedParty`` is the register that blocks and flags awards.

Disbursements (issue 8) go in disbursements.py beside these.
"""

from grants.models.awards import (
    Award,
    AwardPayment,
    AwardState,
    RelatedParty,
    RelatedPartyKind,
)
from grants.models.consultations import CHOICE_LABELS, Consultation, Vote
from grants.models.costshare import CostShareLine, CostShareRun, VolunteerPayment
from grants.models.documents import DocumentKind, ProjectDocument
from grants.models.eligibility import (
    CONSENT_INCOME,
    CONSENT_PERSONAL_DATA,
    CONSENT_SENSITIVE,
    OUTCOME_CHOICES,
    Assessment,
    EligibilityPolicy,
    HouseholdConsent,
    PolicyVersion,
    ScreeningRun,
    ScreeningStatus,
    ScreeningTrigger,
)
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
    "CONSENT_INCOME",
    "CONSENT_PERSONAL_DATA",
    "CONSENT_SENSITIVE",
    "MAX_FLOORS",
    "MIN_FLOORS",
    "OUTCOME_CHOICES",
    "Assessment",
    "Award",
    "AwardPayment",
    "AwardState",
    "Consultation",
    "ConsultationKind",
    "CostShareLine",
    "CostShareRun",
    "DocumentKind",
    "EligibilityPolicy",
    "FloorCoefficient",
    "Gate",
    "Household",
    "HouseholdConsent",
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
    "PolicyVersion",
    "Project",
    "ProjectDocument",
    "ProjectTransition",
    "RelatedParty",
    "RelatedPartyKind",
    "Relationship",
    "ScreeningRun",
    "ScreeningStatus",
    "ScreeningTrigger",
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

# Disbursements (issue 8), appended so parallel edits above merge cleanly.
from grants.models.disbursements import (
    LIVE_STATUSES,
    Disbursement,
    DisbursementAllocation,
    DisbursementApproval,
    DisbursementApprovalQueue,
    DisbursementEvidence,
    DisbursementStatus,
    ProjectCloseout,
    Tranche,
    TrancheTemplate,
    TrancheTemplateLine,
)

__all__ += [
    "LIVE_STATUSES",
    "Disbursement",
    "DisbursementAllocation",
    "DisbursementApproval",
    "DisbursementApprovalQueue",
    "DisbursementEvidence",
    "DisbursementStatus",
    "ProjectCloseout",
    "Tranche",
    "TrancheTemplate",
    "TrancheTemplateLine",
]
